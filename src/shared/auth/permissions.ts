import { Role } from "./roles";

/**
 * Capabilities. Code and shield rules speak of these, never of role names;
 * ROLE_PERMISSIONS below is the one table that grants them.
 */
export enum Permission {
  /** Look up numbers, report them, read published penalties: anyone, no token. */
  PUBLIC_READ = "PUBLIC_READ",
  /** Read organisations the viewer may see (own tree; all for oversight roles). */
  ORGANIZATION_READ = "ORGANIZATION_READ",
  /** Create organisations of any kind. */
  ORGANIZATION_MANAGE = "ORGANIZATION_MANAGE",
  /** Read every organisation, not only the viewer's own tree. */
  ORGANIZATION_READ_ALL = "ORGANIZATION_READ_ALL",
  /** Read numbers and their change feed; which rows, the numbers service decides. */
  NUMBER_READ = "NUMBER_READ",
  /** Publish allocations, sync numbers, wholesale them to resellers. */
  NUMBER_ALLOCATE = "NUMBER_ALLOCATE",
}

const AUTHENTICATED = [Permission.PUBLIC_READ, Permission.ORGANIZATION_READ];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  [Role.PUBLIC]: [Permission.PUBLIC_READ],
  [Role.CARRIER]: [...AUTHENTICATED, Permission.NUMBER_READ, Permission.NUMBER_ALLOCATE],
  [Role.RESELLER]: [...AUTHENTICATED, Permission.NUMBER_READ],
  [Role.CALL_CENTER]: [...AUTHENTICATED],
  [Role.POLICE]: [...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.NUMBER_READ],
  [Role.REGULATOR]: [...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.NUMBER_READ],
  [Role.ADMIN]: [...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.ORGANIZATION_MANAGE],
};

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return new Set(ROLE_PERMISSIONS[role]);
}

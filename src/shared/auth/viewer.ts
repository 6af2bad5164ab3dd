import { forbidden } from "../errors";
import { Permission, permissionsOf } from "./permissions";
import { OrganizationKind, Role } from "./roles";

/** The organisation a viewer acts for, as much of it as scoping needs. */
export interface ViewerOrganization {
  id: string;
  code: string;
  kind: OrganizationKind;
  province: string | null;
  /** Materialised path of codes, "/CT/CT-LN/": a subtree is every path with this prefix. */
  path: string;
}

/** Who is calling: the first argument of every service method. */
export interface Viewer {
  /** `sub` of the token, "anonymous" for PUBLIC. */
  subject: string;
  role: Role;
  organization: ViewerOrganization | null;
  permissions: ReadonlySet<Permission>;
}

export function publicViewer(): Viewer {
  return { subject: "anonymous", role: Role.PUBLIC, organization: null, permissions: permissionsOf(Role.PUBLIC) };
}

export function can(viewer: Viewer, permission: Permission): boolean {
  return viewer.permissions.has(permission);
}

/**
 * The organisation the viewer acts for; FORBIDDEN without one. Which kind of organisation may call an
 * operation is the permission table's to say (a token's organisation kind is checked at authentication),
 * so this asks no kind.
 */
export function organizationOf(viewer: Viewer): ViewerOrganization {
  if (!viewer.organization) throw forbidden("this operation acts for an organisation: your token names none");
  return viewer.organization;
}

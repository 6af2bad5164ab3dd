/** Organisation kinds (DESIGN.md, "The parties"). */
export enum OrganizationKind {
  CARRIER = "CARRIER",
  RESELLER = "RESELLER",
  CALL_CENTER = "CALL_CENTER",
  POLICE = "POLICE",
  REGULATOR = "REGULATOR",
  PLATFORM = "PLATFORM",
}

/** Roles a token may carry; PUBLIC is the caller without a token. */
export enum Role {
  CARRIER = "CARRIER",
  RESELLER = "RESELLER",
  CALL_CENTER = "CALL_CENTER",
  POLICE = "POLICE",
  REGULATOR = "REGULATOR",
  ADMIN = "ADMIN",
  PUBLIC = "PUBLIC",
}

export const TOKEN_ROLES = [Role.CARRIER, Role.RESELLER, Role.CALL_CENTER, Role.POLICE, Role.REGULATOR, Role.ADMIN] as const;

/** The one kind of organisation each token role may act for. */
export const KIND_OF_ROLE: Record<Exclude<Role, Role.PUBLIC>, OrganizationKind> = {
  [Role.CARRIER]: OrganizationKind.CARRIER,
  [Role.RESELLER]: OrganizationKind.RESELLER,
  [Role.CALL_CENTER]: OrganizationKind.CALL_CENTER,
  [Role.POLICE]: OrganizationKind.POLICE,
  [Role.REGULATOR]: OrganizationKind.REGULATOR,
  [Role.ADMIN]: OrganizationKind.PLATFORM,
};

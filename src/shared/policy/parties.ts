import { OrganizationKind } from "../auth/roles";
import { Viewer } from "../auth/viewer";
import { SqlParams } from "./sql";
import { inSubtree } from "./visibility";

/*
 * The rules of DESIGN.md that depend on which kind of party the viewer acts for, beyond which rows it
 * reaches (visibility.ts) and which operations its role may call (the permission table). Services ask
 * here; none of them looks at an organisation's kind itself.
 */

/** How a viewer that reaches a subscriber reads its resident ID numbers (DESIGN.md, "Who sees what"). */
export type IdNumberReach =
  /** In full: the reseller that registered it, a carrier holding one of its numbers. */
  | "HOLDER"
  /** In full, for the open case it states: the police. */
  | "CASE"
  | "MASKED";

export function idNumberReach(viewer: Viewer, subscriber: { resellerId: string }, caseStated: boolean): IdNumberReach {
  const org = viewer.organization;
  if (!org) return "MASKED";
  // A carrier reaches a subscriber only while one of its numbers is in the carrier's subtree (subscribersVisible).
  if (org.kind === OrganizationKind.CARRIER) return "HOLDER";
  if (org.kind === OrganizationKind.RESELLER && org.id === subscriber.resellerId) return "HOLDER";
  if (org.kind === OrganizationKind.POLICE && caseStated) return "CASE";
  return "MASKED";
}

/** What a search of holdings by resident ID must state: the police an open case, a regulator its purpose. */
export function idSearchBasis(viewer: Viewer): "CASE" | "PURPOSE" | null {
  switch (viewer.organization?.kind) {
    case OrganizationKind.POLICE:
      return "CASE";
    case OrganizationKind.REGULATOR:
      return "PURPOSE";
    default:
      return null;
  }
}

/** The party a suspension is imposed as (it is lifted by that organisation or one above it). */
export function suspendingParty(viewer: Viewer): "CARRIER" | "REGULATOR" | null {
  switch (viewer.organization?.kind) {
    case OrganizationKind.CARRIER:
      return "CARRIER";
    case OrganizationKind.REGULATOR:
      return "REGULATOR";
    default:
      return null;
  }
}

/** Whether the viewer maintains the nationwide lists (the official marketing numbers): MIIT, not a provincial administration. */
export function maintainsNationalLists(viewer: Viewer): boolean {
  const org = viewer.organization;
  return org?.kind === OrganizationKind.REGULATOR && org.province === null;
}

/** Whether the viewer's party makes a verification check made by `performer` (the call-back is the reseller's, the re-check the carrier's). */
export function makesCheck(viewer: Viewer, performer: "RESELLER" | "CARRIER" | "EITHER"): boolean {
  const kind = viewer.organization?.kind;
  if (kind !== OrganizationKind.RESELLER && kind !== OrganizationKind.CARRIER) return false;
  return performer === "EITHER" || performer === kind;
}

/** The calling organisation whose marketing calls the viewer may record a refusal of: a call centre its own only; null: any. */
export function refusalCallerFixed(viewer: Viewer): string | null {
  const org = viewer.organization;
  return org?.kind === OrganizationKind.CALL_CENTER ? org.code : null;
}

/** Cases a viewer lists (alias of `cases`): a police bureau its own and those of bureaus below it. */
export function casesVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  return org?.kind === OrganizationKind.POLICE ? inSubtree(`${alias}.organization_id`, org, p) : "FALSE";
}

/**
 * Cases a viewer may state to unmask an ID or search holdings (alias of `cases`): a police bureau's own, or
 * those of the bureau directly above it (a provincial bureau works the ministry's cases).
 */
export function casesStatable(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (org?.kind !== OrganizationKind.POLICE) return "FALSE";
  const own = p.add(org.id);
  return `(${alias}.organization_id = ${own} OR ${alias}.organization_id = (SELECT parent_id FROM organizations WHERE id = ${own}))`;
}

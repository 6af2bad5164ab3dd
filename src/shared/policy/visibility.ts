import { Permission } from "../auth/permissions";
import { OrganizationKind } from "../auth/roles";
import { Viewer, ViewerOrganization, can } from "../auth/viewer";
import { SqlParams } from "./sql";

/*
 * Who reaches which rows (DESIGN.md, "Who sees what"), one policy per kind of record, each a SQL
 * condition on the record's alias. Every path to a record (root query, nested field, loader, list,
 * holdings, audit trail, subscription, a mutation's target) asks here, so a row hidden from one path
 * is hidden from all. Reach follows real relationships:
 *   - a carrier: its subtree's numbers and trunks; a subscriber only while one of its numbers is in the
 *     subtree (supplying a reseller gives no reach over that reseller's other customers);
 *   - a reseller: the numbers wholesaled to it, the subscribers it registered;
 *   - a call centre: its own trunks;
 *   - police and regulators: everything when national; a provincial bureau or administration reads its
 *     province only (numbers by their province, subscribers holding a number there, trunks there, orders
 *     and audit events about those);
 *   - nobody else (ADMIN, PUBLIC) any personal or number record.
 */

/** The viewer's organisation when it reads or acts for one province only; null when national or none. */
export function provinceOf(viewer: Viewer): string | null {
  const org = viewer.organization;
  return org && (org.kind === OrganizationKind.POLICE || org.kind === OrganizationKind.REGULATOR) ? org.province : null;
}

const isAuthority = (org: ViewerOrganization | null): org is ViewerOrganization =>
  org !== null && (org.kind === OrganizationKind.POLICE || org.kind === OrganizationKind.REGULATOR);

/** `column` is the id of an organisation in the viewer's subtree (its own or below it). */
export function inSubtree(column: string, org: ViewerOrganization, p: SqlParams): string {
  return `${column} IN (SELECT id FROM organizations WHERE path LIKE ${p.add(org.path)} || '%')`;
}

/** Numbers (alias of `numbers`), and rows that carry a number's carrier, reseller and province columns. */
export function numbersVisible(viewer: Viewer, alias: string, p: SqlParams, resellerColumns: readonly string[] = ["reseller_id"]): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.CARRIER:
      return inSubtree(`${alias}.carrier_id`, org, p);
    case OrganizationKind.RESELLER: {
      const id = p.add(org.id);
      return `(${resellerColumns.map((c) => `${alias}.${c} = ${id}`).join(" OR ")})`;
    }
    case OrganizationKind.POLICE:
    case OrganizationKind.REGULATOR:
      return org.province ? `${alias}.province = ${p.add(org.province)}` : "TRUE";
    default:
      return "FALSE";
  }
}

/** The change feed (alias of `number_changes`): a change of a number as the number's own rule, either reseller's. */
export function numberChangesVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  return numbersVisible(viewer, alias, p, ["reseller_id", "previous_reseller_id"]);
}

/** Subscribers (alias of `subscribers`). */
export function subscribersVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.RESELLER:
      return `${alias}.reseller_id = ${p.add(org.id)}`;
    case OrganizationKind.CARRIER:
      return `EXISTS (SELECT 1 FROM numbers sv WHERE sv.subscriber_id = ${alias}.id AND ${inSubtree("sv.carrier_id", org, p)})`;
    case OrganizationKind.POLICE:
    case OrganizationKind.REGULATOR:
      return org.province
        ? `EXISTS (SELECT 1 FROM numbers sv WHERE sv.subscriber_id = ${alias}.id AND sv.province = ${p.add(org.province)})`
        : "TRUE";
    default:
      return "FALSE";
  }
}

/** Trunk lines (alias of `trunk_lines`). */
export function trunkLinesVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.CARRIER:
      return inSubtree(`${alias}.carrier_id`, org, p);
    case OrganizationKind.CALL_CENTER:
      return `${alias}.call_center_id = ${p.add(org.id)}`;
    case OrganizationKind.POLICE:
    case OrganizationKind.REGULATOR:
      return org.province ? `${alias}.province = ${p.add(org.province)}` : "TRUE";
    default:
      return "FALSE";
  }
}

/**
 * Shutdown orders (alias of `shutdown_orders`): a carrier those naming its subtree's numbers; police and
 * regulators all when national, a provincial one those issued in its subtree or naming its province's numbers.
 */
export function shutdownOrdersVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.CARRIER:
      return `EXISTS (SELECT 1 FROM shutdown_items ov WHERE ov.order_id = ${alias}.id AND ${inSubtree("ov.carrier_id", org, p)})`;
    case OrganizationKind.POLICE:
    case OrganizationKind.REGULATOR:
      if (!org.province) return "TRUE";
      return `(${inSubtree(`${alias}.issued_by`, org, p)} OR EXISTS (SELECT 1 FROM shutdown_items ov JOIN numbers ovn ON ovn.number = ov.number
                 WHERE ov.order_id = ${alias}.id AND ovn.province = ${p.add(org.province)}))`;
    default:
      return "FALSE";
  }
}

/** The items of a visible order the viewer reaches (alias of `shutdown_items`): a carrier its subtree's; others every item. */
export function shutdownItemsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  return org.kind === OrganizationKind.CARRIER ? inSubtree(`${alias}.carrier_id`, org, p) : "TRUE";
}

/**
 * Whether an item's details (its number's previous status, times) are the viewer's to read, as a SQL
 * boolean over the item's number (alias of `numbers`): a provincial bureau outside its province sees only
 * the number, its carrier and the item's state.
 */
export function shutdownItemDetailVisible(viewer: Viewer, numberAlias: string, p: SqlParams): string {
  const province = provinceOf(viewer);
  return province ? `(${numberAlias}.province IS NOT DISTINCT FROM ${p.add(province)})` : "TRUE";
}

/**
 * Organisations (alias of `organizations`): police, regulators and the platform all; everyone else its own
 * tree (its subtree and the organisations above it) and the organisations it deals with: a carrier the
 * resellers its subtree supplies and the call centres renting its subtree's trunks; a reseller the carriers
 * that supply it; a call centre the carriers of its trunks; and anyone the issuer of a shutdown order, the call
 * centre named by a refusal of marketing calls, or the author of a verification check that the viewer reaches.
 */
export function organizationsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  if (can(viewer, Permission.ORGANIZATION_READ_ALL)) return "TRUE";
  const org = viewer.organization;
  if (!org) return "FALSE";
  const path = p.add(org.path);
  const tree = `(${alias}.path LIKE ${path} || '%' OR ${path} LIKE ${alias}.path || '%')`;
  const subtree = `(SELECT id FROM organizations WHERE path LIKE ${path} || '%')`;
  const reach = [tree];
  switch (org.kind) {
    case OrganizationKind.CARRIER:
      reach.push(`${alias}.id IN (SELECT reseller_id FROM reseller_supply WHERE carrier_id IN ${subtree})`);
      reach.push(`${alias}.id IN (SELECT call_center_id FROM trunk_lines WHERE carrier_id IN ${subtree})`);
      break;
    case OrganizationKind.RESELLER:
      reach.push(`${alias}.id IN (SELECT carrier_id FROM reseller_supply WHERE reseller_id IN ${subtree})`);
      break;
    case OrganizationKind.CALL_CENTER:
      reach.push(`${alias}.id IN (SELECT carrier_id FROM trunk_lines WHERE call_center_id IN ${subtree})`);
      break;
  }
  // The organisations named by records the viewer reaches, so that a record's nested organisation (never
  // null in the schema) is one the viewer may fetch: the issuer of an order, the call centre a refusal names,
  // the author of a check. Each is the record's own rule; the costlier come last, read only when the cheaper
  // arms (tried in order) left an organisation out.
  const orders = shutdownOrdersVisible(viewer, "vo", p);
  if (orders !== "FALSE") reach.push(`${alias}.id IN (SELECT vo.issued_by FROM shutdown_orders vo WHERE ${orders})`);
  const refusals = marketingRefusalsVisible(viewer, "vr", p);
  if (refusals !== "FALSE") {
    reach.push(`EXISTS (SELECT 1 FROM marketing_refusals vr WHERE vr.caller_org_id = ${alias}.id AND ${refusals})`);
  }
  const subscribers = subscribersVisible(viewer, "vs", p);
  if (subscribers !== "FALSE") {
    reach.push(`${alias}.id IN (SELECT vc.organization_id FROM verification_checks vc JOIN subscribers vs ON vs.id = vc.subscriber_id
                                 WHERE ${subscribers})`);
  }
  return `(${reach.join(" OR ")})`;
}

/** Campaigns (alias of `campaigns`): regulators; a provincial one the national campaigns and its province's. */
export function campaignsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org || org.kind !== OrganizationKind.REGULATOR) return "FALSE";
  return org.province ? `(${alias}.province IS NULL OR ${alias}.province = ${p.add(org.province)})` : "TRUE";
}

// ---------------------------------------------------------------- acting on records

/*
 * What a viewer may act on, as opposed to read. A provincial regulator writes only in its province (orders,
 * suspensions, campaigns, penalties whose target holds numbers or is registered there); national authorities
 * everywhere; police may order any number stopped (fraud crosses provinces); a carrier acts on its subtree.
 */

/** Numbers a viewer may suspend or lift a suspension of (alias of `numbers`). */
export function numbersSuspendable(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  if (org.kind === OrganizationKind.CARRIER) return inSubtree(`${alias}.carrier_id`, org, p);
  if (org.kind === OrganizationKind.REGULATOR) return org.province ? `${alias}.province = ${p.add(org.province)}` : "TRUE";
  return "FALSE";
}

/** Numbers a viewer may name in a shutdown order (alias of `numbers`): police any; a regulator its province's. */
export function numbersOrderable(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!isAuthority(org)) return "FALSE";
  if (org.kind === OrganizationKind.POLICE || !org.province) return "TRUE";
  return `${alias}.province = ${p.add(org.province)}`;
}

/**
 * Whether a viewer may record a penalty on a target, as a SQL boolean: national regulators any; a provincial
 * one a target registered in its province (an organisation there) or holding numbers there (a company by its
 * USCC, a person as the legal representative of subscribers holding numbers there).
 */
export function penaltyTargetInReach(
  viewer: Viewer,
  target: { orgId: string | null; uscc: string | null; legalRepIdHash: string | null },
  p: SqlParams,
): string {
  const org = viewer.organization;
  if (!org || org.kind !== OrganizationKind.REGULATOR) return "FALSE";
  if (!org.province) return "TRUE";
  if (!target.orgId && !target.uscc && !target.legalRepIdHash) return "FALSE";
  const province = p.add(org.province);
  const reach: string[] = [];
  if (target.orgId) {
    const id = p.add(target.orgId);
    reach.push(`EXISTS (SELECT 1 FROM organizations po WHERE po.id = ${id} AND po.province = ${province})`);
    reach.push(`EXISTS (SELECT 1 FROM numbers pn WHERE (pn.carrier_id = ${id} OR pn.reseller_id = ${id}) AND pn.province = ${province})`);
  }
  if (target.uscc) {
    reach.push(`EXISTS (SELECT 1 FROM subscribers ps JOIN numbers pn ON pn.subscriber_id = ps.id
                         WHERE ps.uscc = ${p.add(target.uscc)} AND pn.province = ${province})`);
    reach.push(`EXISTS (SELECT 1 FROM organizations po WHERE po.uscc = ${p.add(target.uscc)} AND po.province = ${province})`);
  }
  if (target.legalRepIdHash) {
    reach.push(`EXISTS (SELECT 1 FROM subscribers ps JOIN numbers pn ON pn.subscriber_id = ps.id
                         WHERE ps.legal_rep_id_hash = ${p.add(target.legalRepIdHash)} AND pn.province = ${province})`);
  }
  return `(${reach.join(" OR ")})`;
}

/**
 * Whether the viewer is the organisation that imposed something (an order, a suspension), or one above it,
 * as a SQL boolean over the imposing organisation's id column.
 */
export function imposedAtOrBelow(viewer: Viewer, column: string, p: SqlParams): string {
  const org = viewer.organization;
  return org ? inSubtree(column, org, p) : "FALSE";
}

// ---------------------------------------------------------------- added for penalties and audit trails

/** Whether the viewer is a national authority (MIIT, the Ministry of Public Security): it reads and acts everywhere. */
export function nationalAuthority(viewer: Viewer): boolean {
  return isAuthority(viewer.organization) && viewer.organization.province === null;
}

/** Penalties (alias of `penalties`): regulators every one, recorded or published; everyone else, the public included, the published ones. */
export function penaltiesVisible(viewer: Viewer, alias: string, _p: SqlParams): string {
  return viewer.organization?.kind === OrganizationKind.REGULATOR ? "TRUE" : `${alias}.published_at IS NOT NULL`;
}

// ---------------------------------------------------------------- added for refusals of marketing calls

/**
 * Refusals of marketing calls a viewer must honour (alias of `marketing_refusals`): everyone bound by them the
 * refusals of all marketing calls; a call centre also those of its own calls; a carrier also those its subtree
 * recorded and those of the call centres renting its subtree's trunks; nobody else any.
 */
export function marketingRefusalsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.CALL_CENTER:
      return `(${alias}.caller_org_id IS NULL OR ${alias}.caller_org_id = ${p.add(org.id)})`;
    case OrganizationKind.CARRIER:
      return `(${alias}.caller_org_id IS NULL OR ${inSubtree(`${alias}.recorded_by`, org, p)}
                OR ${alias}.caller_org_id IN (SELECT vt.call_center_id FROM trunk_lines vt WHERE ${trunkLinesVisible(viewer, "vt", p)}))`;
    default:
      return "FALSE";
  }
}

/**
 * An organisation's own integration: its API clients and webhooks (alias's `organization_id`). ADMIN
 * reaches every organisation's; an administrator (ORG_ADMIN) its own organisation's only; nobody else any.
 */
export function integrationsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org || !can(viewer, Permission.ORG_ADMIN)) return "FALSE";
  if (org.kind === OrganizationKind.PLATFORM) return "TRUE";
  return `${alias}.organization_id = ${p.add(org.id)}`;
}

/**
 * Deposits (alias of `deposits`): each party its own side, by the deposit's own columns, never through
 * whoever holds the number now (a number sold again after its quarantine keeps its old deposit with the
 * reseller that sold it then): a reseller its own obligations; a carrier what its subtree holds; a
 * regulator everything when national, its province otherwise. The police keep no accounts here.
 */
export function depositsVisible(viewer: Viewer, alias: string, p: SqlParams): string {
  const org = viewer.organization;
  if (!org || !can(viewer, Permission.DEPOSIT_READ)) return "FALSE";
  switch (org.kind) {
    case OrganizationKind.CARRIER:
      return inSubtree(`${alias}.carrier_id`, org, p);
    case OrganizationKind.RESELLER:
      return `${alias}.reseller_id = ${p.add(org.id)}`;
    case OrganizationKind.REGULATOR:
      return org.province ? `${alias}.province = ${p.add(org.province)}` : "TRUE";
    default:
      return "FALSE";
  }
}

/** Deposits whose schedule the viewer sets: a national regulator any province's and the national one, a provincial one its own. */
export function depositSchedulesWritable(viewer: Viewer, province: string | null): boolean {
  const org = viewer.organization;
  if (!org || org.kind !== OrganizationKind.REGULATOR || !can(viewer, Permission.DEPOSIT_SCHEDULE)) return false;
  return org.province === null || org.province === province;
}

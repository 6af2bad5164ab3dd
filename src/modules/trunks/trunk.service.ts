import { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { OrganizationKind } from "../../shared/auth/roles";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { groupByIds, isCalendarDate, oneByKeys } from "../../shared/dates";
import { badInput, conflict, forbidden, isUniqueViolation, notFound, statedReason } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { PROVINCES, assertProvince } from "../../shared/provinces";
import { SqlParams, trunkLinesVisible } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { callCenterBlacklisted } from "./call-center-blacklist.sql";
import { kindOf, nationalForm } from "./caller-number";
import { Inspection, TrunkApproval, TrunkLine, TrunkStatus } from "./trunk.entity";
import { RecordInspectionInput, RegisterTrunkLineInput, TrunkLineFilter } from "./trunk.inputs";

const CURSOR_KIND = "trunk-line";

const TRUNK_COLUMNS = `t.id, t.seq::text AS seq, t.carrier_id AS "carrierId", t.call_center_id AS "callCenterId", t.capacity, t.purpose,
  t.province, t.status, t.required_departments AS "requiredDepartments", t.registered_at AS "registeredAt",
  t.activated_at AS "activatedAt", t.suspended_at AS "suspendedAt", t.suspension_reason AS "suspensionReason", t.round AS "approvalRound",
  t.reinstated_at AS "reinstatedAt", t.reinstatement_reason AS "reinstatementReason"`;
const APPROVAL_COLUMNS = `a.trunk_id AS "trunkId", a.department, a.approved_by AS "approvedBy", a.note, a.at`;
const INSPECTION_COLUMNS = `i.id, i.trunk_id AS "trunkId", to_char(i.inspected_on, 'YYYY-MM-DD') AS date, i.passed, i.findings, i.inspector, i.at`;

/** Refused caller numbers named one by one: at most this many in a message. */
const NAMED = 20;

/** Trunk lines: registration, approval by departments in rounds, inspections, suspension and reinstatement (DESIGN.md, "Trunk lines and caller authentication"). */
export class TrunkService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
  ) {}

  async register(viewer: Viewer, input: RegisterTrunkLineInput, mutation: UnitOfWork): Promise<TrunkLine> {
    const carrier = organizationOf(viewer);
    assertProvince(input.province, "input.province");
    if (carrier.province && input.province && input.province !== carrier.province) {
      throw badInput(
        `province "${input.province}" differs from yours (${carrier.province}, ${PROVINCES[carrier.province]}): a branch registers trunks in its own province`,
        { argument: "input.province" },
      );
    }
    const province = input.province ?? carrier.province;
    const numbers = callerNumbers(input.callerNumbers);
    const departments = this.config.rules.trunkDepartments;

    return mutation.run(async (tx) => {
      const c = new SqlParams();
      const [callCenter]: { id: string; code: string; kind: OrganizationKind; uscc: string | null }[] = await tx.query(
        `SELECT id, code, kind, uscc FROM organizations WHERE code = ${c.add(input.callCenterCode)}`,
        c.values,
      );
      if (!callCenter || callCenter.kind !== OrganizationKind.CALL_CENTER) {
        throw badInput(`callCenterCode "${input.callCenterCode}" is not a call centre`, { argument: "input.callCenterCode" });
      }
      if (!callCenter.uscc) {
        throw badInput(
          `the call centre ${callCenter.code} has no USCC on record, so it holds no numbers to present: its organisation needs its company's USCC`,
          { argument: "input.callCenterCode" },
        );
      }
      await refuseBlacklisted(tx, callCenter.id);
      await refuseNumbersNotHeld(tx, numbers, callCenter.uscc);
      const p = new SqlParams();
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, required_departments, registered_by)
         VALUES (${p.add(carrier.id)}, ${p.add(callCenter.id)}, ${p.add(input.capacity)}, ${p.add(input.purpose)}, ${p.add(province)},
                 ${p.add(departments)}, ${p.add(viewer.subject)}) RETURNING id`,
        p.values,
      );
      const n = new SqlParams();
      await tx.query(`INSERT INTO trunk_caller_numbers (trunk_id, caller_number) SELECT ${n.add(id)}, unnest(${n.add(numbers)}::text[])`, n.values);
      return { result: await trunkRow(tx, id), targets: [id, callCenter.code] };
    });
  }

  /**
   * One department's approval in the trunk's current round. One person approves for one
   * department of a round, each department once; the last required approval puts the trunk
   * into service in the same transaction.
   */
  async approve(viewer: Viewer, trunkId: string, department: string, note: string | null | undefined, mutation: UnitOfWork): Promise<TrunkLine> {
    const carrier = organizationOf(viewer);
    const dept = department.trim().toUpperCase();
    const text = (note ?? "").trim();
    if (text.length > 2000) throw badInput("note must be at most 2000 characters", { argument: "note" });
    return mutation.run(async (tx) => {
      const trunk = await lockVisible(tx, viewer, trunkId);
      if (!trunk.requiredDepartments.includes(dept)) {
        throw badInput(`department "${department}" is not one that approves this trunk line: ${trunk.requiredDepartments.join(", ")}`, {
          argument: "department",
        });
      }
      if (trunk.status !== TrunkStatus.PENDING_APPROVAL) {
        throw conflict(`the trunk line is ${trunk.status}: approvals are recorded only while it awaits approval`);
      }
      const g = new SqlParams();
      const given: { department: string; approved_by: string }[] = await tx.query(
        `SELECT department, approved_by FROM trunk_approvals WHERE trunk_id = ${g.add(trunk.id)} AND round = ${g.add(trunk.approvalRound)}`,
        g.values,
      );
      if (given.some((a) => a.department === dept)) throw conflict(`${dept} has already approved this trunk line`);
      const mine = given.find((a) => a.approved_by === viewer.subject);
      if (mine) {
        throw conflict(`you approved this trunk line for ${mine.department}: one person approves for one department only`);
      }
      await refuseBlacklisted(tx, trunk.callCenterId);
      try {
        const a = new SqlParams();
        await tx.query(
          `INSERT INTO trunk_approvals (trunk_id, round, department, approved_by, organization_id, note)
           VALUES (${a.add(trunk.id)}, ${a.add(trunk.approvalRound)}, ${a.add(dept)}, ${a.add(viewer.subject)}, ${a.add(carrier.id)}, ${a.add(text)})`,
          a.values,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict("this approval was recorded meanwhile");
        throw error;
      }
      if (trunk.requiredDepartments.every((d) => d === dept || given.some((a) => a.department === d))) {
        const u = new SqlParams();
        await tx.query(`UPDATE trunk_lines SET status = 'ACTIVE', activated_at = now() WHERE id = ${u.add(trunk.id)}`, u.values);
      }
      return { result: await trunkRow(tx, trunk.id), targets: [trunk.id] };
    });
  }

  async recordInspection(viewer: Viewer, trunkId: string, input: RecordInspectionInput, mutation: UnitOfWork): Promise<Inspection> {
    const carrier = organizationOf(viewer);
    if (!isCalendarDate(input.date)) throw badInput(`date "${input.date}" is not a calendar date`, { argument: "input.date" });
    return mutation.run(async (tx) => {
      const trunk = await lockVisible(tx, viewer, trunkId);
      const d = new SqlParams();
      const [{ future }]: { future: boolean }[] = await tx.query(`SELECT ${d.add(input.date)}::date > current_date AS future`, d.values);
      if (future) throw badInput(`date ${input.date} is in the future: record an inspection once it has taken place`, { argument: "input.date" });
      const p = new SqlParams();
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO trunk_inspections (trunk_id, inspected_on, passed, findings, inspector, organization_id)
         VALUES (${p.add(trunk.id)}, ${p.add(input.date)}, ${p.add(input.passed)}, ${p.add(input.findings.trim())}, ${p.add(viewer.subject)},
                 ${p.add(carrier.id)}) RETURNING id`,
        p.values,
      );
      const i = new SqlParams();
      const [inspection]: Inspection[] = await tx.query(`SELECT ${INSPECTION_COLUMNS} FROM trunk_inspections i WHERE i.id = ${i.add(id)}`, i.values);
      return { result: inspection, targets: [trunk.id, id] };
    });
  }

  /** Takes a trunk out of service: its carrier (subtree), or a regulator whose reach holds it (trunkLinesVisible: its province; national, all). */
  async suspend(viewer: Viewer, trunkId: string, reason: string, mutation: UnitOfWork): Promise<TrunkLine> {
    organizationOf(viewer);
    const why = statedReason(reason, 3);
    return mutation.run(async (tx) => {
      const trunk = await lockVisible(tx, viewer, trunkId);
      if (trunk.status === TrunkStatus.SUSPENDED) throw conflict("the trunk line is already suspended");
      if (trunk.status !== TrunkStatus.ACTIVE) throw conflict(`the trunk line is ${trunk.status}: only a trunk in service is suspended`);
      const p = new SqlParams();
      await tx.query(
        `UPDATE trunk_lines SET status = 'SUSPENDED', suspended_at = now(), suspended_by = ${p.add(viewer.subject)}, suspension_reason = ${p.add(why)}
          WHERE id = ${p.add(trunk.id)}`,
        p.values,
      );
      return { result: await trunkRow(tx, trunk.id), targets: [trunk.id] };
    });
  }

  /**
   * A SUSPENDED trunk back to PENDING_APPROVAL in a new approval round: every required
   * department approves again; the earlier rounds' approvals stay as history. Refused
   * while its call centre is blacklisted. Who may: as for suspend.
   */
  async reinstate(viewer: Viewer, trunkId: string, reason: string, mutation: UnitOfWork): Promise<TrunkLine> {
    organizationOf(viewer);
    const why = statedReason(reason, 3);
    return mutation.run(async (tx) => {
      const trunk = await lockVisible(tx, viewer, trunkId);
      if (trunk.status !== TrunkStatus.SUSPENDED) throw conflict(`the trunk line is ${trunk.status}: only a suspended trunk is reinstated`);
      await refuseBlacklisted(tx, trunk.callCenterId);
      const p = new SqlParams();
      await tx.query(
        `UPDATE trunk_lines SET status = 'PENDING_APPROVAL', activated_at = NULL, round = round + 1, reinstated_at = now(),
                reinstated_by = ${p.add(viewer.subject)}, reinstatement_reason = ${p.add(why)}
          WHERE id = ${p.add(trunk.id)}`,
        p.values,
      );
      return { result: await trunkRow(tx, trunk.id), targets: [trunk.id] };
    });
  }

  async list(viewer: Viewer, filter: TrunkLineFilter | null | undefined, args: PageArgs): Promise<Connection<TrunkLine>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const where = [trunkLinesVisible(viewer, "t", p)];
    if (filter?.status) where.push(`t.status = ${p.add(filter.status)}`);
    if (filter?.purpose) where.push(`t.purpose = ${p.add(filter.purpose)}`);
    if (filter?.callCenterCode) where.push(`t.call_center_id = (SELECT id FROM organizations WHERE code = ${p.add(filter.callCenterCode)})`);
    if (filter?.blacklisted != null) where.push(`${filter.blacklisted ? "" : "NOT "}${callCenterBlacklisted("t.call_center_id")}`);
    return listBySeq<TrunkLine>((sql, values) => this.dataSource.query(sql, values), {
      from: "trunk_lines t", alias: "t", columns: TRUNK_COLUMNS, where, params: p.values, page, kind: CURSOR_KIND,
    });
  }

  /** The trunks rented to call centres of these companies (USCCs) that the viewer may see, for holdings. */
  async ofCompanies(viewer: Viewer, usccs: string[]): Promise<TrunkLine[]> {
    if (usccs.length === 0) return [];
    const p = new SqlParams();
    const rows: TrunkLine[] = await this.dataSource.query(
      `SELECT ${TRUNK_COLUMNS} FROM trunk_lines t JOIN organizations cc ON cc.id = t.call_center_id
        WHERE cc.uscc = ANY(${p.add(usccs)}::text[]) AND ${trunkLinesVisible(viewer, "t", p)} ORDER BY t.seq`,
      p.values,
    );
    return rows;
  }

  // For the per-request loaders: the details of the trunks the viewer may see; none of any other.

  /** The trunks themselves (a federation router's references), null for each the viewer may not see. */
  async byIds(viewer: Viewer, trunkIds: readonly string[]): Promise<(TrunkLine | null)[]> {
    const ids = trunkIds.filter(isUuid);
    const p = new SqlParams();
    const rows: TrunkLine[] = ids.length
      ? await this.dataSource.query(
          `SELECT ${TRUNK_COLUMNS} FROM trunk_lines t WHERE t.id = ANY(${p.add(ids)}::uuid[]) AND ${trunkLinesVisible(viewer, "t", p)}`,
          p.values,
        )
      : [];
    return oneByKeys(trunkIds, rows, (r) => r.id);
  }

  async callerNumbersOf(viewer: Viewer, ids: readonly string[]): Promise<string[][]> {
    const p = new SqlParams();
    const rows: { trunkId: string; number: string }[] = await this.dataSource.query(
      `SELECT c.trunk_id AS "trunkId", c.caller_number AS number FROM trunk_caller_numbers c JOIN trunk_lines t ON t.id = c.trunk_id
        WHERE c.trunk_id = ANY(${p.add(ids)}::uuid[]) AND ${trunkLinesVisible(viewer, "t", p)} ORDER BY c.caller_number`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.trunkId).map((group) => group.map((r) => r.number));
  }

  async approvalsOf(viewer: Viewer, ids: readonly string[]): Promise<TrunkApproval[][]> {
    const p = new SqlParams();
    const rows: TrunkApproval[] = await this.dataSource.query(
      `SELECT ${APPROVAL_COLUMNS} FROM trunk_approvals a JOIN trunk_lines t ON t.id = a.trunk_id
        WHERE a.trunk_id = ANY(${p.add(ids)}::uuid[]) AND a.round = t.round AND ${trunkLinesVisible(viewer, "t", p)} ORDER BY a.at, a.department`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.trunkId);
  }

  async inspectionsOf(viewer: Viewer, ids: readonly string[]): Promise<Inspection[][]> {
    const p = new SqlParams();
    const rows: Inspection[] = await this.dataSource.query(
      `SELECT ${INSPECTION_COLUMNS} FROM trunk_inspections i JOIN trunk_lines t ON t.id = i.trunk_id
        WHERE i.trunk_id = ANY(${p.add(ids)}::uuid[]) AND ${trunkLinesVisible(viewer, "t", p)} ORDER BY i.inspected_on, i.at, i.id`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.trunkId);
  }
}

/**
 * The caller numbers as given, in national form and without repeats; BAD_USER_INPUT
 * naming each that is a 400 or 800 number or not a fixed-line or mobile number.
 */
function callerNumbers(given: string[]): string[] {
  const problems: string[] = [];
  const numbers = new Set<string>();
  for (const text of given) {
    const number = nationalForm(text);
    const kind = kindOf(number);
    if (kind === "SERVICE") problems.push(`${text}: a ${number.slice(0, 3)} number is never shown as a caller`);
    else if (kind === "OTHER") problems.push(`"${text}": not a fixed-line or mobile number in national form, such as 02488886666 or 13800138000`);
    else numbers.add(number);
  }
  if (problems.length > 0) throw refused(problems);
  return [...numbers];
}

/**
 * Each number must be a fixed line of a VERIFIED subscriber with the call centre's
 * USCC, and not the fixed line of a REVOKED identity (a stopped number).
 */
async function refuseNumbersNotHeld(tx: EntityManager, numbers: string[], uscc: string): Promise<void> {
  const p = new SqlParams();
  const rows: { landline: string; statuses: string[] | null; revoked: boolean }[] = await tx.query(
    `SELECT s.landline, array_agg(DISTINCT s.identity_status ORDER BY s.identity_status) FILTER (WHERE s.uscc = ${p.add(uscc)}) AS statuses,
            bool_or(s.identity_status = 'REVOKED') AS revoked
       FROM subscribers s WHERE s.landline = ANY(${p.add(numbers)}::text[]) GROUP BY s.landline`,
    p.values,
  );
  const found = new Map(rows.map((r) => [r.landline, r]));
  const problems: string[] = [];
  for (const number of numbers) {
    const row = found.get(number);
    const statuses = row?.statuses ?? [];
    if (row?.revoked) problems.push(`${number}: stopped, the fixed line of a revoked identity`);
    else if (statuses.includes("VERIFIED")) continue;
    else if (statuses.length > 0) problems.push(`${number}: its subscriber with the call centre's USCC is ${statuses.join("/")}, not VERIFIED`);
    else problems.push(`${number}: not a number the call centre holds (no verified subscriber with its USCC ${uscc} has this fixed line)`);
  }
  if (problems.length > 0) throw refused(problems);
}

function refused(problems: string[]) {
  const named = problems.slice(0, NAMED).join("; ");
  const more = problems.length > NAMED ? `; and ${problems.length - NAMED} more` : "";
  return badInput(`callerNumbers refused: ${named}${more}`, { argument: "input.callerNumbers", refused: problems });
}

/** FORBIDDEN when the call centre's company (USCC) or its legal representative is blacklisted: the same test as callCenterBlacklisted. */
async function refuseBlacklisted(tx: EntityManager, callCenterId: string): Promise<void> {
  const p = new SqlParams();
  const cc = p.add(callCenterId);
  const [entry]: { reason: string; who: string }[] = await tx.query(
    `SELECT b.reason, CASE WHEN b.uscc IS NOT NULL THEN 'company' ELSE 'legal representative' END AS who
       FROM organizations o JOIN blacklist b
         ON b.uscc = o.uscc OR b.legal_rep_id_hash IN (SELECT s.legal_rep_id_hash FROM subscribers s WHERE s.uscc = o.uscc)
      WHERE o.id = ${cc} ORDER BY b.uscc IS NULL, b.created_at LIMIT 1`,
    p.values,
  );
  if (entry) throw forbidden(`the call centre's ${entry.who} is blacklisted (${entry.reason}): no trunk`);
}

/** The trunk, locked, if the viewer reaches it (a carrier: its subtree's); NOT_FOUND otherwise, whether or not it exists. */
async function lockVisible(tx: EntityManager, viewer: Viewer, id: string): Promise<TrunkLine> {
  const p = new SqlParams();
  const [row]: TrunkLine[] = isUuid(id)
    ? await tx.query(`SELECT ${TRUNK_COLUMNS} FROM trunk_lines t WHERE t.id = ${p.add(id)} AND ${trunkLinesVisible(viewer, "t", p)} FOR UPDATE OF t`, p.values)
    : [];
  if (!row) throw notFound(`no trunk line ${id} in your reach`);
  return row;
}

async function trunkRow(tx: EntityManager, id: string): Promise<TrunkLine> {
  const p = new SqlParams();
  const [row]: TrunkLine[] = await tx.query(`SELECT ${TRUNK_COLUMNS} FROM trunk_lines t WHERE t.id = ${p.add(id)}`, p.values);
  return row;
}


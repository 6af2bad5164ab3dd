import { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { OrganizationKind } from "../../shared/auth/roles";
import { Viewer, ViewerOrganization, actingAs } from "../../shared/auth/viewer";
import { groupByIds, isCalendarDate } from "../../shared/dates";
import { badInput, conflict, forbidden, isUniqueViolation, notFound } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { PROVINCES, assertProvince } from "../../shared/provinces";
import type { AuditedMutation } from "../audit/audited-mutation";
import { kindOf, nationalForm } from "./caller-number";
import { Inspection, TrunkApproval, TrunkLine, TrunkStatus } from "./trunk.entity";
import { RecordInspectionInput, RegisterTrunkLineInput, TrunkLineFilter } from "./trunk.inputs";

const CURSOR_KIND = "trunk-line";

const TRUNK_COLUMNS = `t.id, t.seq::text AS seq, t.carrier_id AS "carrierId", t.call_center_id AS "callCenterId", t.capacity, t.purpose,
  t.province, t.status, t.required_departments AS "requiredDepartments", t.registered_at AS "registeredAt",
  t.activated_at AS "activatedAt", t.suspended_at AS "suspendedAt", t.suspension_reason AS "suspensionReason"`;
const APPROVAL_COLUMNS = `a.trunk_id AS "trunkId", a.department, a.approved_by AS "approvedBy", a.note, a.at`;
const INSPECTION_COLUMNS = `i.id, i.trunk_id AS "trunkId", to_char(i.inspected_on, 'YYYY-MM-DD') AS date, i.passed, i.findings, i.inspector, i.at`;

/** Refused caller numbers named one by one: at most this many in a message. */
const NAMED = 20;

interface Scope {
  sql: string;
  params: unknown[];
}

/** Trunk lines: registration, approval by departments, inspections, suspension (DESIGN.md, "Trunk lines and caller authentication"). */
export class TrunkService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
  ) {}

  /**
   * Row scoping, written once: a carrier sees its subtree's trunks, a call centre its
   * own, a national regulator all and a provincial one its province's; nobody else any.
   */
  scope(viewer: Viewer, alias: string, first: number): Scope {
    const org = viewer.organization;
    if (!org) return { sql: "FALSE", params: [] };
    switch (org.kind) {
      case OrganizationKind.CARRIER:
        return { sql: carrierTrunks(alias, first), params: [org.path] };
      case OrganizationKind.CALL_CENTER:
        return { sql: `${alias}.call_center_id = $${first}`, params: [org.id] };
      case OrganizationKind.REGULATOR:
        return org.province ? { sql: `${alias}.province = $${first}`, params: [org.province] } : { sql: "TRUE", params: [] };
      default:
        return { sql: "FALSE", params: [] };
    }
  }

  async register(viewer: Viewer, input: RegisterTrunkLineInput, mutation: AuditedMutation): Promise<TrunkLine> {
    const carrier = carrierOf(viewer, "only a carrier registers trunk lines");
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
      const [callCenter] = await tx.query(`SELECT id, code, kind, uscc FROM organizations WHERE code = $1`, [input.callCenterCode]);
      if (!callCenter || callCenter.kind !== OrganizationKind.CALL_CENTER) {
        throw badInput(`callCenterCode "${input.callCenterCode}" is not a call centre`, { argument: "input.callCenterCode" });
      }
      if (!callCenter.uscc) {
        throw badInput(
          `the call centre ${callCenter.code} has no USCC on record, so it holds no numbers to present: its organisation needs its company's USCC`,
          { argument: "input.callCenterCode" },
        );
      }
      await refuseBlacklisted(tx, callCenter.uscc);
      await refuseNumbersNotHeld(tx, numbers, callCenter.uscc);
      const [{ id }] = await tx.query(
        `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, required_departments, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [carrier.id, callCenter.id, input.capacity, input.purpose, province, departments, viewer.subject],
      );
      await tx.query(`INSERT INTO trunk_caller_numbers (trunk_id, caller_number) SELECT $1, unnest($2::text[])`, [id, numbers]);
      return { result: await trunkRow(tx, id), targets: [id, callCenter.code] };
    });
  }

  /**
   * One department's approval. One person approves for one department of a trunk, each
   * department once; the last required approval puts the trunk into service in the same
   * transaction.
   */
  async approve(viewer: Viewer, trunkId: string, department: string, note: string | null | undefined, mutation: AuditedMutation): Promise<TrunkLine> {
    const carrier = carrierOf(viewer, "only a carrier approves trunk lines");
    const dept = department.trim().toUpperCase();
    const text = (note ?? "").trim();
    if (text.length > 2000) throw badInput("note must be at most 2000 characters", { argument: "note" });
    return mutation.run(async (tx) => {
      const trunk = await lockOwn(tx, trunkId, carrier);
      if (!trunk.requiredDepartments.includes(dept)) {
        throw badInput(`department "${department}" is not one that approves this trunk line: ${trunk.requiredDepartments.join(", ")}`, {
          argument: "department",
        });
      }
      if (trunk.status !== TrunkStatus.PENDING_APPROVAL) {
        throw conflict(`the trunk line is ${trunk.status}: approvals are recorded only while it awaits approval`);
      }
      const given: { department: string; approved_by: string }[] = await tx.query(
        `SELECT department, approved_by FROM trunk_approvals WHERE trunk_id = $1`,
        [trunk.id],
      );
      if (given.some((a) => a.department === dept)) throw conflict(`${dept} has already approved this trunk line`);
      const mine = given.find((a) => a.approved_by === viewer.subject);
      if (mine) {
        throw conflict(`you approved this trunk line for ${mine.department}: one person approves for one department only`);
      }
      const [callCenter] = await tx.query(`SELECT uscc FROM organizations WHERE id = $1`, [trunk.callCenterId]);
      if (callCenter.uscc) await refuseBlacklisted(tx, callCenter.uscc);
      try {
        await tx.query(`INSERT INTO trunk_approvals (trunk_id, department, approved_by, organization_id, note) VALUES ($1, $2, $3, $4, $5)`, [
          trunk.id, dept, viewer.subject, carrier.id, text,
        ]);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict("this approval was recorded meanwhile");
        throw error;
      }
      if (trunk.requiredDepartments.every((d) => d === dept || given.some((a) => a.department === d))) {
        await tx.query(`UPDATE trunk_lines SET status = 'ACTIVE', activated_at = now() WHERE id = $1`, [trunk.id]);
      }
      return { result: await trunkRow(tx, trunk.id), targets: [trunk.id] };
    });
  }

  async recordInspection(viewer: Viewer, trunkId: string, input: RecordInspectionInput, mutation: AuditedMutation): Promise<Inspection> {
    const carrier = carrierOf(viewer, "only a carrier records inspections of its trunk lines");
    if (!isCalendarDate(input.date)) throw badInput(`date "${input.date}" is not a calendar date`, { argument: "input.date" });
    return mutation.run(async (tx) => {
      const trunk = await lockOwn(tx, trunkId, carrier);
      const [{ future }] = await tx.query(`SELECT $1::date > current_date AS future`, [input.date]);
      if (future) throw badInput(`date ${input.date} is in the future: record an inspection once it has taken place`, { argument: "input.date" });
      const [{ id }] = await tx.query(
        `INSERT INTO trunk_inspections (trunk_id, inspected_on, passed, findings, inspector, organization_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [trunk.id, input.date, input.passed, input.findings.trim(), viewer.subject, carrier.id],
      );
      const [inspection] = await tx.query(`SELECT ${INSPECTION_COLUMNS} FROM trunk_inspections i WHERE i.id = $1`, [id]);
      return { result: inspection, targets: [trunk.id, id] };
    });
  }

  async suspend(viewer: Viewer, trunkId: string, reason: string, mutation: AuditedMutation): Promise<TrunkLine> {
    const carrier = carrierOf(viewer, "only a carrier suspends its trunk lines");
    const why = reason.trim();
    if (why.length < 3 || why.length > 1000) throw badInput("reason must be 3-1000 characters", { argument: "reason" });
    return mutation.run(async (tx) => {
      const trunk = await lockOwn(tx, trunkId, carrier);
      if (trunk.status === TrunkStatus.SUSPENDED) throw conflict("the trunk line is already suspended");
      if (trunk.status !== TrunkStatus.ACTIVE) throw conflict(`the trunk line is ${trunk.status}: only a trunk in service is suspended`);
      await tx.query(
        `UPDATE trunk_lines SET status = 'SUSPENDED', suspended_at = now(), suspended_by = $2, suspension_reason = $3 WHERE id = $1`,
        [trunk.id, viewer.subject, why],
      );
      return { result: await trunkRow(tx, trunk.id), targets: [trunk.id] };
    });
  }

  async list(viewer: Viewer, filter: TrunkLineFilter | null | undefined, args: PageArgs): Promise<Connection<TrunkLine>> {
    const page = toPage(args, CURSOR_KIND);
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const scope = this.scope(viewer, "t", 1);
    params.push(...scope.params);
    const where = [scope.sql];
    if (filter?.status) where.push(`t.status = ${param(filter.status)}`);
    if (filter?.purpose) where.push(`t.purpose = ${param(filter.purpose)}`);
    if (filter?.callCenterCode) where.push(`t.call_center_id = (SELECT id FROM organizations WHERE code = ${param(filter.callCenterCode)})`);
    return listBySeq<TrunkLine>((sql, values) => this.dataSource.query(sql, values), {
      from: "trunk_lines t", alias: "t", columns: TRUNK_COLUMNS, where, params, page, kind: CURSOR_KIND,
    });
  }

  /** The trunks rented to call centres of these companies (USCCs), for holdings. */
  async ofCompanies(usccs: string[]): Promise<TrunkLine[]> {
    if (usccs.length === 0) return [];
    return this.dataSource.query(
      `SELECT ${TRUNK_COLUMNS} FROM trunk_lines t JOIN organizations cc ON cc.id = t.call_center_id
        WHERE cc.uscc = ANY($1::text[]) ORDER BY t.seq`,
      [usccs],
    );
  }

  // For the per-request loaders: callers reach trunk ids only through trunks they may see.

  async callerNumbersOf(ids: readonly string[]): Promise<string[][]> {
    const rows: { trunkId: string; number: string }[] = await this.dataSource.query(
      `SELECT trunk_id AS "trunkId", caller_number AS number FROM trunk_caller_numbers WHERE trunk_id = ANY($1::uuid[]) ORDER BY caller_number`,
      [ids],
    );
    return groupByIds(ids, rows, (r) => r.trunkId).map((group) => group.map((r) => r.number));
  }

  async approvalsOf(ids: readonly string[]): Promise<TrunkApproval[][]> {
    const rows: TrunkApproval[] = await this.dataSource.query(
      `SELECT ${APPROVAL_COLUMNS} FROM trunk_approvals a WHERE a.trunk_id = ANY($1::uuid[]) ORDER BY a.at, a.department`,
      [ids],
    );
    return groupByIds(ids, rows, (r) => r.trunkId);
  }

  async inspectionsOf(ids: readonly string[]): Promise<Inspection[][]> {
    const rows: Inspection[] = await this.dataSource.query(
      `SELECT ${INSPECTION_COLUMNS} FROM trunk_inspections i WHERE i.trunk_id = ANY($1::uuid[]) ORDER BY i.inspected_on, i.at, i.id`,
      [ids],
    );
    return groupByIds(ids, rows, (r) => r.trunkId);
  }
}

/** Trunks whose carrier is in the subtree at the path in parameter `param`. */
export function carrierTrunks(alias: string, param: number): string {
  return `${alias}.carrier_id IN (SELECT id FROM organizations WHERE path LIKE $${param} || '%')`;
}

export function carrierOf(viewer: Viewer, message: string): ViewerOrganization {
  return actingAs(viewer, OrganizationKind.CARRIER, message);
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
  const rows: { landline: string; statuses: string[]; revoked: boolean }[] = await tx.query(
    `SELECT s.landline, array_agg(DISTINCT s.identity_status ORDER BY s.identity_status) FILTER (WHERE s.uscc = $2) AS statuses,
            bool_or(s.identity_status = 'REVOKED') AS revoked
       FROM subscribers s WHERE s.landline = ANY($1::text[]) GROUP BY s.landline`,
    [numbers, uscc],
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

async function refuseBlacklisted(tx: EntityManager, uscc: string): Promise<void> {
  const [entry] = await tx.query(`SELECT reason FROM blacklist WHERE uscc = $1 ORDER BY created_at LIMIT 1`, [uscc]);
  if (entry) throw forbidden(`the call centre's company is blacklisted (${entry.reason}): no trunk`);
}

/** The trunk, locked, if the carrier's subtree holds it; NOT_FOUND otherwise, whether or not it exists. */
async function lockOwn(tx: EntityManager, id: string, carrier: ViewerOrganization): Promise<TrunkLine> {
  const [row] = isUuid(id)
    ? await tx.query(`SELECT ${TRUNK_COLUMNS} FROM trunk_lines t WHERE t.id = $1 AND ${carrierTrunks("t", 2)} FOR UPDATE OF t`, [id, carrier.path])
    : [];
  if (!row) throw notFound(`no trunk line ${id} of your subtree`);
  return row;
}

async function trunkRow(tx: EntityManager, id: string): Promise<TrunkLine> {
  const [row] = await tx.query(`SELECT ${TRUNK_COLUMNS} FROM trunk_lines t WHERE t.id = $1`, [id]);
  return row;
}


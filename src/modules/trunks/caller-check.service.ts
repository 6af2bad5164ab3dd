import { DataSource } from "typeorm";
import { OrganizationKind } from "../../shared/auth/roles";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { badInput, forbidden } from "../../shared/errors";
import { Connection, PageArgs, decodeCursor, listBySeq, toConnection, toPage } from "../../shared/pagination";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { kindOf, nationalForm } from "./caller-number";
import { BlockReason, CallerCheckResult, CallerDecision, DoNotOriginateEntry, MarketingRefusal } from "./trunk.entity";
import { CallerCheckInput, MAX_CALLER_CHECKS, RecordMarketingRefusalInput } from "./trunk.inputs";
import { poolQuery } from "../../db/pool-query";
import { DNO_DEFAULT_PAGE, DNO_MAX_PAGE } from "./trunk-limits";
import { isUuid } from "../../shared/ids";
import { SqlParams, marketingRefusalsVisible, refusalCallerFixed } from "../../shared/policy";
import { VERIFY_CALLERS_SQL } from "./verify-callers.sql";

/**
 * The do-not-originate list after a number (`after`, '' from the start), `limit` rows: every 400
 * number the registry holds (STOPPED when force-stopped), and the fixed lines of revoked
 * identities. Fixed lines start with 0 and 400 numbers with 4, so the two never name one
 * number; each side is read in index order and limited before they are merged.
 */
function doNotOriginateSql(p: SqlParams, after: string, limit: number): string {
  const from = p.add(after);
  const most = p.add(limit);
  return `
SELECT number, reason FROM (
  (SELECT n.number, CASE WHEN n.status = 'FORCE_STOPPED' THEN 'STOPPED' ELSE 'FOUR_HUNDRED' END AS reason
     FROM numbers n WHERE n.number > ${from} ORDER BY n.number LIMIT ${most})
  UNION ALL
  (SELECT DISTINCT s.landline AS number, 'STOPPED' AS reason
     FROM subscribers s WHERE s.identity_status = 'REVOKED' AND s.landline > ${from} ORDER BY s.landline LIMIT ${most})
) d ORDER BY number LIMIT ${most}`;
}

const DNO_CURSOR_KIND = "do-not-originate";
const REFUSALS_CURSOR_KIND = "marketing-refusal";
const REFUSAL_COLUMNS = `r.id, r.seq::text AS seq, r.callee_number AS "calleeNumber", r.caller_org_id AS "callerOrgId", r.at`;

/** Caller authentication, marketing refusals and the do-not-originate list. */
export class CallerCheckService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * ALLOW or BLOCK with the first reason that applies, for each call, in input order.
   * A trunk outside the carrier's subtree is TRUNK_UNKNOWN, as is an unknown or malformed id.
   * The batch costs one SQL statement, whatever its size.
   */
  async verify(viewer: Viewer, checks: CallerCheckInput[]): Promise<CallerCheckResult[]> {
    // Which trunks the carrier reaches is VERIFY_CALLERS_SQL's TRUNK_UNKNOWN arm (its subtree's, as trunkLinesVisible),
    // kept inline there so that the benchmarked batch stays one plain statement.
    const carrier = organizationOf(viewer);
    if (checks.length > MAX_CALLER_CHECKS) {
      throw badInput(`at most ${MAX_CALLER_CHECKS.toLocaleString("en")} checks a call, got ${checks.length.toLocaleString("en")}`, { argument: "checks" });
    }
    if (checks.length === 0) return [];
    const trunks: (string | null)[] = new Array(checks.length);
    const callers: string[] = new Array(checks.length);
    const callees: string[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i];
      if (check.callerNumber.length > 32 || check.calleeNumber.length > 32) {
        throw badInput(`checks[${i}]: a caller or callee number is at most 32 characters`, { argument: "checks" });
      }
      trunks[i] = isUuid(check.trunkId) ? check.trunkId : null;
      callers[i] = nationalForm(check.callerNumber);
      callees[i] = nationalForm(check.calleeNumber);
    }
    const rows: { reason: BlockReason | null }[] = await poolQuery(this.dataSource, {
      text: VERIFY_CALLERS_SQL,
      values: [trunks, callers, callees, carrier.path],
    });
    return rows.map((r) => (r.reason === null ? { decision: CallerDecision.ALLOW, reason: null } : { decision: CallerDecision.BLOCK, reason: r.reason }));
  }

  /**
   * A person refused marketing calls from one call centre, or (callerOrgCode null) from
   * all. A call centre records refusals of its own calls only. Recording one twice
   * changes nothing and returns the first.
   */
  async recordRefusal(viewer: Viewer, input: RecordMarketingRefusalInput, mutation: UnitOfWork): Promise<MarketingRefusal> {
    const org = organizationOf(viewer);
    const callerCode = input.callerOrgCode ?? null;
    const fixedCaller = refusalCallerFixed(viewer);
    if (fixedCaller !== null && callerCode !== fixedCaller) {
      throw forbidden(`a call centre records refusals of its own calls only: callerOrgCode must be ${fixedCaller}`);
    }
    const callee = nationalForm(input.calleeNumber);
    const kind = kindOf(callee);
    if (kind !== "FIXED_LINE" && kind !== "MOBILE") {
      throw badInput("calleeNumber must be a fixed-line or mobile number in national form, such as 02488886666 or 13800138000", {
        argument: "input.calleeNumber",
      });
    }
    return mutation.run(async (tx) => {
      let callerOrgId: string | null = null;
      if (callerCode !== null) {
        const byCode = new SqlParams();
        const [caller]: { id: string; kind: OrganizationKind }[] = await tx.query(
          `SELECT id, kind FROM organizations WHERE code = ${byCode.add(callerCode)}`,
          byCode.values,
        );
        if (!caller || caller.kind !== OrganizationKind.CALL_CENTER) {
          throw badInput(`callerOrgCode "${callerCode}" is not a call centre`, { argument: "input.callerOrgCode" });
        }
        callerOrgId = caller.id;
      }
      const insert = new SqlParams();
      await tx.query(
        `INSERT INTO marketing_refusals (callee_number, caller_org_id, recorded_by, recorded_by_actor)
         VALUES (${insert.add(callee)}, ${insert.add(callerOrgId)}, ${insert.add(org.id)}, ${insert.add(viewer.subject)})
         ON CONFLICT ON CONSTRAINT marketing_refusals_once DO NOTHING`,
        insert.values,
      );
      const read = new SqlParams();
      const [refusal]: MarketingRefusal[] = await tx.query(
        `SELECT ${REFUSAL_COLUMNS} FROM marketing_refusals r
          WHERE r.callee_number = ${read.add(callee)} AND r.caller_org_id IS NOT DISTINCT FROM ${read.add(callerOrgId)}::uuid`,
        read.values,
      );
      // The callee's number is personal data: the audit names the refusal, never the number.
      return { result: refusal, targets: callerCode ? [refusal.id, callerCode] : [refusal.id] };
    });
  }

  /**
   * The refusals a viewer must honour, in recording order. Refusals of all marketing
   * calls bind everyone. A call centre also gets those of its own calls. A carrier also
   * gets those of the call centres renting its subtree's trunks and those its subtree
   * recorded.
   */
  async refusals(viewer: Viewer, args: PageArgs): Promise<Connection<MarketingRefusal>> {
    const p = new SqlParams();
    return listBySeq<MarketingRefusal>((sql, values) => this.dataSource.query(sql, values), {
      from: "marketing_refusals r",
      alias: "r",
      columns: REFUSAL_COLUMNS,
      where: [marketingRefusalsVisible(viewer, "r", p)],
      params: p.values,
      page: toPage(args, REFUSALS_CURSOR_KIND),
      kind: REFUSALS_CURSOR_KIND,
    });
  }

  /**
   * The do-not-originate list in number order, resumable from any page's endCursor.
   * Everyone who may read it reads all of it: it is what every switch loads.
   */
  async doNotOriginate(_viewer: Viewer, after: string | null | undefined, first: number | null | undefined): Promise<Connection<DoNotOriginateEntry>> {
    const size = first ?? DNO_DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > DNO_MAX_PAGE) {
      throw badInput(`first must be between 1 and ${DNO_MAX_PAGE} for this list, got ${first}`, { argument: "first" });
    }
    const page = { size, after: after ? decodeCursor(after, DNO_CURSOR_KIND) : null };
    if (page.after !== null && !/^[0-9]{5,16}$/.test(page.after)) throw badInput("after is not a cursor of this list", { argument: "after" });
    const p = new SqlParams();
    const rows: DoNotOriginateEntry[] = await this.dataSource.query(doNotOriginateSql(p, page.after ?? "", size + 1), p.values);
    const count = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(
        `SELECT (SELECT count(*) FROM numbers)::int + (SELECT count(DISTINCT landline) FROM subscribers WHERE identity_status = 'REVOKED')::int AS n`,
      );
      return n;
    };
    return toConnection(rows, page, count, DNO_CURSOR_KIND, (r) => r.number);
  }
}

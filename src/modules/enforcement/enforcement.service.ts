import type { DataSource } from "typeorm";
import { OrganizationKind } from "../../shared/auth/roles";
import { Viewer, actingAs } from "../../shared/auth/viewer";
import { badInput, conflict, forbidden, notFound } from "../../shared/errors";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import type { AuditedMutation } from "../audit/audited-mutation";
import { canonicalNumber, parseNumber } from "../numbers/number-format";
import { lockNumbers, moveNumbers, ordersStopping, stoppedBy } from "../numbers/number-moves";
import { ChangeCause, NumberStatus } from "../numbers/number-status";
import type { PhoneNumber } from "../numbers/number.entity";
import { NUMBER_COLUMNS } from "../numbers/number.service";
import { AuditTrailEvent } from "./enforcement.entity";

const AUDIT_CURSOR_KIND = "audit-event";
const SUSPENDABLE: readonly NumberStatus[] = [NumberStatus.ACTIVE, NumberStatus.PENDING_VERIFICATION];

const EVENT_COLUMNS = `e.seq::text AS sequence, e.seq::text AS seq, e.at, e.actor, e.org_code AS "orgCode", e.role, e.operation, e.targets, e.outcome,
  e.request_id AS "requestId", e.prev_hash AS "prevHash", e.hash`;

/** A regulator's or carrier's suspension of a number, and a regulator's reading of audit trails. */
export class EnforcementService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Suspends a number in service: a carrier its subtree's, a provincial regulator its
   * province's, a national regulator any. Refused with the same words whether or not
   * a number outside the caller's reach exists.
   */
  async suspend(viewer: Viewer, text: string, reason: string, mutation: AuditedMutation): Promise<PhoneNumber> {
    const org = actingAs(viewer, [OrganizationKind.CARRIER, OrganizationKind.REGULATOR], "only a regulator or a carrier suspends numbers");
    const number = parseNumber(text);
    const why = reason.trim();
    if (why.length < 1 || why.length > 1000) throw badInput("reason must be 1-1000 characters", { argument: "reason" });
    const suspension = org.kind === OrganizationKind.CARRIER ? "CARRIER" : "REGULATOR";
    mutation.target(number);

    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const [row] = await tx.query(
        `SELECT n.status, n.suspension, n.province, c.path AS carrier_path
           FROM numbers n JOIN organizations c ON c.id = n.carrier_id WHERE n.number = $1 FOR UPDATE OF n`,
        [number],
      );
      const national = org.kind === OrganizationKind.REGULATOR && org.province === null;
      const inReach =
        row &&
        (org.kind === OrganizationKind.CARRIER ? String(row.carrier_path).startsWith(org.path) : national || row.province === org.province);
      if (!inReach) {
        if (national) throw notFound(`the registry holds no number ${number}`);
        throw forbidden(`${number} is not a number you may suspend`);
      }
      const status = row.status as NumberStatus;
      if (status === NumberStatus.FORCE_STOPPED) {
        throw conflict(stoppedBy(number, (await ordersStopping(tx, [number])).get(number)), { reason: "FORCE_STOPPED" });
      }
      if (status === NumberStatus.SUSPENDED) {
        throw conflict(`${number} is already SUSPENDED (${row.suspension})`, { reason: "ALREADY_SUSPENDED" });
      }
      if (!SUSPENDABLE.includes(status)) {
        throw conflict(`only a number in service (${SUSPENDABLE.join(" or ")}) is suspended; ${number} is ${status}`);
      }
      await moveNumbers(tx, {
        where: "n.number = $1",
        params: [number],
        set: "status = 'SUSPENDED', suspension = $2",
        setParams: [suspension],
        cause: ChangeCause.SUSPEND,
      });
      await tx.query(
        `INSERT INTO number_suspensions (number, suspension, reason, organization_id, actor) VALUES ($1, $2, $3, $4, $5)`,
        [number, suspension, why, org.id, viewer.subject],
      );
      const [result] = await tx.query(`SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE n.number = $1`, [number]);
      return { result: result as PhoneNumber, targets: [number] };
    });
  }

  /**
   * The audit events naming a target, newest first. A number is found under each of
   * its spellings, since refused attempts are recorded with the argument as given.
   */
  async auditTrail(viewer: Viewer, target: string, args: PageArgs): Promise<Connection<AuditTrailEvent>> {
    actingAs(viewer, OrganizationKind.REGULATOR, "only a regulator reads audit trails");
    if (target.trim().length === 0 || target.length > 200) throw badInput("target must be 1-200 characters", { argument: "target" });
    const page = toPage(args, AUDIT_CURSOR_KIND);
    const number = canonicalNumber(target.trim());
    const spellings = number
      ? [number, `${number.slice(0, 3)}-${number.slice(3, 6)}-${number.slice(6)}`, `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`]
      : [target];
    return listBySeq<AuditTrailEvent & { seq: string }>((sql, values) => this.dataSource.query(sql, values), {
      from: "audit_events e", alias: "e", columns: EVENT_COLUMNS, where: ["e.targets && $1::text[]"], params: [spellings],
      page, kind: AUDIT_CURSOR_KIND, descending: true,
    });
  }
}

import type { DataSource } from "typeorm";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { badInput, conflict, forbidden, notFound, statedReason } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { parseUscc } from "../../shared/identity/uscc";
import { Connection, PageArgs, listBySeq, toConnection, toPage } from "../../shared/pagination";
import {
  SqlParams, campaignsVisible, casesVisible, imposedAtOrBelow, nationalAuthority, numbersSuspendable, numbersVisible, organizationsVisible, penaltiesVisible,
  shutdownOrdersVisible, subscribersVisible, trunkLinesVisible,
  suspendingParty,
} from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { canonicalNumber, parseNumber } from "../numbers/number-format";
import { lockNumbers, moveNumbers, ordersStopping, stoppedBy } from "../numbers/number-moves";
import { ChangeCause, NumberStatus } from "../numbers/number-status";
import type { PhoneNumber } from "../numbers/number.entity";
import { numberAsMoved } from "../numbers/number.service";
import { AuditTrailEvent } from "./enforcement.entity";

const AUDIT_CURSOR_KIND = "audit-event";
const SUSPENDABLE: readonly NumberStatus[] = [NumberStatus.ACTIVE, NumberStatus.PENDING_VERIFICATION];

const EVENT_COLUMNS = `e.seq::text AS sequence, e.seq::text AS seq, e.at, e.actor, e.org_code AS "orgCode", e.role, e.operation, e.targets, e.outcome,
  e.request_id AS "requestId", e.prev_hash AS "prevHash", e.hash`;

/** A regulator's or carrier's suspension of a number and its lifting, and a regulator's reading of audit trails. */
export class EnforcementService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Suspends a number in service: a carrier its subtree's, a provincial regulator its
   * province's, a national regulator any (numbersSuspendable). Refused with the same
   * words whether or not a number outside the caller's reach exists.
   */
  async suspend(viewer: Viewer, text: string, reason: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const org = organizationOf(viewer);
    const suspension = suspendingParty(viewer);
    if (!suspension) throw forbidden("only a regulator or a carrier suspends numbers");
    const number = parseNumber(text);
    const why = statedReason(reason);
    mutation.target(number);

    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const p = new SqlParams();
      const [row]: { status: NumberStatus; suspension: string | null; suspendable: boolean }[] = await tx.query(
        `SELECT n.status, n.suspension, ${numbersSuspendable(viewer, "n", p)} AS suspendable
           FROM numbers n WHERE n.number = ${p.add(number)} FOR UPDATE OF n`,
        p.values,
      );
      if (!row?.suspendable) {
        // A national authority sees every number: for it, one that does not exist is simply not found.
        if (!row && nationalAuthority(viewer)) throw notFound(`the registry holds no number ${number}`);
        throw forbidden(`${number} is not a number you may suspend`);
      }
      const status = row.status;
      if (status === NumberStatus.FORCE_STOPPED) {
        throw conflict(stoppedBy(number, (await ordersStopping(tx, [number])).get(number)), { reason: "FORCE_STOPPED" });
      }
      if (status === NumberStatus.SUSPENDED) {
        throw conflict(`${number} is already SUSPENDED (${row.suspension})`, { reason: "ALREADY_SUSPENDED" });
      }
      if (!SUSPENDABLE.includes(status)) {
        throw conflict(`only a number in service (${SUSPENDABLE.join(" or ")}) is suspended; ${number} is ${status}`);
      }
      const m = new SqlParams();
      const where = `n.number = ${m.add(number)}`;
      const set = `status = 'SUSPENDED', suspension = ${m.add(suspension)}`;
      await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.SUSPEND });
      const s = new SqlParams();
      await tx.query(
        `INSERT INTO number_suspensions (number, suspension, reason, organization_id, actor)
         VALUES (${s.add(number)}, ${s.add(suspension)}, ${s.add(why)}, ${s.add(org.id)}, ${s.add(viewer.subject)})`,
        s.values,
      );
      return { result: await numberAsMoved(tx, number), targets: [number] };
    });
  }

  /**
   * Lifts a regulator's or carrier's suspension: by the organisation that imposed it or one above it
   * (imposedAtOrBelow), on a number the caller may suspend. The number returns to ACTIVE when its
   * subscriber is VERIFIED; otherwise it stays SUSPENDED, now for its PAPERS, and the sweep's 90 days
   * (counted from status_since) start again at the lift. A suspension for papers or a campaign ends
   * only with verification.
   */
  async liftSuspension(viewer: Viewer, text: string, reason: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const org = organizationOf(viewer);
    const number = parseNumber(text);
    const why = statedReason(reason);
    mutation.target(number);

    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const p = new SqlParams();
      // The suspension in force: the latest open record of the number's kind of suspension. A carrier's
      // suspension set by its own records (a sync) has none: it is the number's carrier's.
      const imposer = `CASE WHEN s.id IS NULL AND n.suspension = 'CARRIER' THEN n.carrier_id ELSE s.organization_id END`;
      const [row]: {
        status: NumberStatus; suspension: string | null; suspendable: boolean; liftable: boolean | null; verified: boolean; suspensionId: string | null;
      }[] = await tx.query(
        `SELECT n.status, n.suspension, ${numbersSuspendable(viewer, "n", p)} AS suspendable,
                ${imposedAtOrBelow(viewer, imposer, p)} AS liftable,
                coalesce(sub.identity_status = 'VERIFIED', FALSE) AND number_may_serve(n.number, n.subscriber_id) AS verified, s.id AS "suspensionId"
           FROM numbers n
           LEFT JOIN LATERAL (SELECT x.id, x.organization_id FROM number_suspensions x
                               WHERE x.number = n.number AND x.lifted_at IS NULL AND x.suspension = n.suspension
                               ORDER BY x.at DESC, x.id LIMIT 1) s ON TRUE
           LEFT JOIN subscribers sub ON sub.id = n.subscriber_id
          WHERE n.number = ${p.add(number)} FOR UPDATE OF n`,
        p.values,
      );
      if (!row?.suspendable) {
        if (!row && nationalAuthority(viewer)) throw notFound(`the registry holds no number ${number}`);
        throw forbidden(`${number} is not a number you may lift a suspension of`);
      }
      if (row.status === NumberStatus.FORCE_STOPPED) {
        throw conflict(stoppedBy(number, (await ordersStopping(tx, [number])).get(number)), { reason: "FORCE_STOPPED" });
      }
      if (row.status !== NumberStatus.SUSPENDED) {
        throw conflict(`${number} is not suspended: it is ${row.status}`, { reason: "NOT_SUSPENDED" });
      }
      if (row.suspension !== "REGULATOR" && row.suspension !== "CARRIER") {
        throw conflict(`${number} is SUSPENDED for ${row.suspension}: only verifying its subscriber lifts that, not liftSuspension`, {
          reason: "LIFTED_BY_VERIFICATION",
        });
      }
      if (!row.liftable) throw forbidden(`${number} was suspended by another organisation: only it or one above it lifts the suspension`);

      const m = new SqlParams();
      const where = `n.number = ${m.add(number)}`;
      if (row.verified) {
        await moveNumbers(tx, { where, params: m.values, set: "status = 'ACTIVE'", cause: ChangeCause.LIFT });
      } else {
        // Its subscriber unverified, or its deposit not received (number_may_serve): suspended for papers.
        // Still SUSPENDED, so the status guard leaves status_since alone: the papers' 90 days start now.
        await moveNumbers(tx, {
          where, params: m.values, set: "suspension = 'PAPERS', status_since = now()", cause: ChangeCause.LIFT, recordUnchanged: true,
        });
      }
      if (row.suspensionId) {
        const s = new SqlParams();
        await tx.query(
          `UPDATE number_suspensions SET lifted_at = now(), lifted_by = ${s.add(viewer.subject)}, lifted_by_organization_id = ${s.add(org.id)},
                  lift_reason = ${s.add(why)}
            WHERE id = ${s.add(row.suspensionId)}`,
          s.values,
        );
      }
      return { result: await numberAsMoved(tx, number), targets: [number] };
    });
  }

  /**
   * The audit events naming a target, newest first; an empty list when the target is not
   * the viewer's to see. A number is found under each of its spellings, since refused
   * attempts are recorded with the argument as given.
   */
  async auditTrail(viewer: Viewer, target: string, args: PageArgs): Promise<Connection<AuditTrailEvent>> {
    const given = target.trim();
    if (given.length === 0 || target.length > 200) throw badInput("target must be 1-200 characters", { argument: "target" });
    const page = toPage(args, AUDIT_CURSOR_KIND);
    const number = canonicalNumber(given);
    const spellings = number
      ? [number, `${number.slice(0, 3)}-${number.slice(3, 6)}-${number.slice(6)}`, `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`]
      : [target];
    const asked = number ?? given;
    if (!(await this.visibleTargets(viewer, [asked])).has(asked)) {
      return toConnection<AuditTrailEvent>([], page, 0, AUDIT_CURSOR_KIND, () => "");
    }
    const p = new SqlParams();
    const trail = await listBySeq<AuditTrailEvent & { seq: string }>((sql, values) => this.dataSource.query(sql, values), {
      from: "audit_events e", alias: "e", columns: EVENT_COLUMNS, where: [`e.targets && ${p.add(spellings)}::text[]`], params: p.values,
      page, kind: AUDIT_CURSOR_KIND, descending: true,
    });
    // An event may name other records too (an order's numbers in other provinces): each shows only the targets
    // the viewer reaches, by the same policy.
    const named = [...new Set(trail.edges.flatMap((e) => e.node.targets))];
    const visible = await this.visibleTargets(viewer, named);
    for (const { node } of trail.edges) node.targets = node.targets.filter((t) => spellings.includes(t) || visible.has(t));
    return trail;
  }

  /**
   * Which of these audit targets are the viewer's to read: a national authority every one (a police case
   * number, a number the registry does not hold); anyone else only records it reaches by each record's own
   * policy: numbers (in any accepted spelling), subscribers (by id or USCC), shutdown orders, trunk lines,
   * campaigns, penalties, public reports and risk flags (by their number or subscriber), cases, organisations
   * (by code). One statement for the lot.
   */
  private async visibleTargets(viewer: Viewer, targets: string[]): Promise<Set<string>> {
    if (targets.length === 0) return new Set();
    if (nationalAuthority(viewer)) return new Set(targets);
    const numbers = new Map<string, string[]>();
    const ids: string[] = [];
    const usccs = new Map<string, string[]>();
    for (const target of targets) {
      const number = canonicalNumber(target.trim());
      if (number) numbers.set(number, [...(numbers.get(number) ?? []), target]);
      if (isUuid(target)) ids.push(target);
      const uscc = parseUscc(target);
      if (uscc.ok) usccs.set(uscc.value, [...(usccs.get(uscc.value) ?? []), target]);
    }
    const p = new SqlParams();
    const idList = `${p.add(ids)}::uuid[]`;
    const rows: { key: string }[] = await this.dataSource.query(
      `SELECT n.number AS key FROM numbers n WHERE n.number = ANY(${p.add([...numbers.keys()])}::text[]) AND ${numbersVisible(viewer, "n", p)}
       UNION SELECT s.id::text FROM subscribers s WHERE s.id = ANY(${idList}) AND ${subscribersVisible(viewer, "s", p)}
       UNION SELECT o.id::text FROM shutdown_orders o WHERE o.id = ANY(${idList}) AND ${shutdownOrdersVisible(viewer, "o", p)}
       UNION SELECT t.id::text FROM trunk_lines t WHERE t.id = ANY(${idList}) AND ${trunkLinesVisible(viewer, "t", p)}
       UNION SELECT c.id::text FROM campaigns c WHERE c.id = ANY(${idList}) AND ${campaignsVisible(viewer, "c", p)}
       UNION SELECT pe.id::text FROM penalties pe WHERE pe.id = ANY(${idList}) AND ${penaltiesVisible(viewer, "pe", p)}
       UNION SELECT r.id::text FROM number_reports r JOIN numbers n ON n.number = r.number
              WHERE r.id = ANY(${idList}) AND ${numbersVisible(viewer, "n", p)}
       UNION SELECT f.id::text FROM risk_flags f LEFT JOIN subscribers s ON s.id = f.subscriber_id LEFT JOIN numbers n ON n.number = f.number
              WHERE f.id = ANY(${idList}) AND (${subscribersVisible(viewer, "s", p)} OR ${numbersVisible(viewer, "n", p)})
       UNION SELECT k.id::text FROM cases k WHERE k.id = ANY(${idList}) AND ${casesVisible(viewer, "k", p)}
       UNION SELECT s.uscc FROM subscribers s WHERE s.uscc = ANY(${p.add([...usccs.keys()])}::text[]) AND ${subscribersVisible(viewer, "s", p)}
       UNION SELECT g.code FROM organizations g WHERE g.code = ANY(${p.add(targets)}::text[]) AND ${organizationsVisible(viewer, "g", p)}`,
      p.values,
    );
    const visible = new Set<string>();
    for (const { key } of rows) {
      visible.add(key);
      for (const spelling of numbers.get(key) ?? usccs.get(key) ?? []) visible.add(spelling);
    }
    return visible;
  }
}

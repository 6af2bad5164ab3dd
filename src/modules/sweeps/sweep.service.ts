import type { DataSource, EntityManager } from "typeorm";
import type { Config, Rules } from "../../config";
import { inputDigest } from "../audit/audit-chain";
import { AuditService } from "../audit/audit.service";
import { AuditedMutation } from "../audit/audited-mutation";
import { ComplianceSnapshotSource, takeComplianceSnapshot } from "../compliance/compliance-snapshots";
import { utcDayOf } from "../../shared/dates";
import { SqlParams } from "../../shared/policy";
import { lockNumbers, moveNumbers } from "../numbers/number-moves";
import { ChangeCause } from "../numbers/number-status";
import { IdentityStatus, REQUIRED_PAPERS } from "../subscribers/identity-rules";
import { moveIdentities } from "../subscribers/identity-moves";
import { suspendWhereDepositForbids } from "../deposits/deposit-moves";

// Held until the sweep's transaction ends: two instances sweeping at once do the work once
// (the second waits, then finds nothing due).
const SWEEP_LOCK = 4_155_444_957;

const MAX_AUDIT_TARGETS = 1000;

/** What one run changed, step by step. */
export interface SweepReport {
  /** The time the run swept as of. */
  at: Date;
  /** RESERVED past reserved_until → SPARE. */
  reservationsLapsed: number;
  /** VERIFIED subscribers with a required paper past its date → EXPIRED. */
  subscribersExpired: number;
  /** Their ACTIVE numbers → SUSPENDED (PAPERS). */
  suspendedForPapers: number;
  /** ACTIVE numbers whose deposit is still DUE when the schedule's grace ends → SUSPENDED (PAPERS). */
  suspendedForDeposit: number;
  /** In-service numbers without a VERIFIED subscriber, past a campaign's hard deadline → SUSPENDED (CAMPAIGN). */
  suspendedAtDeadline: number;
  /** PENDING_VERIFICATION for pendingVerificationDays → SPARE, back in the reseller's stock, subscriber cleared. */
  pendingReturned: number;
  /** SUSPENDED (PAPERS or CAMPAIGN) for suspensionDays without re-verification → TERMINATED. */
  terminated: number;
  /** TERMINATED → AGING. */
  aging: number;
  /** AGING for its aging days → SPARE, back in the carrier's pool. */
  returnedToSpare: number;
}

export const SWEEP_STEPS: readonly { key: Exclude<keyof SweepReport, "at">; label: string }[] = [
  { key: "reservationsLapsed", label: "reservations lapsed (RESERVED → SPARE)" },
  { key: "subscribersExpired", label: "subscribers whose papers expired (VERIFIED → EXPIRED)" },
  { key: "suspendedForPapers", label: "suspended for expired papers (ACTIVE → SUSPENDED)" },
  { key: "suspendedForDeposit", label: "suspended, the deposit not received in its grace (ACTIVE → SUSPENDED)" },
  { key: "suspendedAtDeadline", label: "suspended at a campaign's hard deadline (→ SUSPENDED)" },
  { key: "pendingReturned", label: "returned to the reseller unverified (PENDING_VERIFICATION → SPARE)" },
  { key: "terminated", label: "terminated after their suspension period (SUSPENDED → TERMINATED)" },
  { key: "aging", label: "aging after termination (TERMINATED → AGING)" },
  { key: "returnedToSpare", label: "returned to spare after aging (AGING → SPARE)" },
];

/** A required paper of a VERIFIED subscriber past its date. */
interface LapsedPaper {
  id: string;
  subscriberId: string;
  kind: string;
  expiredOn: string;
}

/** The calendar day of a time, in UTC (API.md: dates are YYYY-MM-DD, times ISO-8601 in UTC). */
export const dayOf = utcDayOf;

/**
 * The scheduled sweeps of DESIGN.md ("Numbers", "Verification campaigns"): every step in
 * one transaction, as of one time, each number moved through moveNumbers with cause SWEEP.
 */
export class SweepService {
  private readonly audit: AuditService;
  private readonly rules: Rules;
  private readonly digestKey: Buffer;

  constructor(
    private readonly dataSource: DataSource,
    config: Pick<Config, "rules" | "piiKey">,
  ) {
    this.audit = new AuditService(dataSource);
    this.rules = config.rules;
    this.digestKey = config.piiKey;
  }

  /**
   * Runs every due sweep once, as of `now` (the database clock by default; a given time is
   * for drills and tests). Running it again as of the same time changes nothing. `snapshot`
   * (the schedule's runs) then takes the day's compliance snapshot, showing what the sweep did:
   * in a transaction of its own under its own lock, so that a snapshot that fails never undoes
   * the sweep, and instances take it one at a time (the second writes nothing new).
   */
  async run(now?: Date, options: { snapshot?: boolean } = {}): Promise<SweepReport> {
    if (now !== undefined && Number.isNaN(now.getTime())) throw new RangeError("now must be a valid Date");
    const report = await this.sweepNumbers(now);
    // Anonymous refusals counted in windows that have closed get their summary events in the chain.
    await AuditedMutation.closeRefusalWindows(this.dataSource, this.audit, now ?? null);
    if (options.snapshot) await this.dataSource.transaction((tx) => takeComplianceSnapshot(tx, now, ComplianceSnapshotSource.SCHEDULE));
    return report;
  }

  private sweepNumbers(now: Date | undefined): Promise<SweepReport> {
    return this.dataSource.transaction(async (tx) => {
      const l = new SqlParams();
      await tx.query(`SELECT pg_advisory_xact_lock(${l.add(SWEEP_LOCK)})`, l.values);
      // Taken first, as every writer of numbers takes it, before any subscriber row is locked.
      await lockNumbers(tx);
      const at: Date = now ?? (await tx.query<{ now: Date }[]>("SELECT now() AS now"))[0].now;
      // Every status change of this run is stamped as of `at` (the numbers' status guard reads it).
      const c = new SqlParams();
      await tx.query(`SELECT set_config('registry.clock', ${c.add(at.toISOString())}, true)`, c.values);
      const changed = new Set<string>();
      const moved = (rows: { number: string }[]) => {
        for (const r of rows) changed.add(r.number);
        return rows.length;
      };

      const reservationsLapsed = moved(await this.lapseReservations(tx, at));
      // Numbers leave ACTIVE before their subscriber stops being VERIFIED (the database checks it).
      const lapsing = await this.lapsedPapers(tx, at);
      const suspendedForPapers = moved(await this.suspendForPapers(tx, [...new Set(lapsing.map((l) => l.subscriberId))]));
      const expired = await this.expirePapers(tx, lapsing);
      const suspendedForDeposit = moved(await this.suspendForDeposit(tx));
      const suspendedAtDeadline = moved(await this.suspendAtDeadlines(tx, at));
      // After the campaigns: a number a deadline suspends follows the campaign's path, not this one.
      const pendingReturned = moved(await this.returnPending(tx, at));
      const terminated = moved(await this.terminate(tx, at));
      const aging = moved(await this.startAging(tx, at));
      const returnedToSpare = moved(await this.returnToSpare(tx, at));

      const report: SweepReport = {
        at,
        reservationsLapsed,
        subscribersExpired: expired.length,
        suspendedForPapers,
        suspendedForDeposit,
        suspendedAtDeadline,
        pendingReturned,
        terminated,
        aging,
        returnedToSpare,
      };
      if (changed.size > 0 || expired.length > 0) {
        await this.audit.append(tx, {
          actor: "sweeper",
          orgCode: null,
          role: "SYSTEM",
          operation: "sweep",
          targets: [...expired, ...changed].slice(0, MAX_AUDIT_TARGETS),
          inputDigest: inputDigest(this.digestKey, { now: at }),
          outcome: "SUCCESS",
          requestId: null,
        });
      }
      return report;
    });
  }

  /** a. A reservation lapses at reserved_until: the number is the reseller's SPARE stock again. */
  private lapseReservations(tx: EntityManager, at: Date) {
    const p = new SqlParams();
    return moveNumbers(tx, {
      where: `n.status = 'RESERVED' AND n.reserved_until <= ${p.add(at)}::timestamptz`,
      params: p.values,
      set: "status = 'SPARE'",
      cause: ChangeCause.SWEEP,
    });
  }

  /** b. The latest paper of each required kind of each VERIFIED subscriber, where it has passed its date. */
  private async lapsedPapers(tx: EntityManager, at: Date): Promise<LapsedPaper[]> {
    const p = new SqlParams();
    const day = p.add(dayOf(at));
    const kinds = p.add(REQUIRED_PAPERS);
    const rows: LapsedPaper[] = await tx.query(
      `WITH candidates AS (
         SELECT DISTINCT d.subscriber_id
           FROM subscriber_documents d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE s.identity_status = 'VERIFIED' AND d.kind = ANY(${kinds}::text[]) AND d.expires_on <= ${day}::date),
       latest AS (
         SELECT DISTINCT ON (d.subscriber_id, d.kind) d.id, d.subscriber_id, d.kind, d.expires_on
           FROM subscriber_documents d
          WHERE d.subscriber_id IN (SELECT subscriber_id FROM candidates) AND d.kind = ANY(${kinds}::text[])
          ORDER BY d.subscriber_id, d.kind, d.attached_at DESC, d.id DESC)
       SELECT id::text, subscriber_id::text AS "subscriberId", kind, expires_on::text AS "expiredOn"
         FROM latest WHERE expires_on <= ${day}::date ORDER BY subscriber_id, kind`,
      p.values,
    );
    return rows;
  }

  /** b. Those subscribers are EXPIRED, with an EXPIRED_DOCUMENT flag for each such paper. Returns their ids. */
  private async expirePapers(tx: EntityManager, lapsed: LapsedPaper[]): Promise<string[]> {
    if (lapsed.length === 0) return [];
    const p = new SqlParams();
    const paper = `unnest(${p.add(lapsed.map((l) => l.id))}::uuid[], ${p.add(lapsed.map((l) => l.subscriberId))}::uuid[],
                          ${p.add(lapsed.map((l) => l.kind))}::text[], ${p.add(lapsed.map((l) => l.expiredOn))}::text[])
                   AS l(id, subscriber_id, kind, expired_on)`;
    const expired = await moveIdentities(tx, {
      where: `s.id IN (SELECT l.subscriber_id FROM ${paper})`,
      params: p.values,
      to: IdentityStatus.EXPIRED,
      set: `status_reason = 'papers expired: ' || (
              SELECT string_agg(l.kind || ' on ' || l.expired_on, ', ' ORDER BY l.kind) FROM ${paper} WHERE l.subscriber_id = s.id)`,
    });
    await tx.query(
      `INSERT INTO risk_flags (subscriber_id, kind, severity, key, detail)
       SELECT l.subscriber_id, 'EXPIRED_DOCUMENT', 'MEDIUM', l.id::text, l.kind || ' expired on ' || l.expired_on FROM ${paper}
       ON CONFLICT ((coalesce(subscriber_id::text, number)), kind, key) WHERE resolved_at IS NULL DO NOTHING`,
      p.values,
    );
    return expired;
  }

  /** b. The ACTIVE numbers of the subscribers whose papers lapsed are SUSPENDED for their papers. */
  private suspendForPapers(tx: EntityManager, subscribers: string[]) {
    if (subscribers.length === 0) return Promise.resolve([]);
    const p = new SqlParams();
    return moveNumbers(tx, {
      where: `n.status = 'ACTIVE' AND n.subscriber_id = ANY(${p.add(subscribers)}::uuid[])`,
      params: p.values,
      set: "status = 'SUSPENDED', suspension = 'PAPERS'",
      cause: ChangeCause.SWEEP,
    });
  }

  /**
   * c. From a campaign's hard deadline on, in-service numbers in its scope whose subscriber is
   * not VERIFIED are SUSPENDED. (ACTIVE numbers always have a VERIFIED subscriber, so in
   * practice these are PENDING_VERIFICATION.)
   */
  private async suspendAtDeadlines(tx: EntityManager, at: Date) {
    // Most runs have no campaign past its deadline: look before scanning numbers.
    const d = new SqlParams();
    const [{ due }]: { due: number }[] = await tx.query(`SELECT count(*)::int AS due FROM campaigns WHERE hard_deadline <= ${d.add(dayOf(at))}::date`, d.values);
    if (due === 0) return [];
    const p = new SqlParams();
    // A national campaign covers every province (and numbers without one); a provincial one its own.
    // It covers the numbers in service before its deadline; one assigned later waits for its verification.
    return moveNumbers(tx, {
      where: `n.status IN ('ACTIVE', 'PENDING_VERIFICATION')
        AND EXISTS (SELECT 1 FROM campaigns c
                     WHERE c.hard_deadline <= ${p.add(dayOf(at))}::date AND (c.province IS NULL OR c.province = n.province)
                       AND n.status_since < (c.hard_deadline::timestamp AT TIME ZONE 'UTC'))
        AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED')`,
      params: p.values,
      set: "status = 'SUSPENDED', suspension = 'CAMPAIGN'",
      cause: ChangeCause.SWEEP,
    });
  }

  /** b3. A number let serve before its deposit was received (the schedule's grace), still DUE when the grace ends. */
  private suspendForDeposit(tx: EntityManager) {
    return suspendWhereDepositForbids(tx, "TRUE", [], ChangeCause.SWEEP);
  }

  /** c2. Waiting for verification longer than pendingVerificationDays: back in the reseller's stock, its subscriber cleared. */
  private returnPending(tx: EntityManager, at: Date) {
    const p = new SqlParams();
    return moveNumbers(tx, {
      where: `n.status = 'PENDING_VERIFICATION'
        AND n.status_since <= ${p.add(at)}::timestamptz - make_interval(days => ${p.add(this.rules.pendingVerificationDays)}::int)`,
      params: p.values,
      set: "status = 'SPARE', subscriber_id = NULL",
      cause: ChangeCause.SWEEP,
    });
  }

  /**
   * d. SUSPENDED for papers or a campaign for suspensionDays, still without a VERIFIED subscriber, or still
   * without the deposit it needs to serve: TERMINATED.
   */
  private terminate(tx: EntityManager, at: Date) {
    const p = new SqlParams();
    return moveNumbers(tx, {
      where: `n.status = 'SUSPENDED' AND n.suspension IN ('PAPERS', 'CAMPAIGN')
        AND n.status_since <= ${p.add(at)}::timestamptz - make_interval(days => ${p.add(this.rules.suspensionDays)}::int)
        AND (NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED')
             OR NOT number_may_serve(n.number, n.subscriber_id))`,
      params: p.values,
      set: "status = 'TERMINATED'",
      cause: ChangeCause.SWEEP,
    });
  }

  /** e. A terminated number ages (a quarantine length set earlier, e.g. after fraud, is kept). */
  private startAging(tx: EntityManager, at: Date) {
    const p = new SqlParams();
    const set = `status = 'AGING', aging_days = coalesce(n.aging_days, ${p.add(this.rules.agingDays)}::int)`;
    return moveNumbers(tx, {
      where: "n.status = 'TERMINATED'",
      params: p.values,
      set,
      cause: ChangeCause.SWEEP,
    });
  }

  /** f. Its quarantine over (aging_until, which the database also holds): SPARE again, back in its carrier's pool (no reseller). */
  private returnToSpare(tx: EntityManager, at: Date) {
    const p = new SqlParams();
    return moveNumbers(tx, {
      where: `n.status = 'AGING' AND n.aging_until <= ${p.add(at)}::timestamptz`,
      params: p.values,
      set: "status = 'SPARE', reseller_id = NULL",
      cause: ChangeCause.SWEEP,
    });
  }
}

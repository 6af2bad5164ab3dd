import type { DataSource, EntityManager } from "typeorm";
import { chinaDayOf } from "../../shared/dates";
import { SqlParams } from "../../shared/policy";

/** What took a day's snapshot (its last one). Plain, so that the command-line tools load no decorated module. */
export enum ComplianceSnapshotSource {
  /** The server's sweep schedule. */
  SCHEDULE = "SCHEDULE",
  /** `npm run snapshot`. */
  COMMAND = "COMMAND",
  /** The demo data, replayed over a moved clock: not real figures. */
  DEMO = "DEMO",
}

/** The order campaigns are read in: the latest opened first (the first covering a province wins). */
export const CAMPAIGN_ORDER = "created_at DESC, id";

/** The campaigns as one JSON array, for a snapshot to keep the targets in force on its day. */
const CAMPAIGNS_IN_FORCE_JSON = `
  SELECT coalesce(jsonb_agg(jsonb_build_object('name', name, 'province', province, 'targets', targets) ORDER BY ${CAMPAIGN_ORDER}), '[]'::jsonb)
    FROM campaigns`;

// Held until the snapshot's transaction ends: the schedule (after each sweep) and the command take a
// day's snapshot one at a time, on any number of instances.
const SNAPSHOT_LOCK = 4_155_444_958;

const COUNTS = ["in_service", "verified", "suspended", "force_stopped", "complaints"] as const;

/** What one snapshot recorded. */
export interface SnapshotTaken {
  /** The day it is the snapshot of: the China Standard Time date of `at`. */
  day: string;
  /** The moment it is as of. */
  at: Date;
  source: ComplianceSnapshotSource;
  /** Groups (carrier branch, province, reseller) with numbers in service or complaints. */
  groups: number;
  inService: number;
  verified: number;
}

/** A snapshot dated after today: a day that has not begun has no figures yet. */
export class SnapshotRefused extends Error {}

/**
 * The figures' statement: the rollup read once (one statement, one view of it) into both levels of the
 * day's snapshot. Rows of the day that the rollup no longer has are zeroed, rows it has are written
 * when they differ, so taking it again the same day replaces the day's figures and changes nothing
 * when nothing changed. Snapshots are never deleted (the database refuses it for three years).
 */
function figuresStatement(p: SqlParams, day: string): string {
  const d = `${p.add(day)}::date`;
  const zero = COUNTS.map((c) => `${c} = 0`).join(", ");
  const nonzero = `(s.in_service <> 0 OR s.complaints <> 0)`;
  const replace = COUNTS.map((c) => `${c} = EXCLUDED.${c}`).join(", ");
  const changed = `(${COUNTS.map((c) => `s.${c}`).join(", ")}) IS DISTINCT FROM (${COUNTS.map((c) => `EXCLUDED.${c}`).join(", ")})`;
  return `
    WITH cur AS (
      SELECT carrier_id, province, reseller_id, ${COUNTS.join(", ")}
        FROM compliance_rollup WHERE in_service <> 0 OR complaints <> 0),
    cur_carrier AS (
      SELECT carrier_id, province, ${COUNTS.map((c) => `sum(${c}) AS ${c}`).join(", ")} FROM cur GROUP BY carrier_id, province),
    gone AS (
      UPDATE compliance_snapshots s SET ${zero}
       WHERE s.day = ${d} AND ${nonzero}
         AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.carrier_id = s.carrier_id AND cur.province = s.province AND cur.reseller_id = s.reseller_id)
      RETURNING 1),
    gone_carrier AS (
      UPDATE compliance_snapshots_carrier s SET ${zero}
       WHERE s.day = ${d} AND ${nonzero}
         AND NOT EXISTS (SELECT 1 FROM cur_carrier cur WHERE cur.carrier_id = s.carrier_id AND cur.province = s.province)
      RETURNING 1),
    kept AS (
      INSERT INTO compliance_snapshots AS s (day, carrier_id, province, reseller_id, ${COUNTS.join(", ")})
      SELECT ${d}, carrier_id, province, reseller_id, ${COUNTS.join(", ")} FROM cur
      ON CONFLICT (day, carrier_id, province, reseller_id) DO UPDATE SET ${replace} WHERE ${changed}
      RETURNING 1),
    kept_carrier AS (
      INSERT INTO compliance_snapshots_carrier AS s (day, carrier_id, province, ${COUNTS.join(", ")})
      SELECT ${d}, carrier_id, province, ${COUNTS.join(", ")} FROM cur_carrier
      ON CONFLICT (day, carrier_id, province) DO UPDATE SET ${replace} WHERE ${changed}
      RETURNING 1)
    SELECT count(*)::int AS groups, coalesce(sum(in_service), 0)::int AS "inService", coalesce(sum(verified), 0)::int AS verified FROM cur`;
}

/**
 * Takes the compliance snapshot of the day of `at` (the database clock by default; a given time is for
 * drills, replays and tests) in the caller's transaction.
 * The day is the China Standard Time date of that moment; a day after today is refused.
 */
export async function takeComplianceSnapshot(tx: EntityManager, at: Date | undefined, source: ComplianceSnapshotSource): Promise<SnapshotTaken> {
  const l = new SqlParams();
  await tx.query(`SELECT pg_advisory_xact_lock(${l.add(SNAPSHOT_LOCK)})`, l.values);
  const [{ now }]: { now: Date }[] = await tx.query(`SELECT now() AS now`);
  const moment = at ?? now;
  const day = chinaDayOf(moment);
  if (day > chinaDayOf(now)) {
    throw new SnapshotRefused(`${day} (China Standard Time) has not begun: a snapshot records the figures of a day that has`);
  }
  const h = new SqlParams();
  await tx.query(
    `INSERT INTO compliance_snapshot_days AS d (day, taken_at, source, campaigns)
     VALUES (${h.add(day)}::date, ${h.add(moment)}::timestamptz, ${h.add(source)}, (${CAMPAIGNS_IN_FORCE_JSON}))
     ON CONFLICT (day) DO UPDATE SET taken_at = EXCLUDED.taken_at, source = EXCLUDED.source, campaigns = EXCLUDED.campaigns`,
    h.values,
  );
  const p = new SqlParams();
  const [figures]: { groups: number; inService: number; verified: number }[] = await tx.query(figuresStatement(p, day), p.values);
  return { day, at: moment, source, ...figures };
}

/** Snapshots on demand (`npm run snapshot`, the demo data, tests), each in a transaction of its own. */
export class ComplianceSnapshotService {
  constructor(private readonly dataSource: DataSource) {}

  take(now?: Date, source: ComplianceSnapshotSource = ComplianceSnapshotSource.COMMAND): Promise<SnapshotTaken> {
    if (now !== undefined && Number.isNaN(now.getTime())) throw new RangeError("now must be a valid Date");
    return this.dataSource.transaction((tx) => takeComplianceSnapshot(tx, now, source));
  }
}

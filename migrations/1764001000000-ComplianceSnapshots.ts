import { MigrationInterface, QueryRunner } from "typeorm";

const COUNTS = ["in_service", "verified", "suspended", "force_stopped", "complaints"];
const counts = COUNTS.map((c) => `${c} bigint NOT NULL CHECK (${c} >= 0)`).join(",\n        ");
// A snapshot holds whole figures (never deltas, unlike the rollup), so they can be checked as the model says.
const within = `CHECK (verified <= in_service AND suspended <= in_service AND force_stopped <= in_service)`;

/** The Beijing calendar day (UTC+8, no daylight saving) of a time, in SQL. */
const CHINA_DAY = (at: string) => `((${at} AT TIME ZONE 'UTC') + interval '8 hours')::date`;

/** The snapshot tables and the key columns each row keeps for life. */
const KEPT: [table: string, keys: string[]][] = [
  ["compliance_snapshot_days", ["day"]],
  ["compliance_snapshots", ["day", "carrier_id", "province", "reseller_id"]],
  ["compliance_snapshots_carrier", ["day", "carrier_id", "province"]],
];

/**
 * Compliance history (issue 16): a daily snapshot of the compliance rollup, so that "did Liaoning
 * reach 95% on the deadline?" can be answered after the day.
 *
 * A day (its Beijing date) has one header, compliance_snapshot_days: when its snapshot was last taken,
 * by what, and the campaigns in force then (their targets, in the order the report reads them), and
 * its figures at both levels of the rollup: by carrier (branch), province and reseller, and by carrier
 * and province. Taking the snapshot again the same day replaces the day's figures in place; the day's
 * last snapshot stands. Rows are kept at least three years: the database refuses to delete a day
 * younger than that (by its own clock), to truncate the tables, or to move a row to another day or key.
 */
export class ComplianceSnapshots1764001000000 implements MigrationInterface {
  name = "ComplianceSnapshots1764001000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE compliance_snapshot_days (
        day date PRIMARY KEY,
        taken_at timestamptz NOT NULL,
        source text NOT NULL,
        campaigns jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT compliance_snapshot_days_source CHECK (source IN ('SCHEDULE', 'COMMAND', 'DEMO')),
        CONSTRAINT compliance_snapshot_days_campaigns CHECK (jsonb_typeof(campaigns) = 'array'),
        CONSTRAINT compliance_snapshot_days_day CHECK (day = ${CHINA_DAY("taken_at")})
      )`);
    await q.query(`
      CREATE TABLE compliance_snapshots (
        day date NOT NULL REFERENCES compliance_snapshot_days(day),
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text NOT NULL,
        reseller_id uuid NOT NULL,
        ${counts},
        PRIMARY KEY (day, carrier_id, province, reseller_id),
        ${within}
      )`);
    await q.query(`CREATE INDEX compliance_snapshots_carrier_idx ON compliance_snapshots (carrier_id)`);
    await q.query(`
      CREATE TABLE compliance_snapshots_carrier (
        day date NOT NULL REFERENCES compliance_snapshot_days(day),
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text NOT NULL,
        ${counts},
        PRIMARY KEY (day, carrier_id, province),
        ${within}
      )`);
    await q.query(`CREATE INDEX compliance_snapshots_carrier_carrier_idx ON compliance_snapshots_carrier (carrier_id)`);

    // Kept three years by the database's clock (not registry.clock, which a session may set); figures are
    // replaced in place, never moved to another day or key. The trigger's arguments name the key columns.
    await q.query(`
      CREATE FUNCTION compliance_snapshots_kept() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        key text;
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          RAISE EXCEPTION 'TRUNCATE on % refused: compliance snapshots are kept for three years', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
          IF OLD.day > (${CHINA_DAY("now()")} - interval '3 years')::date THEN
            RAISE EXCEPTION 'DELETE on % refused: the compliance snapshot of % is kept until %', TG_TABLE_NAME, OLD.day,
              (OLD.day + interval '3 years')::date USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN OLD;
        END IF;
        FOREACH key IN ARRAY TG_ARGV LOOP
          IF to_jsonb(NEW) -> key IS DISTINCT FROM to_jsonb(OLD) -> key THEN
            RAISE EXCEPTION 'UPDATE on % refused: a snapshot''s figures are replaced in place, its % never changes', TG_TABLE_NAME, key
              USING ERRCODE = 'insufficient_privilege';
          END IF;
        END LOOP;
        RETURN NEW;
      END $$`);
    for (const [table, keys] of KEPT) {
      await q.query(`
        CREATE TRIGGER ${table}_kept BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION compliance_snapshots_kept(${keys.map((k) => `'${k}'`).join(", ")})`);
      await q.query(`
        CREATE TRIGGER ${table}_not_truncated BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION compliance_snapshots_kept()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of [...KEPT].reverse()) {
      await q.query(`DROP TRIGGER ${table}_not_truncated ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_kept ON ${table}`);
    }
    await q.query(`DROP FUNCTION compliance_snapshots_kept()`);
    await q.query(`DROP TABLE compliance_snapshots_carrier`);
    await q.query(`DROP TABLE compliance_snapshots`);
    await q.query(`DROP TABLE compliance_snapshot_days`);
  }
}

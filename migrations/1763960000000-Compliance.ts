import { MigrationInterface, QueryRunner } from "typeorm";

const NO_RESELLER = "'00000000-0000-0000-0000-000000000000'::uuid";
const IN_SERVICE = "n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED')";

/** The contribution of a set of number rows (`rows`, with a sign) to the figures, one line a number. */
const NUMBERS_DELTA = (rows: string, sign: string) => `
  SELECT n.carrier_id, coalesce(n.province, '') AS province, coalesce(n.reseller_id, ${NO_RESELLER}) AS reseller_id,
         ${sign} * (${IN_SERVICE})::int AS in_service,
         ${sign} * (${IN_SERVICE} AND s.identity_status IS NOT DISTINCT FROM 'VERIFIED')::int AS verified,
         ${sign} * (n.status = 'SUSPENDED')::int AS suspended,
         ${sign} * (n.status = 'FORCE_STOPPED')::int AS force_stopped,
         0 AS complaints
    FROM ${rows} n LEFT JOIN subscribers s ON s.id = n.subscriber_id`;

/** Reports received, counted against the number's carrier, province and reseller. */
const REPORTS_DELTA = (rows: string) => `
  SELECT carrier_id, coalesce(province, '') AS province, coalesce(reseller_id, ${NO_RESELLER}) AS reseller_id,
         0 AS in_service, 0 AS verified, 0 AS suspended, 0 AS force_stopped, 1 AS complaints
    FROM ${rows} WHERE carrier_id IS NOT NULL`;

const COUNTS = ["in_service", "verified", "suspended", "force_stopped", "complaints"];
const sums = COUNTS.map((c) => `sum(${c})`).join(", ");
const adds = COUNTS.map((c) => `${c} = r.${c} + EXCLUDED.${c}`).join(", ");

/**
 * Adds a delta (lines of NUMBERS_DELTA / REPORTS_DELTA shape) to both levels of the
 * figures in one statement: by carrier, province and reseller, and by carrier and
 * province (what national reports group by, a hundred-odd rows).
 */
const APPLY = (source: string) => `
  WITH d AS (
    SELECT carrier_id, province, reseller_id, ${COUNTS.map((c) => `sum(${c}) AS ${c}`).join(", ")}
      FROM (${source}) x
     GROUP BY carrier_id, province, reseller_id
    HAVING ${COUNTS.map((c) => `sum(${c}) <> 0`).join(" OR ")}),
  by_reseller AS (
    INSERT INTO compliance_rollup AS r (carrier_id, province, reseller_id, ${COUNTS.join(", ")})
    SELECT * FROM d
    ON CONFLICT (carrier_id, province, reseller_id) DO UPDATE SET ${adds}
    RETURNING 1)
  INSERT INTO compliance_rollup_carrier AS r (carrier_id, province, ${COUNTS.join(", ")})
  SELECT carrier_id, province, ${sums} FROM d GROUP BY carrier_id, province
  ON CONFLICT (carrier_id, province) DO UPDATE SET ${adds}`;

/**
 * Real-name compliance figures kept exact as they change: counts of in-service numbers
 * (ACTIVE, PENDING_VERIFICATION, SUSPENDED, FORCE_STOPPED), those with a VERIFIED
 * subscriber, the suspended, the stopped and the public's complaints, by carrier
 * (branch), province and reseller, and again by carrier and province. Triggers update
 * both in the same transaction as every change of a number (once per statement, from
 * its transition tables), of a subscriber's verification, and every report received,
 * so a report reads a few hundred or thousand rows, never the numbers table.
 */
export class Compliance1763960000000 implements MigrationInterface {
  name = "Compliance1763960000000";

  async up(q: QueryRunner): Promise<void> {
    const counts = COUNTS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(",\n        ");
    // No CHECK on the counts: an upsert checks the row it proposes, which here is a delta
    // and may be negative. Exactness is tested against a full GROUP BY instead.
    await q.query(`
      CREATE TABLE compliance_rollup (
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text NOT NULL,
        reseller_id uuid NOT NULL,
        ${counts},
        PRIMARY KEY (carrier_id, province, reseller_id)
      )`);
    await q.query(`CREATE INDEX compliance_rollup_province_idx ON compliance_rollup (province)`);
    await q.query(`
      CREATE TABLE compliance_rollup_carrier (
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text NOT NULL,
        ${counts},
        PRIMARY KEY (carrier_id, province)
      )`);

    await q.query(`
      CREATE FUNCTION compliance_numbers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${APPLY(NUMBERS_DELTA("new_rows", "1"))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION compliance_numbers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${APPLY(`${NUMBERS_DELTA("new_rows", "1")} UNION ALL ${NUMBERS_DELTA("old_rows", "-1")}`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_numbers_inserted AFTER INSERT ON numbers
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_numbers_inserted()`);
    await q.query(`
      CREATE TRIGGER compliance_numbers_updated AFTER UPDATE ON numbers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_numbers_updated()`);

    // A subscriber verified, or no longer: its in-service numbers move between verified and not.
    await q.query(`
      CREATE FUNCTION compliance_subscriber_verification() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${APPLY(`
          SELECT n.carrier_id, coalesce(n.province, '') AS province, coalesce(n.reseller_id, ${NO_RESELLER}) AS reseller_id,
                 0 AS in_service, CASE WHEN s.identity_status = 'VERIFIED' THEN 1 ELSE -1 END AS verified,
                 0 AS suspended, 0 AS force_stopped, 0 AS complaints
            FROM new_rows s JOIN old_rows o ON o.id = s.id JOIN numbers n ON n.subscriber_id = s.id
           WHERE (s.identity_status = 'VERIFIED') <> (o.identity_status = 'VERIFIED') AND ${IN_SERVICE}`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_subscriber_verification AFTER UPDATE ON subscribers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_subscriber_verification()`);

    await q.query(`
      CREATE FUNCTION compliance_reports_received() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${APPLY(REPORTS_DELTA("new_rows"))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_reports_received AFTER INSERT ON number_reports
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_reports_received()`);

    // Recomputes the figures from the numbers and reports: for what exists when this
    // migration runs, and after loads that bypass triggers (bulk restores, benchmarks).
    await q.query(`
      CREATE FUNCTION compliance_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE compliance_rollup, compliance_rollup_carrier IN EXCLUSIVE MODE;
        DELETE FROM compliance_rollup;
        DELETE FROM compliance_rollup_carrier;
        ${APPLY(`${NUMBERS_DELTA("numbers", "1")} UNION ALL ${REPORTS_DELTA("number_reports")}`)};
      END $$`);
    await q.query(`SELECT compliance_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION compliance_rollup_rebuild()`);
    await q.query(`DROP TRIGGER compliance_reports_received ON number_reports`);
    await q.query(`DROP FUNCTION compliance_reports_received()`);
    await q.query(`DROP TRIGGER compliance_subscriber_verification ON subscribers`);
    await q.query(`DROP FUNCTION compliance_subscriber_verification()`);
    await q.query(`DROP TRIGGER compliance_numbers_updated ON numbers`);
    await q.query(`DROP TRIGGER compliance_numbers_inserted ON numbers`);
    await q.query(`DROP FUNCTION compliance_numbers_updated()`);
    await q.query(`DROP FUNCTION compliance_numbers_inserted()`);
    await q.query(`DROP TABLE compliance_rollup_carrier`);
    await q.query(`DROP TABLE compliance_rollup`);
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";

/** The contribution of a set of number rows (`rows`, with a sign) to the rollup, grouped by its key. */
const CONTRIBUTION = (rows: string, sign: string) => `
  SELECT n.carrier_id, coalesce(n.province, '') AS province, coalesce(n.reseller_id, '00000000-0000-0000-0000-000000000000') AS reseller_id,
         ${sign} * (n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED'))::int AS in_service,
         ${sign} * (n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED') AND s.identity_status IS NOT DISTINCT FROM 'VERIFIED')::int AS verified,
         ${sign} * (n.status = 'SUSPENDED')::int AS suspended,
         ${sign} * (n.status = 'FORCE_STOPPED')::int AS force_stopped
    FROM ${rows} n LEFT JOIN subscribers s ON s.id = n.subscriber_id`;

const UPSERT = (source: string) => `
  INSERT INTO compliance_rollup AS r (carrier_id, province, reseller_id, in_service, verified, suspended, force_stopped)
  SELECT carrier_id, province, reseller_id, sum(in_service), sum(verified), sum(suspended), sum(force_stopped)
    FROM (${source}) d
   GROUP BY carrier_id, province, reseller_id
  HAVING sum(in_service) <> 0 OR sum(verified) <> 0 OR sum(suspended) <> 0 OR sum(force_stopped) <> 0
  ON CONFLICT (carrier_id, province, reseller_id) DO UPDATE SET
    in_service = r.in_service + EXCLUDED.in_service,
    verified = r.verified + EXCLUDED.verified,
    suspended = r.suspended + EXCLUDED.suspended,
    force_stopped = r.force_stopped + EXCLUDED.force_stopped`;

/**
 * Real-name compliance figures kept exact as they change: one row per carrier
 * (branch), province and reseller, counting in-service numbers (ACTIVE, PENDING_VERIFICATION,
 * SUSPENDED, FORCE_STOPPED), those with a VERIFIED subscriber, the suspended and the
 * stopped, and the public's complaints. Triggers update it in the same transaction
 * as every change of a number (once per statement, from its transition tables) and
 * of a subscriber's verification, so a report reads a few thousand rows, never the
 * numbers table.
 */
export class Compliance1763960000000 implements MigrationInterface {
  name = "Compliance1763960000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE compliance_rollup (
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text NOT NULL,
        reseller_id uuid NOT NULL,
        in_service bigint NOT NULL DEFAULT 0,
        verified bigint NOT NULL DEFAULT 0,
        suspended bigint NOT NULL DEFAULT 0,
        force_stopped bigint NOT NULL DEFAULT 0,
        complaints bigint NOT NULL DEFAULT 0,
        -- No CHECK on the counts: an upsert checks the row it proposes, which here is a delta
        -- and may be negative. Exactness is tested against a full GROUP BY instead.
        PRIMARY KEY (carrier_id, province, reseller_id)
      )`);
    await q.query(`CREATE INDEX compliance_rollup_province_idx ON compliance_rollup (province)`);

    await q.query(`
      CREATE FUNCTION compliance_numbers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${UPSERT(CONTRIBUTION("new_rows", "1"))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION compliance_numbers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${UPSERT(`${CONTRIBUTION("new_rows", "1")} UNION ALL ${CONTRIBUTION("old_rows", "-1")}`)};
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
        INSERT INTO compliance_rollup AS r (carrier_id, province, reseller_id, verified)
        SELECT n.carrier_id, coalesce(n.province, ''), coalesce(n.reseller_id, '00000000-0000-0000-0000-000000000000'),
               count(*) * CASE WHEN NEW.identity_status = 'VERIFIED' THEN 1 ELSE -1 END
          FROM numbers n
         WHERE n.subscriber_id = NEW.id AND n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED')
         GROUP BY 1, 2, 3
        ON CONFLICT (carrier_id, province, reseller_id) DO UPDATE SET verified = r.verified + EXCLUDED.verified;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_subscriber_verification AFTER UPDATE OF identity_status ON subscribers
      FOR EACH ROW WHEN ((OLD.identity_status = 'VERIFIED') IS DISTINCT FROM (NEW.identity_status = 'VERIFIED'))
      EXECUTE FUNCTION compliance_subscriber_verification()`);

    // Complaints count against the number's carrier, province and reseller when received.
    await q.query(`
      CREATE FUNCTION compliance_reports_received() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO compliance_rollup AS r (carrier_id, province, reseller_id, complaints)
        SELECT carrier_id, coalesce(province, ''), coalesce(reseller_id, '00000000-0000-0000-0000-000000000000'), count(*)
          FROM new_rows WHERE carrier_id IS NOT NULL GROUP BY 1, 2, 3
        ON CONFLICT (carrier_id, province, reseller_id) DO UPDATE SET complaints = r.complaints + EXCLUDED.complaints;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_reports_received AFTER INSERT ON number_reports
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_reports_received()`);

    // Recomputes the whole rollup from the numbers and reports: for what exists when this
    // migration runs, and for loads that bypass triggers (bulk restores, benchmarks).
    await q.query(`
      CREATE FUNCTION compliance_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE compliance_rollup IN EXCLUSIVE MODE;
        DELETE FROM compliance_rollup;
        ${UPSERT(CONTRIBUTION("numbers", "1"))};
        INSERT INTO compliance_rollup AS r (carrier_id, province, reseller_id, complaints)
        SELECT carrier_id, coalesce(province, ''), coalesce(reseller_id, '00000000-0000-0000-0000-000000000000'), count(*)
          FROM number_reports WHERE carrier_id IS NOT NULL GROUP BY 1, 2, 3
        ON CONFLICT (carrier_id, province, reseller_id) DO UPDATE SET complaints = r.complaints + EXCLUDED.complaints;
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
    await q.query(`DROP TABLE compliance_rollup`);
  }
}

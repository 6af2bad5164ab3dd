import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Complaints that cannot be weaponised, and anonymous refusals summarised (DESIGN.md, "Complaints,
 * penalties, public look-up" and "Audit"):
 * - one source (client_hash) reports a number at most once per UTC day, held by a unique index;
 * - an open COMPLAINTS flag is MEDIUM: public reports alone send a number to review, never block approval;
 * - refused attempts of anonymous callers are counted per client, minute, operation and outcome in
 *   audit_refusal_tallies, outside the chain and its lock, and chained later as one summary each.
 */
export class Complaints1763993000000 implements MigrationInterface {
  name = "Complaints1763993000000";

  async up(q: QueryRunner): Promise<void> {
    // The UTC date of a report, whatever the session's time zone. Reports received before this rule
    // that repeat a source's report of the day keep NULL and stay outside the unique index.
    await q.query(`ALTER TABLE number_reports ADD COLUMN utc_day date`);
    await q.query(`
      UPDATE number_reports r SET utc_day = (r.at AT TIME ZONE 'UTC')::date
       WHERE r.id IN (SELECT DISTINCT ON (number, client_hash, (at AT TIME ZONE 'UTC')::date) id
                        FROM number_reports
                       ORDER BY number, client_hash, (at AT TIME ZONE 'UTC')::date, at, id)`);
    // Set by the database, so no writer can leave it out or pick another day.
    await q.query(`
      CREATE FUNCTION number_reports_utc_day() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.utc_day := (NEW.at AT TIME ZONE 'UTC')::date;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER number_reports_utc_day BEFORE INSERT OR UPDATE OF at, utc_day ON number_reports
      FOR EACH ROW EXECUTE FUNCTION number_reports_utc_day()`);
    await q.query(`CREATE UNIQUE INDEX number_reports_once_a_day ON number_reports (number, client_hash, utc_day)`);

    // Flags raised under the old rule by public reports alone no longer block an approval.
    await q.query(`UPDATE risk_flags SET severity = 'MEDIUM' WHERE kind = 'COMPLAINTS' AND severity = 'HIGH' AND resolved_at IS NULL`);

    // Not chained: a counter per client (keyed digest, as in number_reports), minute, operation and outcome.
    // "chained" is how many of "count" the audit chain already records; the rest waits for a summary event.
    await q.query(`
      CREATE TABLE audit_refusal_tallies (
        window_start timestamptz NOT NULL,
        client_hash text NOT NULL,
        operation text NOT NULL,
        outcome text NOT NULL,
        count integer NOT NULL DEFAULT 1,
        chained integer NOT NULL DEFAULT 0,
        first_at timestamptz NOT NULL DEFAULT now(),
        last_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (window_start, client_hash, operation, outcome),
        CONSTRAINT audit_refusal_tallies_counts CHECK (count > 0 AND chained >= 0 AND chained <= count),
        CONSTRAINT audit_refusal_tallies_client_hash_format CHECK (client_hash ~ '^[0-9a-f]{64}$')
      )`);
    // What is still to chain, found by key (a refusal's own) or by age (a sweep).
    await q.query(`
      CREATE INDEX audit_refusal_tallies_unchained ON audit_refusal_tallies (client_hash, operation, outcome, window_start)
      WHERE chained < count`);
    // Counts only grow: an attempt once counted stays counted.
    await q.query(`
      CREATE FUNCTION audit_refusal_tallies_only_grow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.window_start <> OLD.window_start OR NEW.client_hash <> OLD.client_hash OR NEW.operation <> OLD.operation
           OR NEW.outcome <> OLD.outcome OR NEW.count < OLD.count OR NEW.chained < OLD.chained THEN
          RAISE EXCEPTION 'refusal tallies only grow: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_refusal_tallies_only_grow BEFORE UPDATE ON audit_refusal_tallies
      FOR EACH ROW EXECUTE FUNCTION audit_refusal_tallies_only_grow()`);
    await q.query(`
      CREATE TRIGGER audit_refusal_tallies_never_deleted BEFORE DELETE OR TRUNCATE ON audit_refusal_tallies
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_refusal_tallies`);
    await q.query(`DROP FUNCTION audit_refusal_tallies_only_grow()`);
    await q.query(`DROP INDEX number_reports_once_a_day`);
    await q.query(`DROP TRIGGER number_reports_utc_day ON number_reports`);
    await q.query(`DROP FUNCTION number_reports_utc_day()`);
    await q.query(`ALTER TABLE number_reports DROP COLUMN utc_day`);
  }
}

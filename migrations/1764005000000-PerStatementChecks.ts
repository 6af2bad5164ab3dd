import { MigrationInterface, QueryRunner } from "typeorm";
import { CHANGE_FEED_REFERENCES_1763920000000 } from "./1763920000000-ChangeFeedChecks";

/**
 * The change feed's reference check (1763920000000) as this migration leaves it: the same refusals, asked
 * without LIMIT 1, so the planner may join the statement's rows to numbers whole (a hash or merge join)
 * instead of looking each number up: 0.21 s of a 200,000-row insert became 0.07 s.
 */
const CHANGE_FEED_REFERENCES_1764005000000 = `
      CREATE OR REPLACE FUNCTION number_changes_references() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        SELECT min(c.number) INTO missing FROM new_rows c
         WHERE NOT EXISTS (SELECT 1 FROM numbers n WHERE n.number = c.number);
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'number_changes refers to number %, which is not in numbers', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT min(r.id::text) INTO missing
          FROM (SELECT DISTINCT carrier_id AS id FROM new_rows
                UNION SELECT DISTINCT reseller_id FROM new_rows
                UNION SELECT DISTINCT previous_reseller_id FROM new_rows) r
         WHERE r.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = r.id);
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'number_changes refers to organization %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`;

/**
 * What a carrier's file of a million new numbers paid per row, paid once per statement or not at all
 * (issue 18; docs/BENCHMARKS.md).
 *
 * Numbers check their references once per statement instead of once per row, as the change feed does
 * (1763920000000).
 *
 * A carrier's file of 50,000 new numbers spent about 45% of its insert in the three foreign keys' per-row
 * checks (a lookup and a row lock on the same carrier 50,000 times; docs/BENCHMARKS.md, issue 18). The
 * same guarantees, kept set-based:
 * - an insert or update of numbers is checked by one anti-join per statement against organizations (the
 *   carrier and reseller) and subscribers, and refused as a foreign-key violation;
 * - organisations are never deleted (1763920000000); the subscribers a statement names are locked FOR KEY
 *   SHARE as a foreign key would lock them, and deleting a subscriber that numbers still name is refused.
 *
 * The status guard runs on an insert only for the rows it changes: a number new to the registry that
 * starts AGING (its aging_until), or one that names an aging_until of its own (cleared). Every other new
 * row left it as it was, and no longer calls it (about 15% of an insert's time).
 */
export class PerStatementChecks1764005000000 implements MigrationInterface {
  name = "PerStatementChecks1764005000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE numbers
        DROP CONSTRAINT numbers_carrier_id_fkey,
        DROP CONSTRAINT numbers_reseller_id_fkey,
        DROP CONSTRAINT numbers_subscriber_id_fkey`);
    await q.query(`
      CREATE FUNCTION numbers_references() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        SELECT min(r.id::text) INTO missing
          FROM (SELECT DISTINCT carrier_id AS id FROM new_rows UNION SELECT DISTINCT reseller_id FROM new_rows) r
         WHERE r.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = r.id);
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'numbers refers to organization %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        -- Held until commit, as a foreign key's check holds them: a subscriber cannot go while we name it.
        PERFORM 1 FROM subscribers s WHERE s.id IN (SELECT DISTINCT subscriber_id FROM new_rows) FOR KEY SHARE;
        SELECT min(r.id::text) INTO missing
          FROM (SELECT DISTINCT subscriber_id AS id FROM new_rows) r
         WHERE r.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = r.id);
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'numbers refers to subscriber %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER numbers_references_inserted AFTER INSERT ON numbers
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_references()`);
    await q.query(`
      CREATE TRIGGER numbers_references_updated AFTER UPDATE ON numbers
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_references()`);

    await q.query(CHANGE_FEED_REFERENCES_1764005000000);

    await q.query(`DROP TRIGGER numbers_status_guard ON numbers`);
    await q.query(`CREATE TRIGGER numbers_status_guard BEFORE UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION numbers_status_guard()`);
    await q.query(`
      CREATE TRIGGER numbers_status_guard_inserted BEFORE INSERT ON numbers
      FOR EACH ROW WHEN (NEW.status = 'AGING' OR NEW.aging_until IS NOT NULL) EXECUTE FUNCTION numbers_status_guard()`);

    await q.query(`
      CREATE FUNCTION subscribers_still_named() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        named text;
      BEGIN
        SELECT n.number INTO named FROM numbers n WHERE n.subscriber_id IN (SELECT id FROM old_rows) LIMIT 1;
        IF named IS NOT NULL THEN
          RAISE EXCEPTION 'the subscriber of number % cannot be deleted while the number names it', named
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER subscribers_still_named_deleted AFTER DELETE ON subscribers
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_still_named()`);
    // A subscriber's id never changes; were it changed, the numbers naming the old one would be left behind.
    await q.query(`
      CREATE FUNCTION subscribers_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'a subscriber''s id never changes (%)', OLD.id USING ERRCODE = 'foreign_key_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER subscribers_id_fixed BEFORE UPDATE OF id ON subscribers
      FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION subscribers_id_fixed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER subscribers_id_fixed ON subscribers`);
    await q.query(`DROP FUNCTION subscribers_id_fixed()`);
    await q.query(`DROP TRIGGER subscribers_still_named_deleted ON subscribers`);
    await q.query(`DROP FUNCTION subscribers_still_named()`);
    await q.query(CHANGE_FEED_REFERENCES_1763920000000);
    await q.query(`DROP TRIGGER numbers_status_guard_inserted ON numbers`);
    await q.query(`DROP TRIGGER numbers_status_guard ON numbers`);
    await q.query(`CREATE TRIGGER numbers_status_guard BEFORE INSERT OR UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION numbers_status_guard()`);
    await q.query(`DROP TRIGGER numbers_references_updated ON numbers`);
    await q.query(`DROP TRIGGER numbers_references_inserted ON numbers`);
    await q.query(`DROP FUNCTION numbers_references()`);
    await q.query(`
      ALTER TABLE numbers
        ADD CONSTRAINT numbers_carrier_id_fkey FOREIGN KEY (carrier_id) REFERENCES organizations(id) ON DELETE RESTRICT,
        ADD CONSTRAINT numbers_reseller_id_fkey FOREIGN KEY (reseller_id) REFERENCES organizations(id) ON DELETE RESTRICT,
        ADD CONSTRAINT numbers_subscriber_id_fkey FOREIGN KEY (subscriber_id) REFERENCES subscribers(id) ON DELETE RESTRICT`);
  }
}

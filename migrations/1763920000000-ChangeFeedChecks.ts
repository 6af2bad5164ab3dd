import { MigrationInterface, QueryRunner } from "typeorm";

/** The change feed's reference check as this migration made it. */
export const CHANGE_FEED_REFERENCES_1763920000000 = `
      CREATE OR REPLACE FUNCTION number_changes_references() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        SELECT c.number INTO missing FROM new_rows c
         WHERE NOT EXISTS (SELECT 1 FROM numbers n WHERE n.number = c.number) LIMIT 1;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'number_changes refers to number %, which is not in numbers', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT r.id::text INTO missing
          FROM (SELECT carrier_id AS id FROM new_rows
                UNION SELECT reseller_id FROM new_rows
                UNION SELECT previous_reseller_id FROM new_rows) r
         WHERE r.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = r.id) LIMIT 1;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'number_changes refers to organization %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`;

/**
 * The change feed checks its references once per statement instead of once per row.
 *
 * A sync of 10,000 numbers wrote 10,000 history rows, and PostgreSQL's foreign keys
 * looked up the number and up to three organisations for each of them, one at a
 * time: about 40% of the database time of a sync (docs/BENCHMARKS.md). The same
 * guarantees, kept set-based:
 * - an insert into number_changes is checked by one anti-join per statement against
 *   numbers and organizations, and refused as a foreign-key violation;
 * - what a foreign key also prevented, a referenced row disappearing, cannot happen:
 *   numbers and organisations are never deleted, and the feed itself is append-only.
 */
export class ChangeFeedChecks1763920000000 implements MigrationInterface {
  name = "ChangeFeedChecks1763920000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE number_changes
        DROP CONSTRAINT number_changes_number_fkey,
        DROP CONSTRAINT number_changes_carrier_id_fkey,
        DROP CONSTRAINT number_changes_reseller_id_fkey,
        DROP CONSTRAINT number_changes_previous_reseller_id_fkey`);
    await q.query(CHANGE_FEED_REFERENCES_1763920000000);
    await q.query(`
      CREATE TRIGGER number_changes_references AFTER INSERT ON number_changes
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION number_changes_references()`);

    await q.query(`
      CREATE FUNCTION registry_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % refused: numbers and organisations are never deleted, and the change feed is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ["numbers", "organizations"]) {
      await q.query(`CREATE TRIGGER ${table}_never_deleted BEFORE DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    }
    await q.query(`
      CREATE TRIGGER number_changes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON number_changes
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER number_changes_append_only ON number_changes`);
    await q.query(`DROP TRIGGER organizations_never_deleted ON organizations`);
    await q.query(`DROP TRIGGER numbers_never_deleted ON numbers`);
    await q.query(`DROP FUNCTION registry_never_deleted()`);
    await q.query(`DROP TRIGGER number_changes_references ON number_changes`);
    await q.query(`DROP FUNCTION number_changes_references()`);
    await q.query(`
      ALTER TABLE number_changes
        ADD CONSTRAINT number_changes_number_fkey FOREIGN KEY (number) REFERENCES numbers(number) ON DELETE RESTRICT,
        ADD CONSTRAINT number_changes_carrier_id_fkey FOREIGN KEY (carrier_id) REFERENCES organizations(id),
        ADD CONSTRAINT number_changes_reseller_id_fkey FOREIGN KEY (reseller_id) REFERENCES organizations(id),
        ADD CONSTRAINT number_changes_previous_reseller_id_fkey FOREIGN KEY (previous_reseller_id) REFERENCES organizations(id)`);
  }
}

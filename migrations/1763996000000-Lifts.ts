import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Lifting suspensions, and maintaining the official marketing numbers (DESIGN.md, "Numbers" and
 * "Complaints, penalties, public look-up"):
 * - a regulator's or carrier's suspension is lifted by the organisation that imposed it or one above
 *   it: the suspension record keeps who lifted it, when and why (records are never deleted);
 * - an official marketing number is retired rather than removed, and may be a short service number
 *   (10001) or a fixed line (02488886666): 5-20 digits.
 */
export class Lifts1763996000000 implements MigrationInterface {
  name = "Lifts1763996000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE number_suspensions
        ADD COLUMN lifted_at timestamptz,
        ADD COLUMN lifted_by text,
        ADD COLUMN lifted_by_organization_id uuid REFERENCES organizations(id),
        ADD COLUMN lift_reason text,
        ADD CONSTRAINT number_suspensions_lift CHECK (
          (lifted_at IS NULL AND lifted_by IS NULL AND lifted_by_organization_id IS NULL AND lift_reason IS NULL) OR
          (lifted_at IS NOT NULL AND lifted_by IS NOT NULL AND lifted_by_organization_id IS NOT NULL
             AND length(btrim(lift_reason)) > 0))`);
    await q.query(`CREATE INDEX number_suspensions_lifted_by_organization_idx ON number_suspensions (lifted_by_organization_id)`);
    // The suspension in force on a number: the one a lift looks for.
    await q.query(`CREATE INDEX number_suspensions_open_idx ON number_suspensions (number, at) WHERE lifted_at IS NULL`);

    await q.query(`
      ALTER TABLE official_marketing_numbers
        ADD COLUMN retired_at timestamptz,
        DROP CONSTRAINT official_marketing_numbers_number_format,
        ADD CONSTRAINT official_marketing_numbers_number_format CHECK (number ~ '^[0-9]{5,20}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM official_marketing_numbers WHERE retired_at IS NOT NULL OR number !~ '^[0-9]{5,11}$'`);
    await q.query(`
      ALTER TABLE official_marketing_numbers
        DROP CONSTRAINT official_marketing_numbers_number_format,
        ADD CONSTRAINT official_marketing_numbers_number_format CHECK (number ~ '^[0-9]{5,11}$'),
        DROP COLUMN retired_at`);
    await q.query(`DROP INDEX number_suspensions_open_idx`);
    await q.query(`DROP INDEX number_suspensions_lifted_by_organization_idx`);
    await q.query(`
      ALTER TABLE number_suspensions
        DROP CONSTRAINT number_suspensions_lift,
        DROP COLUMN lift_reason, DROP COLUMN lifted_by_organization_id, DROP COLUMN lifted_by, DROP COLUMN lifted_at`);
  }
}

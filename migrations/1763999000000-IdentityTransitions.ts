import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The identity status machine in the database, as identity-status.ts has it: every change of a
 * subscriber's identity status must be one of the table's moves, whichever route makes it.
 */
export class IdentityTransitions1763999000000 implements MigrationInterface {
  name = "IdentityTransitions1763999000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity_status_transitions (from_status text NOT NULL, to_status text NOT NULL, PRIMARY KEY (from_status, to_status))`);
    await q.query(`
      INSERT INTO identity_status_transitions (from_status, to_status) VALUES
        ('DRAFT', 'SUBMITTED'), ('DRAFT', 'REVOKED'),
        ('SUBMITTED', 'VERIFIED'), ('SUBMITTED', 'REJECTED'), ('SUBMITTED', 'REVOKED'),
        ('REJECTED', 'SUBMITTED'), ('REJECTED', 'REVOKED'),
        ('VERIFIED', 'EXPIRED'), ('VERIFIED', 'REVOKED'),
        ('EXPIRED', 'SUBMITTED'), ('EXPIRED', 'REVOKED')`);
    await q.query(`
      CREATE FUNCTION subscribers_identity_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM identity_status_transitions WHERE from_status = OLD.identity_status AND to_status = NEW.identity_status) THEN
          RAISE EXCEPTION 'illegal identity status transition % -> % for subscriber %', OLD.identity_status, NEW.identity_status, OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER subscribers_identity_guard BEFORE UPDATE OF identity_status ON subscribers
      FOR EACH ROW WHEN (NEW.identity_status IS DISTINCT FROM OLD.identity_status) EXECUTE FUNCTION subscribers_identity_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER subscribers_identity_guard ON subscribers`);
    await q.query(`DROP FUNCTION subscribers_identity_guard()`);
    await q.query(`DROP TABLE identity_status_transitions`);
  }
}

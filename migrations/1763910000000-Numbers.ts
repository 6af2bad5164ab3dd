import { MigrationInterface, QueryRunner } from "typeorm";

/** The number status guard as this migration creates it (a later migration's down restores it). */
export const STATUS_GUARD_1763910000000 = `
      CREATE OR REPLACE FUNCTION numbers_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
          IF NOT EXISTS (SELECT 1 FROM number_status_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
            RAISE EXCEPTION 'illegal number status transition % -> % for %', OLD.status, NEW.status, OLD.number
              USING ERRCODE = 'check_violation';
          END IF;
          IF OLD.status = 'FORCE_STOPPED' AND coalesce(current_setting('registry.lifting', true), '') <> 'on' THEN
            RAISE EXCEPTION 'number % is FORCE_STOPPED: only lifting its shutdown orders changes its status', OLD.number
              USING ERRCODE = 'check_violation';
          END IF;
        END IF;
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`;

/** 400 numbers, their status machine in the database, the change feed, and sync idempotency. */
export class Numbers1763910000000 implements MigrationInterface {
  name = "Numbers1763910000000";

  async up(q: QueryRunner): Promise<void> {
    // Written out, not imported: a migration keeps meaning what it meant when it ran.
    const statuses = "'SPARE','RESERVED','PENDING_VERIFICATION','ACTIVE','SUSPENDED','FORCE_STOPPED','TERMINATED','AGING'";
    await q.query(`
      CREATE TABLE numbers (
        number text PRIMARY KEY,
        service_type text NOT NULL DEFAULT 'FOUR_HUNDRED',
        carrier_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        reseller_id uuid REFERENCES organizations(id) ON DELETE RESTRICT,
        province text,
        status text NOT NULL DEFAULT 'SPARE',
        reserved_until timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT numbers_format CHECK (number ~ '^400[0-9]{7}$'),
        CONSTRAINT numbers_service_type CHECK (service_type IN ('FOUR_HUNDRED')),
        CONSTRAINT numbers_status CHECK (status IN (${statuses})),
        CONSTRAINT numbers_province_format CHECK (province IS NULL OR province ~ '^[0-9]{2}$'),
        CONSTRAINT numbers_reserved_has_deadline CHECK ((status = 'RESERVED') = (reserved_until IS NOT NULL)),
        CONSTRAINT numbers_reserved_has_reseller CHECK (status <> 'RESERVED' OR reseller_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX numbers_carrier_id_idx ON numbers (carrier_id, number)`);
    await q.query(`CREATE INDEX numbers_reseller_id_idx ON numbers (reseller_id, number) WHERE reseller_id IS NOT NULL`);
    await q.query(`CREATE INDEX numbers_status_idx ON numbers (status)`);

    // The status machine, row for row the TRANSITIONS table of number-status.ts (a test compares them).
    await q.query(`CREATE TABLE number_status_transitions (from_status text NOT NULL, to_status text NOT NULL, PRIMARY KEY (from_status, to_status))`);
    await q.query(`
      INSERT INTO number_status_transitions (from_status, to_status) VALUES
        ('SPARE', 'RESERVED'),
        ('SPARE', 'PENDING_VERIFICATION'),
        ('SPARE', 'FORCE_STOPPED'),
        ('RESERVED', 'SPARE'),
        ('RESERVED', 'PENDING_VERIFICATION'),
        ('RESERVED', 'FORCE_STOPPED'),
        ('PENDING_VERIFICATION', 'ACTIVE'),
        ('PENDING_VERIFICATION', 'SUSPENDED'),
        ('PENDING_VERIFICATION', 'TERMINATED'),
        ('PENDING_VERIFICATION', 'FORCE_STOPPED'),
        ('ACTIVE', 'SUSPENDED'),
        ('ACTIVE', 'TERMINATED'),
        ('ACTIVE', 'FORCE_STOPPED'),
        ('SUSPENDED', 'ACTIVE'),
        ('SUSPENDED', 'TERMINATED'),
        ('SUSPENDED', 'FORCE_STOPPED'),
        ('FORCE_STOPPED', 'SPARE'),
        ('FORCE_STOPPED', 'RESERVED'),
        ('FORCE_STOPPED', 'PENDING_VERIFICATION'),
        ('FORCE_STOPPED', 'ACTIVE'),
        ('FORCE_STOPPED', 'SUSPENDED'),
        ('FORCE_STOPPED', 'TERMINATED'),
        ('FORCE_STOPPED', 'AGING'),
        ('TERMINATED', 'AGING'),
        ('TERMINATED', 'FORCE_STOPPED'),
        ('AGING', 'SPARE'),
        ('AGING', 'FORCE_STOPPED')`);
    // Nothing, whatever route it takes, moves a number outside the machine. Leaving
    // FORCE_STOPPED needs the lifting of shutdown orders, which sets registry.lifting.
    await q.query(STATUS_GUARD_1763910000000);
    await q.query(`CREATE TRIGGER numbers_status_guard BEFORE UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION numbers_status_guard()`);

    // The change feed: one row per change of a number, in commit order (writers hold a lock).
    await q.query(`
      CREATE TABLE number_changes (
        seq bigserial PRIMARY KEY,
        number text NOT NULL REFERENCES numbers(number) ON DELETE RESTRICT,
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        reseller_id uuid REFERENCES organizations(id),
        previous_reseller_id uuid REFERENCES organizations(id),
        status text NOT NULL,
        previous_status text,
        province text,
        cause text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX number_changes_number_idx ON number_changes (number)`);
    await q.query(`CREATE INDEX number_changes_carrier_idx ON number_changes (carrier_id, seq)`);
    await q.query(`CREATE INDEX number_changes_reseller_idx ON number_changes (reseller_id, seq) WHERE reseller_id IS NOT NULL`);
    await q.query(`CREATE INDEX number_changes_previous_reseller_idx ON number_changes (previous_reseller_id, seq) WHERE previous_reseller_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE sync_requests (
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        idempotency_key text NOT NULL,
        input_digest text NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (carrier_id, idempotency_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_requests`);
    await q.query(`DROP TABLE number_changes`);
    await q.query(`DROP TABLE numbers`);
    await q.query(`DROP FUNCTION numbers_status_guard()`);
    await q.query(`DROP TABLE number_status_transitions`);
  }
}

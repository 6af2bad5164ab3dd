import { MigrationInterface, QueryRunner } from "typeorm";
import { STATUS_GUARD_1763930000000 } from "./1763930000000-Subscribers";

/** The number status guard as this migration leaves it (a later migration's down restores it). */
export const STATUS_GUARD_1763940000000 = `
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
          -- The sweeps' drills run as of a given time: registry.clock, set for their transaction.
          IF NEW.status_since IS NOT DISTINCT FROM OLD.status_since THEN
            NEW.status_since := coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now());
          END IF;
          IF NEW.status = 'SUSPENDED' THEN
            NEW.suspension := coalesce(NEW.suspension, 'CARRIER');
          ELSIF NEW.status <> 'FORCE_STOPPED' THEN
            NEW.suspension := NULL;
          END IF;
          IF NEW.status IN ('SPARE', 'RESERVED', 'AGING') THEN
            NEW.subscriber_id := NULL;
          END IF;
          IF NEW.status <> 'RESERVED' AND NEW.status <> 'FORCE_STOPPED' THEN
            NEW.reserved_until := NULL;
          END IF;
          IF NEW.status = 'SPARE' THEN
            NEW.aging_days := NULL;
          END IF;
        END IF;
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`;

/**
 * Emergency shutdown orders and their items, never deleted; a number is
 * FORCE_STOPPED exactly while an order in effect names it, which the database
 * checks whatever route moves it; the change feed names the order behind a change.
 */
export class Shutdown1763940000000 implements MigrationInterface {
  name = "Shutdown1763940000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shutdown_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        issued_by uuid NOT NULL REFERENCES organizations(id),
        issued_by_actor text NOT NULL,
        case_number text NOT NULL,
        legal_basis text NOT NULL,
        reason text NOT NULL,
        note text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'IN_EFFECT',
        unknown_numbers text[] NOT NULL DEFAULT '{}',
        issued_at timestamptz NOT NULL DEFAULT now(),
        acknowledgement_deadline timestamptz NOT NULL,
        execution_deadline timestamptz NOT NULL,
        lifted_at timestamptz,
        lifted_by uuid REFERENCES organizations(id),
        lift_reason text,
        CONSTRAINT shutdown_orders_reason CHECK (reason IN ('TELECOM_FRAUD','HARASSMENT','ILLEGAL_MARKETING','SPOOFING','OTHER')),
        CONSTRAINT shutdown_orders_status CHECK (status IN ('IN_EFFECT','LIFTED')),
        CONSTRAINT shutdown_orders_lifted CHECK ((status = 'LIFTED') = (lifted_at IS NOT NULL AND lifted_by IS NOT NULL AND lift_reason IS NOT NULL)),
        CONSTRAINT shutdown_orders_deadlines CHECK (acknowledgement_deadline >= issued_at AND execution_deadline >= issued_at)
      )`);
    await q.query(`CREATE INDEX shutdown_orders_issuer_idx ON shutdown_orders (issued_by, seq)`);
    await q.query(`CREATE INDEX shutdown_orders_case_idx ON shutdown_orders (case_number)`);

    await q.query(`
      CREATE TABLE shutdown_items (
        order_id uuid NOT NULL REFERENCES shutdown_orders(id),
        number text NOT NULL REFERENCES numbers(number),
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        -- What the number was before any order stopped it: where it returns when the last is lifted.
        previous_status text NOT NULL,
        state text NOT NULL DEFAULT 'NOTIFIED',
        acknowledged_at timestamptz,
        executed_at timestamptz,
        PRIMARY KEY (order_id, number),
        CONSTRAINT shutdown_items_state CHECK (state IN ('NOTIFIED','ACKNOWLEDGED','EXECUTED')),
        CONSTRAINT shutdown_items_previous CHECK (previous_status <> 'FORCE_STOPPED'),
        CONSTRAINT shutdown_items_times CHECK (
          (state = 'NOTIFIED' AND acknowledged_at IS NULL AND executed_at IS NULL) OR
          (state = 'ACKNOWLEDGED' AND acknowledged_at IS NOT NULL AND executed_at IS NULL) OR
          (state = 'EXECUTED' AND acknowledged_at IS NOT NULL AND executed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX shutdown_items_number_idx ON shutdown_items (number)`);
    await q.query(`CREATE INDEX shutdown_items_carrier_idx ON shutdown_items (carrier_id, order_id)`);

    // Orders and items are records: changed by the workflow, never removed.
    await q.query(`
      CREATE TRIGGER shutdown_orders_never_deleted BEFORE DELETE OR TRUNCATE ON shutdown_orders
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    await q.query(`
      CREATE TRIGGER shutdown_items_never_deleted BEFORE DELETE OR TRUNCATE ON shutdown_items
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);

    await q.query(`ALTER TABLE number_changes ADD COLUMN order_id uuid`);

    // FORCE_STOPPED exactly while an order in effect names the number: entering needs
    // one, leaving needs none left (and the lifting flag the lift sets).
    await q.query(STATUS_GUARD_1763940000000);
    // Whether an order in effect names the number, checked once per statement (set-based,
    // planned afresh each time): entering FORCE_STOPPED needs one, leaving it needs none.
    await q.query(`
      CREATE FUNCTION numbers_force_stop_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        bad record;
      BEGIN
        EXECUTE $q$
          SELECT n.number, n.status = 'FORCE_STOPPED' AS entering
            FROM new_rows n JOIN old_rows o ON o.number = n.number
           WHERE (n.status = 'FORCE_STOPPED') <> (o.status = 'FORCE_STOPPED')
             AND (n.status = 'FORCE_STOPPED') <> EXISTS (
                   SELECT 1 FROM shutdown_items i JOIN shutdown_orders s ON s.id = i.order_id
                    WHERE i.number = n.number AND s.status = 'IN_EFFECT')
           LIMIT 1 $q$ INTO bad;
        IF bad.number IS NOT NULL AND bad.entering THEN
          RAISE EXCEPTION 'number % is FORCE_STOPPED only by a shutdown order in effect', bad.number USING ERRCODE = 'check_violation';
        ELSIF bad.number IS NOT NULL THEN
          RAISE EXCEPTION 'number % is FORCE_STOPPED: only lifting its shutdown orders changes its status', bad.number
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER numbers_force_stop_guard AFTER UPDATE ON numbers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_force_stop_guard()`);
    // And no number is created stopped: an order names only numbers that exist.
    await q.query(`
      CREATE FUNCTION numbers_created_not_stopped() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        stopped text;
      BEGIN
        SELECT number INTO stopped FROM new_rows WHERE status = 'FORCE_STOPPED' LIMIT 1;
        IF stopped IS NOT NULL THEN
          RAISE EXCEPTION 'number % is FORCE_STOPPED only by a shutdown order in effect', stopped USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER numbers_created_not_stopped AFTER INSERT ON numbers
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_created_not_stopped()`);

    // A stopped reservation keeps its deadline, to return to it when lifted.
    await q.query(`ALTER TABLE numbers DROP CONSTRAINT numbers_reserved_has_deadline`);
    await q.query(`
      ALTER TABLE numbers ADD CONSTRAINT numbers_reserved_has_deadline
        CHECK (CASE status WHEN 'RESERVED' THEN reserved_until IS NOT NULL WHEN 'FORCE_STOPPED' THEN TRUE ELSE reserved_until IS NULL END)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE numbers DROP CONSTRAINT numbers_reserved_has_deadline`);
    await q.query(`ALTER TABLE numbers ADD CONSTRAINT numbers_reserved_has_deadline CHECK ((status = 'RESERVED') = (reserved_until IS NOT NULL))`);
    await q.query(`DROP TRIGGER numbers_created_not_stopped ON numbers`);
    await q.query(`DROP FUNCTION numbers_created_not_stopped()`);
    await q.query(`DROP TRIGGER numbers_force_stop_guard ON numbers`);
    await q.query(`DROP FUNCTION numbers_force_stop_guard()`);
    await q.query(`ALTER TABLE number_changes DROP COLUMN order_id`);
    await q.query(`DROP TABLE shutdown_items`);
    await q.query(`DROP TABLE shutdown_orders`);
    await q.query(STATUS_GUARD_1763930000000);
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";
import { STATUS_GUARD_1763940000000 } from "./1763940000000-Shutdown";

/**
 * The number status guard as this migration leaves it. Beside what 1763940000000's did, it holds the
 * quarantine and who may hold a number:
 * - a number enters AGING only with its period (aging_days); aging_until is when it ends, counted from the
 *   clock (never from a status_since a statement gives), kept through a shutdown order and moved only when
 *   the period changes (a fraud order lengthens it);
 * - a number whose quarantine has not ended never becomes SPARE (nor anything but AGING, TERMINATED or
 *   FORCE_STOPPED), whichever route tries: "now" is the sweep's clock, registry.clock, when it runs as of a time;
 * - no route shortens a period except lifting an order issued by mistake (registry.lifting);
 * - a number changes subscriber only when it is assigned from SPARE or RESERVED, or let go as it returns
 *   to the pool (SPARE, RESERVED, AGING).
 * It now runs on INSERT too (a number new to the registry may start AGING).
 */
export const STATUS_GUARD_1763998000000 = `
      CREATE OR REPLACE FUNCTION numbers_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        clock timestamptz := coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now());
      BEGIN
        IF TG_OP = 'INSERT' THEN
          IF NEW.status = 'AGING' THEN
            IF NEW.aging_days IS NULL THEN
              RAISE EXCEPTION 'number % enters AGING without its period (aging_days)', NEW.number USING ERRCODE = 'check_violation';
            END IF;
            NEW.aging_until := clock + make_interval(days => NEW.aging_days);
          ELSE
            NEW.aging_until := NULL;
          END IF;
          RETURN NEW;
        END IF;

        IF NEW.aging_days IS DISTINCT FROM OLD.aging_days AND OLD.aging_days IS NOT NULL
           AND (NEW.aging_days IS NULL OR NEW.aging_days < OLD.aging_days)
           AND coalesce(current_setting('registry.lifting', true), '') <> 'on' THEN
          RAISE EXCEPTION 'number %: no route shortens its quarantine of % days', OLD.number, OLD.aging_days
            USING ERRCODE = 'check_violation';
        END IF;

        IF NEW.status IS DISTINCT FROM OLD.status THEN
          IF NOT EXISTS (SELECT 1 FROM number_status_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
            RAISE EXCEPTION 'illegal number status transition % -> % for %', OLD.status, NEW.status, OLD.number
              USING ERRCODE = 'check_violation';
          END IF;
          IF OLD.status = 'FORCE_STOPPED' AND coalesce(current_setting('registry.lifting', true), '') <> 'on' THEN
            RAISE EXCEPTION 'number % is FORCE_STOPPED: only lifting its shutdown orders changes its status', OLD.number
              USING ERRCODE = 'check_violation';
          END IF;
          IF OLD.aging_until IS NOT NULL AND NEW.status NOT IN ('AGING', 'TERMINATED', 'FORCE_STOPPED') AND clock < OLD.aging_until THEN
            RAISE EXCEPTION 'number % is in quarantine until %: only the sweep returns it to SPARE then', OLD.number, OLD.aging_until
              USING ERRCODE = 'check_violation';
          END IF;
          -- The sweeps' drills run as of a given time: registry.clock, set for their transaction.
          IF NEW.status_since IS NOT DISTINCT FROM OLD.status_since THEN
            NEW.status_since := clock;
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

        IF NEW.status = 'AGING' AND NEW.aging_days IS NULL THEN
          RAISE EXCEPTION 'number % enters AGING without its period (aging_days)', OLD.number USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status IN ('AGING', 'FORCE_STOPPED') AND OLD.aging_until IS NOT NULL THEN
          -- Aging, or stopped while aging: the end is kept, moved only as the period changes.
          NEW.aging_until := OLD.aging_until
            + make_interval(days => coalesce(NEW.aging_days, OLD.aging_days, 0) - coalesce(OLD.aging_days, 0));
        ELSIF NEW.status = 'AGING' THEN
          NEW.aging_until := clock + make_interval(days => NEW.aging_days);
        ELSE
          NEW.aging_until := NULL;
        END IF;

        IF NEW.subscriber_id IS DISTINCT FROM OLD.subscriber_id
           AND NOT (OLD.subscriber_id IS NULL AND OLD.status IN ('SPARE', 'RESERVED'))
           AND NOT (NEW.subscriber_id IS NULL AND NEW.status IN ('SPARE', 'RESERVED', 'AGING')) THEN
          RAISE EXCEPTION 'number % is %: its subscriber changes only when it is assigned from SPARE or RESERVED', OLD.number, OLD.status
            USING ERRCODE = 'check_violation';
        END IF;

        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`;

/**
 * The quarantine held by the database: `aging_until` on every AGING number, no return to SPARE before it
 * by any route, no shortening of the period; and a number's subscriber changes only by assignment.
 */
export class Quarantine1763998000000 implements MigrationInterface {
  name = "Quarantine1763998000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE numbers ADD COLUMN aging_until timestamptz`);
    // Numbers already aging: the default period (DESIGN.md: 90 days), counted from when they began.
    await q.query(`
      UPDATE numbers SET aging_days = coalesce(aging_days, 90),
                         aging_until = status_since + make_interval(days => coalesce(aging_days, 90))
       WHERE status = 'AGING'`);
    await q.query(`
      ALTER TABLE numbers ADD CONSTRAINT numbers_aging_until
        CHECK ((status = 'AGING') <= (aging_until IS NOT NULL AND aging_days IS NOT NULL))`);
    // The sweep's question, "whose quarantine has ended?", without a scan of every number.
    await q.query(`CREATE INDEX numbers_aging_until_idx ON numbers (aging_until) WHERE status = 'AGING'`);
    await q.query(STATUS_GUARD_1763998000000);
    await q.query(`DROP TRIGGER numbers_status_guard ON numbers`);
    await q.query(`CREATE TRIGGER numbers_status_guard BEFORE INSERT OR UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION numbers_status_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER numbers_status_guard ON numbers`);
    await q.query(STATUS_GUARD_1763940000000);
    await q.query(`CREATE TRIGGER numbers_status_guard BEFORE UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION numbers_status_guard()`);
    await q.query(`DROP INDEX numbers_aging_until_idx`);
    await q.query(`ALTER TABLE numbers DROP CONSTRAINT numbers_aging_until`);
    await q.query(`ALTER TABLE numbers DROP COLUMN aging_until`);
  }
}

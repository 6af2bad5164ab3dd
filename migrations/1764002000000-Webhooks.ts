import { MigrationInterface, QueryRunner } from "typeorm";

const EVENTS = `ARRAY['SHUTDOWN_ORDER_ISSUED','NUMBER_CHANGED','TRUNK_BLACKLISTED','SHUTDOWN_ITEM_OVERDUE']`;
// Writers of registry_events hold this lock until they commit, so the log's sequence is its commit order
// (as NUMBERS_LOCK does for number_changes): a reader resuming after seq C never misses an event.
const EVENTS_LOCK = 4_155_444_957;

/**
 * Webhooks (issue 17): an organisation's endpoints, and what the delivery worker sends them.
 *
 * Deliveries come from two ordered, append-only sources, each read after a durable cursor kept on the
 * endpoint: the change feed (number_changes: NUMBER_CHANGED, and SHUTDOWN_ORDER_ISSUED from the feed's
 * SHUTDOWN rows, which name their order) and the registry's event log, registry_events, added here for
 * what is no change of a number:
 *   - TRUNK_BLACKLISTED: one event per blacklist entry that catches trunks, written by the trigger
 *     blacklist_trunk_events in the transaction that inserts the entry (recordPenalty with blacklist);
 *   - SHUTDOWN_ITEM_OVERDUE: one event per item and deadline, written by the delivery worker when it finds
 *     the deadline passed without the step (a deadline passing commits nothing that could write it).
 * registry_events is append-only and written in commit order (registry_events_in_commit_order). Commits to
 * either source NOTIFY registry_webhooks, which wakes the worker on PostgreSQL at once.
 *
 * webhooks: never deleted; a disabled endpoint is never enabled again, and its address, events, secret and
 * organisation never change, nor do its cursors go back. webhook_deliveries: one per endpoint and sequence,
 * its body kept as signed; webhook_delivery_attempts: every attempt, never changed. webhook_worker_lease:
 * the one row whose holder delivers.
 */
export class Webhooks1764002000000 implements MigrationInterface {
  name = "Webhooks1764002000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        url text NOT NULL,
        events text[] NOT NULL,
        -- The signing secret, sealed with the personal-data key (PiiVault); never returned.
        secret_sealed text NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE',
        disabled_reason text,
        disabled_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_delivered_at timestamptz,
        -- Where the endpoint's deliveries have been planned to in each source, and its last delivery's sequence.
        changes_cursor bigint NOT NULL,
        events_cursor bigint NOT NULL,
        last_sequence bigint NOT NULL DEFAULT 0,
        CONSTRAINT webhooks_url CHECK (url ~ '^https?://' AND length(url) <= 2048),
        CONSTRAINT webhooks_events CHECK (cardinality(events) BETWEEN 1 AND 4 AND events <@ ${EVENTS}),
        CONSTRAINT webhooks_status CHECK (status IN ('ACTIVE','DISABLED')),
        CONSTRAINT webhooks_disabled CHECK ((status = 'DISABLED') = (disabled_at IS NOT NULL AND disabled_reason IS NOT NULL)),
        CONSTRAINT webhooks_positions CHECK (changes_cursor >= 0 AND events_cursor >= 0 AND last_sequence >= 0)
      )`);
    await q.query(`CREATE INDEX webhooks_organization_idx ON webhooks (organization_id, seq)`);
    await q.query(`CREATE INDEX webhooks_active_idx ON webhooks (seq) WHERE status = 'ACTIVE'`);
    await q.query(`
      CREATE FUNCTION webhooks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'DISABLED' AND NEW.status <> 'DISABLED' THEN
          RAISE EXCEPTION 'webhook % is disabled: register a new one', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.url IS DISTINCT FROM OLD.url OR NEW.events IS DISTINCT FROM OLD.events OR NEW.secret_sealed IS DISTINCT FROM OLD.secret_sealed
           OR NEW.organization_id IS DISTINCT FROM OLD.organization_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
          RAISE EXCEPTION 'webhook %: its address, events, secret and organisation never change', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.changes_cursor < OLD.changes_cursor OR NEW.events_cursor < OLD.events_cursor OR NEW.last_sequence < OLD.last_sequence THEN
          RAISE EXCEPTION 'webhook %: its cursors never go back', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER webhooks_guard BEFORE UPDATE ON webhooks FOR EACH ROW EXECUTE FUNCTION webhooks_guard()`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        webhook_id uuid NOT NULL REFERENCES webhooks(id),
        sequence bigint NOT NULL,
        event text NOT NULL,
        -- The source's position this delivery carries: the change feed's sequence, or the event log's.
        cursor bigint NOT NULL,
        -- The JSON body exactly as sent (each attempt signs it afresh with its own timestamp).
        body text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        created_at timestamptz NOT NULL DEFAULT now(),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- Set by the first attempt (and again by a replay): the end of the retry window.
        retry_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        replay_pending boolean NOT NULL DEFAULT false,
        CONSTRAINT webhook_deliveries_sequence UNIQUE (webhook_id, sequence),
        CONSTRAINT webhook_deliveries_event CHECK (event = ANY (${EVENTS})),
        CONSTRAINT webhook_deliveries_status CHECK (status IN ('PENDING','DELIVERED','FAILED','CANCELLED')),
        CONSTRAINT webhook_deliveries_delivered CHECK (status <> 'DELIVERED' OR delivered_at IS NOT NULL),
        CONSTRAINT webhook_deliveries_positive CHECK (sequence > 0 AND cursor >= 0 AND attempts >= 0)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, sequence) WHERE status = 'PENDING'`);
    await q.query(`
      CREATE TABLE webhook_delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id),
        attempt integer NOT NULL,
        replay boolean NOT NULL DEFAULT false,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        -- The address connected to, after resolving the endpoint's host.
        address text,
        status_code integer,
        error text,
        PRIMARY KEY (delivery_id, attempt),
        CONSTRAINT webhook_delivery_attempts_outcome CHECK (status_code IS NOT NULL OR error IS NOT NULL),
        CONSTRAINT webhook_delivery_attempts_duration CHECK (duration_ms >= 0)
      )`);
    // Endpoints stay on record; the delivery log is operational (a retention job may prune it), but an attempt never changes.
    await q.query(`CREATE TRIGGER webhooks_never_deleted BEFORE DELETE OR TRUNCATE ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    await q.query(`
      CREATE TRIGGER webhook_delivery_attempts_append_only BEFORE UPDATE ON webhook_delivery_attempts
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);

    // The one lease on delivering: held by one server instance at a time, until it lapses or is released.
    await q.query(`
      CREATE TABLE webhook_worker_lease (
        name text PRIMARY KEY,
        holder text,
        expires_at timestamptz NOT NULL DEFAULT '-infinity'
      )`);
    await q.query(`INSERT INTO webhook_worker_lease (name) VALUES ('delivery')`);

    await q.query(`
      CREATE TABLE registry_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        -- The blacklist entry that caught the trunks (no foreign key: lifting a blacklisting one day must not be blocked by its history).
        blacklist_id uuid,
        trunk_ids uuid[],
        order_id uuid REFERENCES shutdown_orders(id),
        number text,
        deadline text,
        deadline_at timestamptz,
        CONSTRAINT registry_events_kind CHECK (kind IN ('TRUNK_BLACKLISTED','SHUTDOWN_ITEM_OVERDUE')),
        CONSTRAINT registry_events_blacklisted CHECK (kind <> 'TRUNK_BLACKLISTED' OR (blacklist_id IS NOT NULL AND cardinality(trunk_ids) > 0)),
        CONSTRAINT registry_events_overdue CHECK (kind <> 'SHUTDOWN_ITEM_OVERDUE' OR
          (order_id IS NOT NULL AND number IS NOT NULL AND deadline IN ('ACKNOWLEDGEMENT','EXECUTION') AND deadline_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX registry_events_blacklist_idx ON registry_events (blacklist_id) WHERE blacklist_id IS NOT NULL`);
    // Once per item and deadline.
    await q.query(`
      CREATE UNIQUE INDEX registry_events_overdue_once ON registry_events (order_id, number, deadline)
      WHERE kind = 'SHUTDOWN_ITEM_OVERDUE'`);
    await q.query(`
      CREATE TRIGGER registry_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON registry_events
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    // Before the statement's rows take their sequence numbers: one writer at a time, until it commits.
    await q.query(`
      CREATE FUNCTION registry_events_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(${EVENTS_LOCK});
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER registry_events_in_commit_order BEFORE INSERT ON registry_events
      FOR EACH STATEMENT EXECUTE FUNCTION registry_events_in_commit_order()`);

    // A blacklist entry (a penalty's, or any other route's) records the trunks it catches: those of the call
    // centres whose company is the entry's USCC, or whose company's subscribers have the entry's legal
    // representative (as callCenterBlacklisted in src/modules/trunks reads the blacklist).
    await q.query(`
      CREATE FUNCTION blacklist_trunk_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO registry_events (kind, blacklist_id, trunk_ids)
        SELECT 'TRUNK_BLACKLISTED', NEW.id, array_agg(t.id ORDER BY t.seq)
          FROM trunk_lines t
         WHERE t.call_center_id IN (
                 SELECT o.id FROM organizations o WHERE o.uscc = NEW.uscc
                 UNION
                 SELECT o.id FROM subscribers s JOIN organizations o ON o.uscc = s.uscc WHERE s.legal_rep_id_hash = NEW.legal_rep_id_hash)
        HAVING count(*) > 0;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER blacklist_trunk_events AFTER INSERT ON blacklist FOR EACH ROW EXECUTE FUNCTION blacklist_trunk_events()`);

    // Wakes the delivery worker of every instance when a source commits (NOTIFY is sent at commit, once per transaction).
    await q.query(`
      CREATE FUNCTION webhooks_wake() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('registry_webhooks', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER number_changes_wake_webhooks AFTER INSERT ON number_changes FOR EACH STATEMENT EXECUTE FUNCTION webhooks_wake()`);
    await q.query(`CREATE TRIGGER registry_events_wake_webhooks AFTER INSERT ON registry_events FOR EACH STATEMENT EXECUTE FUNCTION webhooks_wake()`);

    // The worker reads SHUTDOWN rows of the feed after a cursor (which orders were issued), and looks for
    // items still open in orders in effect (overdue).
    await q.query(`CREATE INDEX number_changes_shutdown_idx ON number_changes (seq) WHERE cause = 'SHUTDOWN' AND order_id IS NOT NULL`);
    await q.query(`CREATE INDEX shutdown_items_open_idx ON shutdown_items (order_id) WHERE state <> 'EXECUTED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX shutdown_items_open_idx`);
    await q.query(`DROP INDEX number_changes_shutdown_idx`);
    await q.query(`DROP TRIGGER registry_events_wake_webhooks ON registry_events`);
    await q.query(`DROP TRIGGER number_changes_wake_webhooks ON number_changes`);
    await q.query(`DROP FUNCTION webhooks_wake()`);
    await q.query(`DROP TRIGGER blacklist_trunk_events ON blacklist`);
    await q.query(`DROP FUNCTION blacklist_trunk_events()`);
    await q.query(`DROP TABLE registry_events`);
    await q.query(`DROP FUNCTION registry_events_in_commit_order()`);
    await q.query(`DROP TABLE webhook_worker_lease`);
    await q.query(`DROP TABLE webhook_delivery_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
    await q.query(`DROP FUNCTION webhooks_guard()`);
  }
}

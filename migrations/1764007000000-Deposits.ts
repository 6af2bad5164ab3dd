import { MigrationInterface, QueryRunner } from "typeorm";

/** Whether a number may serve (enter or stay ACTIVE) as far as its current subscriber's deposit goes. */
const NUMBER_MAY_SERVE = `
      CREATE FUNCTION number_may_serve(p_number text, p_subscriber uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT NOT EXISTS (
          SELECT 1 FROM deposits d
           WHERE d.number = p_number AND d.subscriber_id = p_subscriber
             AND (d.status = 'FORFEITED'
                  OR (d.status = 'DUE' AND (d.follow_until IS NULL
                      OR d.follow_until <= coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now())))))
      $$`;

/**
 * The one writer of postings. For each deposit, unless it already has a posting of this kind (a replay
 * changes nothing): checks the move, writes the posting and its two entries (the amount out of one account,
 * into another) and moves the status. Returns how many deposits it moved.
 *   POST     -> DUE       the reseller's obligation to the carrier's receivable
 *   RECEIVE  DUE -> HELD  the carrier's receivable to what it holds for the reseller
 *   FORFEIT  DUE|HELD -> FORFEITED  to the state's forfeited account
 *   RELEASE  HELD -> RELEASED  what the carrier holds to what it owes the reseller back;
 *            DUE -> RELEASED   never paid: the receivable back to the obligation (cancelled)
 *   REFUND   RELEASED (paid) -> REFUNDED  what is owed back to the reseller's obligation, settled
 */
const DEPOSIT_TRANSFER = `
      CREATE FUNCTION deposit_transfer(p_ids uuid[], p_kind text, p_reference text, p_order uuid, p_decision text, p_by uuid)
      RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        clock timestamptz := coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now());
        d deposits%ROWTYPE;
        posting bigint;
        source uuid;
        target uuid;
        moved integer := 0;
      BEGIN
        FOR d IN SELECT * FROM deposits WHERE id = ANY(p_ids) ORDER BY id FOR UPDATE LOOP
          CONTINUE WHEN EXISTS (SELECT 1 FROM deposit_postings WHERE deposit_id = d.id AND kind = p_kind);
          IF p_kind = 'POST' AND d.status = 'DUE' THEN
            source := deposit_account('RESELLER_OBLIGATION', d.reseller_id, d.carrier_id);
            target := deposit_account('CARRIER_DUE', d.carrier_id, d.reseller_id);
          ELSIF p_kind = 'RECEIVE' AND d.status = 'DUE' THEN
            source := deposit_account('CARRIER_DUE', d.carrier_id, d.reseller_id);
            target := deposit_account('CARRIER_HELD', d.carrier_id, d.reseller_id);
          ELSIF p_kind = 'FORFEIT' AND d.status IN ('DUE', 'HELD') THEN
            source := deposit_account(CASE d.status WHEN 'DUE' THEN 'CARRIER_DUE' ELSE 'CARRIER_HELD' END, d.carrier_id, d.reseller_id);
            target := deposit_account('FORFEITED', NULL, NULL);
          ELSIF p_kind = 'RELEASE' AND d.status = 'DUE' THEN
            source := deposit_account('CARRIER_DUE', d.carrier_id, d.reseller_id);
            target := deposit_account('RESELLER_OBLIGATION', d.reseller_id, d.carrier_id);
          ELSIF p_kind = 'RELEASE' AND d.status = 'HELD' THEN
            source := deposit_account('CARRIER_HELD', d.carrier_id, d.reseller_id);
            target := deposit_account('RESELLER_REFUND_DUE', d.reseller_id, d.carrier_id);
          ELSIF p_kind = 'REFUND' AND d.status = 'RELEASED' AND d.paid THEN
            source := deposit_account('RESELLER_REFUND_DUE', d.reseller_id, d.carrier_id);
            target := deposit_account('RESELLER_OBLIGATION', d.reseller_id, d.carrier_id);
          ELSE
            RAISE EXCEPTION 'deposit % is % (paid: %): no % posting', d.id, d.status, d.paid, p_kind USING ERRCODE = 'check_violation';
          END IF;
          INSERT INTO deposit_postings (deposit_id, kind, at, reference, order_id, decision_reference, recorded_by)
          VALUES (d.id, p_kind, clock, p_reference, p_order, p_decision, p_by) RETURNING id INTO posting;
          INSERT INTO deposit_entries (posting_id, account_id, amount_fen) VALUES (posting, source, -d.amount_fen), (posting, target, d.amount_fen);
          IF p_kind <> 'POST' THEN
            UPDATE deposits SET status = CASE p_kind WHEN 'RECEIVE' THEN 'HELD' WHEN 'FORFEIT' THEN 'FORFEITED'
                                                     WHEN 'RELEASE' THEN 'RELEASED' ELSE 'REFUNDED' END,
                                paid = paid OR p_kind = 'RECEIVE'
             WHERE id = d.id;
          END IF;
          moved := moved + 1;
        END LOOP;
        RETURN moved;
      END $$`;

/**
 * A deposit behind every number (issue 19), kept as a double-entry ledger the database holds.
 *
 * - deposit_schedules: the regulator's amounts (national, or a province's own), each from a day; never
 *   changed or deleted (a new amount is a new row). Amounts are integer fen.
 * - deposits: one per assignment of a number (number, subscriber, the reseller that sold it, the carrier
 *   that holds it, the amount in force that day). Its status says where its money sits: DUE (the reseller
 *   owes it to the carrier), HELD (the carrier holds it), FORFEITED (confirmed fraud: the state's),
 *   RELEASED (owed back to the reseller, or, never paid, the obligation cancelled), REFUNDED.
 * - deposit_postings and deposit_entries: every change of a deposit is a posting of entries that move its
 *   amount from one account to another; entries never change and every posting sums to zero (checked
 *   at commit), so the ledger always balances. A deposit has at most one posting of each kind
 *   (replays change nothing), and its status is the one its last posting gives.
 * - deposit_transfer(): the one writer of postings, used by the application and by the triggers below.
 * - On numbers: an assignment posts the deposit in force (the same statement); a number enters ACTIVE only
 *   with its deposit HELD, or DUE within the schedule's grace (follow_until); a number leaving its
 *   subscriber (taken back, terminated, back to the pool) releases a standing deposit, except at
 *   termination while a fraud or illegal-marketing order names it (it waits for confirmFraud, or for the
 *   quarantine's end).
 */
export class Deposits1764007000000 implements MigrationInterface {
  name = "Deposits1764007000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deposit_schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        province text CHECK (province IS NULL OR province ~ '^[0-9]{2}$'),
        amount_fen bigint NOT NULL CHECK (amount_fen >= 0 AND amount_fen <= 100000000),
        effective_from date NOT NULL,
        follow_days integer CHECK (follow_days IS NULL OR follow_days BETWEEN 1 AND 90),
        set_by uuid NOT NULL REFERENCES organizations(id),
        set_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX deposit_schedules_day ON deposit_schedules (coalesce(province, ''), effective_from)`);
    await q.query(`CREATE INDEX deposit_schedules_set_by_idx ON deposit_schedules (set_by)`);

    await q.query(`
      CREATE TABLE deposit_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('RESELLER_OBLIGATION', 'CARRIER_DUE', 'CARRIER_HELD', 'RESELLER_REFUND_DUE', 'FORFEITED')),
        owner_id uuid REFERENCES organizations(id),
        counterparty_id uuid REFERENCES organizations(id),
        CHECK ((kind = 'FORFEITED') = (owner_id IS NULL AND counterparty_id IS NULL)),
        CHECK (kind = 'FORFEITED' OR (owner_id IS NOT NULL AND counterparty_id IS NOT NULL))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX deposit_accounts_key
        ON deposit_accounts (kind, coalesce(owner_id, '00000000-0000-0000-0000-000000000000'::uuid),
                             coalesce(counterparty_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`CREATE INDEX deposit_accounts_owner_idx ON deposit_accounts (owner_id)`);
    await q.query(`CREATE INDEX deposit_accounts_counterparty_idx ON deposit_accounts (counterparty_id)`);

    await q.query(`
      CREATE TABLE deposits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Posting order, for stable paging.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        number text NOT NULL REFERENCES numbers(number),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        reseller_id uuid NOT NULL REFERENCES organizations(id),
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        province text,
        schedule_id uuid NOT NULL REFERENCES deposit_schedules(id),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        status text NOT NULL DEFAULT 'DUE' CHECK (status IN ('DUE', 'HELD', 'FORFEITED', 'RELEASED', 'REFUNDED')),
        paid boolean NOT NULL DEFAULT false,
        posted_at timestamptz NOT NULL,
        follow_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status <> 'HELD' OR paid),
        CHECK (status <> 'REFUNDED' OR paid)
      )`);
    // One standing deposit a number: a new assignment posts a new one only after the last was settled.
    await q.query(`CREATE UNIQUE INDEX deposits_one_standing ON deposits (number) WHERE status IN ('DUE', 'HELD')`);
    await q.query(`CREATE INDEX deposits_number_idx ON deposits (number, posted_at)`);
    await q.query(`CREATE INDEX deposits_subscriber_idx ON deposits (subscriber_id)`);
    await q.query(`CREATE INDEX deposits_reseller_idx ON deposits (reseller_id, posted_at)`);
    await q.query(`CREATE INDEX deposits_carrier_idx ON deposits (carrier_id, posted_at)`);
    await q.query(`CREATE INDEX deposits_schedule_idx ON deposits (schedule_id)`);
    await q.query(`CREATE INDEX deposits_province_idx ON deposits (province, posted_at)`);
    await q.query(`CREATE INDEX deposits_follow_idx ON deposits (follow_until) WHERE status = 'DUE'`);

    await q.query(`
      CREATE TABLE deposit_postings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        deposit_id uuid NOT NULL REFERENCES deposits(id),
        kind text NOT NULL CHECK (kind IN ('POST', 'RECEIVE', 'FORFEIT', 'RELEASE', 'REFUND')),
        at timestamptz NOT NULL,
        reference text CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 200),
        order_id uuid REFERENCES shutdown_orders(id),
        decision_reference text CHECK (decision_reference IS NULL OR length(decision_reference) BETWEEN 1 AND 200),
        recorded_by uuid REFERENCES organizations(id),
        UNIQUE (deposit_id, kind),
        CHECK ((kind = 'FORFEIT') = (order_id IS NOT NULL AND decision_reference IS NOT NULL)),
        CHECK (kind NOT IN ('RECEIVE', 'REFUND') OR reference IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX deposit_postings_order_idx ON deposit_postings (order_id) WHERE order_id IS NOT NULL`);
    await q.query(`CREATE INDEX deposit_postings_recorded_by_idx ON deposit_postings (recorded_by)`);
    await q.query(`
      CREATE TABLE deposit_entries (
        posting_id bigint NOT NULL REFERENCES deposit_postings(id),
        account_id uuid NOT NULL REFERENCES deposit_accounts(id),
        amount_fen bigint NOT NULL CHECK (amount_fen <> 0),
        PRIMARY KEY (posting_id, account_id)
      )`);
    await q.query(`CREATE INDEX deposit_entries_account_idx ON deposit_entries (account_id)`);

    // A fraud confirmed on an order's item (confirmFraud), and the forfeiture's line in the public penalties list.
    await q.query(`
      ALTER TABLE shutdown_items
        ADD COLUMN fraud_confirmed_at timestamptz,
        ADD COLUMN fraud_decision text CHECK (fraud_decision IS NULL OR length(fraud_decision) BETWEEN 1 AND 200),
        ADD CONSTRAINT shutdown_items_fraud_confirmed CHECK ((fraud_confirmed_at IS NULL) = (fraud_decision IS NULL))`);
    await q.query(`ALTER TABLE penalties ADD COLUMN forfeiture_order_id uuid REFERENCES shutdown_orders(id)`);
    await q.query(`CREATE INDEX penalties_forfeiture_order_idx ON penalties (forfeiture_order_id) WHERE forfeiture_order_id IS NOT NULL`);

    // The ledger is append-only, and so are the schedules: history is never rewritten.
    await q.query(`
      CREATE FUNCTION deposit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % refused: the deposit ledger and schedules are append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ["deposit_schedules", "deposit_postings", "deposit_entries", "deposit_accounts"]) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION deposit_ledger_append_only()`);
    }
    await q.query(`CREATE TRIGGER deposits_never_deleted BEFORE DELETE OR TRUNCATE ON deposits FOR EACH STATEMENT EXECUTE FUNCTION deposit_ledger_append_only()`);

    // Every posting sums to zero, with at least two entries: checked at commit, when all its entries are in.
    await q.query(`
      CREATE FUNCTION deposit_postings_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        total bigint;
        entries int;
      BEGIN
        SELECT coalesce(sum(amount_fen), 0), count(*) INTO total, entries FROM deposit_entries WHERE posting_id = NEW.posting_id;
        IF total <> 0 OR entries < 2 THEN
          RAISE EXCEPTION 'deposit posting % does not balance: % entries summing to % fen', NEW.posting_id, entries, total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER deposit_entries_balanced AFTER INSERT ON deposit_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION deposit_postings_balanced()`);

    // A deposit's identity never changes; its status moves only as its postings say.
    await q.query(`
      CREATE FUNCTION deposits_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.number, NEW.subscriber_id, NEW.reseller_id, NEW.carrier_id, NEW.schedule_id, NEW.amount_fen, NEW.posted_at)
           IS DISTINCT FROM (OLD.number, OLD.subscriber_id, OLD.reseller_id, OLD.carrier_id, OLD.schedule_id, OLD.amount_fen, OLD.posted_at) THEN
          RAISE EXCEPTION 'deposit %: only its status moves', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status THEN
          IF NOT (OLD.status, NEW.status) IN (('DUE', 'HELD'), ('DUE', 'FORFEITED'), ('DUE', 'RELEASED'), ('HELD', 'FORFEITED'),
                                              ('HELD', 'RELEASED'), ('RELEASED', 'REFUNDED')) THEN
            RAISE EXCEPTION 'deposit %: % -> % is not a move of a deposit', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
          END IF;
          IF NOT EXISTS (SELECT 1 FROM deposit_postings p WHERE p.deposit_id = OLD.id
                           AND p.kind = CASE NEW.status WHEN 'HELD' THEN 'RECEIVE' WHEN 'FORFEITED' THEN 'FORFEIT'
                                                        WHEN 'RELEASED' THEN 'RELEASE' WHEN 'REFUNDED' THEN 'REFUND' END) THEN
            RAISE EXCEPTION 'deposit %: % without its posting', OLD.id, NEW.status USING ERRCODE = 'check_violation';
          END IF;
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER deposits_guard BEFORE UPDATE ON deposits FOR EACH ROW EXECUTE FUNCTION deposits_guard()`);
    // The one writer of postings: moves each deposit's amount between its accounts for `kind`, and its status.
    await q.query(`
      CREATE FUNCTION deposit_account(p_kind text, p_owner uuid, p_counterparty uuid) RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE
        found uuid;
      BEGIN
        SELECT id INTO found FROM deposit_accounts
         WHERE kind = p_kind AND owner_id IS NOT DISTINCT FROM p_owner AND counterparty_id IS NOT DISTINCT FROM p_counterparty;
        IF found IS NULL THEN
          INSERT INTO deposit_accounts (kind, owner_id, counterparty_id) VALUES (p_kind, p_owner, p_counterparty)
          ON CONFLICT DO NOTHING RETURNING id INTO found;
          IF found IS NULL THEN
            SELECT id INTO found FROM deposit_accounts
             WHERE kind = p_kind AND owner_id IS NOT DISTINCT FROM p_owner AND counterparty_id IS NOT DISTINCT FROM p_counterparty;
          END IF;
        END IF;
        RETURN found;
      END $$`);
    await q.query(DEPOSIT_TRANSFER);

    // Posted by the assignment itself, whichever route assigns: the schedule in force that day, the province's own first.
    await q.query(`
      CREATE FUNCTION numbers_deposit_post() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        clock timestamptz := coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now());
        posted uuid[];
      BEGIN
        WITH assigned AS (
          SELECT n.number, n.subscriber_id, n.reseller_id, n.carrier_id, n.province
            FROM new_rows n JOIN old_rows o ON o.number = n.number
           WHERE n.subscriber_id IS NOT NULL AND o.subscriber_id IS NULL AND n.reseller_id IS NOT NULL),
        priced AS (
          SELECT a.*, s.id AS schedule_id, s.amount_fen, s.follow_days
            FROM assigned a
            CROSS JOIN LATERAL (
              SELECT x.* FROM deposit_schedules x
               WHERE x.effective_from <= ((clock AT TIME ZONE 'UTC') + interval '8 hours')::date
                 AND (x.province = a.province OR (x.province IS NULL AND NOT EXISTS (
                       SELECT 1 FROM deposit_schedules y WHERE y.province = a.province AND y.effective_from <= ((clock AT TIME ZONE 'UTC') + interval '8 hours')::date)))
               ORDER BY x.effective_from DESC LIMIT 1) s
           WHERE s.amount_fen > 0),
        inserted AS (
          INSERT INTO deposits (number, subscriber_id, reseller_id, carrier_id, province, schedule_id, amount_fen, posted_at, follow_until)
          SELECT number, subscriber_id, reseller_id, carrier_id, province, schedule_id, amount_fen, clock,
                 CASE WHEN follow_days IS NOT NULL THEN clock + make_interval(days => follow_days) END
            FROM priced
          RETURNING id)
        SELECT array_agg(id) INTO posted FROM inserted;
        IF posted IS NOT NULL THEN
          PERFORM deposit_transfer(posted, 'POST', NULL, NULL, NULL, NULL);
        END IF;
        RETURN NULL;
      END $$`);
    // Every deposit has its POST posting, written in the same statement that created it.
    await q.query(`
      CREATE FUNCTION deposits_posted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM deposit_postings p WHERE p.deposit_id = NEW.id AND p.kind = 'POST') THEN
          RAISE EXCEPTION 'deposit % has no POST posting', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER deposits_posted AFTER INSERT ON deposits
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION deposits_posted()`);

    // A number serves (ACTIVE) only with its deposit paid, or due within the schedule's grace.
    await q.query(NUMBER_MAY_SERVE);
    await q.query(`
      CREATE FUNCTION numbers_deposit_serve() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        blocked text;
      BEGIN
        SELECT min(n.number) INTO blocked
          FROM new_rows n JOIN old_rows o ON o.number = n.number
         WHERE n.status = 'ACTIVE' AND o.status <> 'ACTIVE' AND NOT number_may_serve(n.number, n.subscriber_id);
        IF blocked IS NOT NULL THEN
          RAISE EXCEPTION 'number % enters service only with its deposit received (or due within the schedule''s grace)', blocked
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);

    // A number that leaves its subscriber releases its standing deposit; termination under a fraud order waits
    // (for confirmFraud, or for the quarantine's end).
    await q.query(`
      CREATE FUNCTION numbers_deposit_release() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        released uuid[];
      BEGIN
        SELECT array_agg(d.id) INTO released
          FROM new_rows n JOIN old_rows o ON o.number = n.number
          JOIN deposits d ON d.number = n.number AND d.status IN ('DUE', 'HELD')
         WHERE n.status IS DISTINCT FROM o.status
           AND (n.status IN ('SPARE', 'RESERVED')
                OR (n.status IN ('TERMINATED', 'AGING') AND NOT EXISTS (
                      SELECT 1 FROM shutdown_items i JOIN shutdown_orders so ON so.id = i.order_id
                       WHERE i.number = n.number AND so.reason IN ('TELECOM_FRAUD', 'ILLEGAL_MARKETING')
                         AND so.issued_at >= d.posted_at AND NOT so.lifted_as_mistaken)));
        IF released IS NOT NULL THEN
          PERFORM deposit_transfer(released, 'RELEASE', NULL, NULL, NULL, NULL);
        END IF;
        RETURN NULL;
      END $$`);

    // Statement triggers fire in the order of their names: post, then release, then the service check.
    await q.query(`
      CREATE TRIGGER numbers_deposit_1_post AFTER UPDATE ON numbers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_deposit_post()`);
    await q.query(`
      CREATE TRIGGER numbers_deposit_2_release AFTER UPDATE ON numbers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_deposit_release()`);
    await q.query(`
      CREATE TRIGGER numbers_deposit_3_serve AFTER UPDATE ON numbers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_deposit_serve()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const trigger of ["numbers_deposit_1_post", "numbers_deposit_2_release", "numbers_deposit_3_serve"]) {
      await q.query(`DROP TRIGGER ${trigger} ON numbers`);
    }
    await q.query(`DROP TABLE deposit_entries, deposit_postings, deposits, deposit_accounts, deposit_schedules`);
    await q.query(`ALTER TABLE penalties DROP COLUMN forfeiture_order_id`);
    await q.query(`ALTER TABLE shutdown_items DROP CONSTRAINT shutdown_items_fraud_confirmed, DROP COLUMN fraud_decision, DROP COLUMN fraud_confirmed_at`);
    for (const fn of ["numbers_deposit_post()", "numbers_deposit_release()", "numbers_deposit_serve()", "number_may_serve(text, uuid)",
      "deposits_posted()", "deposit_transfer(uuid[], text, text, uuid, text, uuid)", "deposit_account(text, uuid, uuid)",
      "deposits_guard()", "deposit_postings_balanced()", "deposit_ledger_append_only()"]) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";
import { STATUS_GUARD_1763910000000 } from "./1763910000000-Numbers";

/** The number status guard as this migration leaves it (a later migration's down restores it). */
export const STATUS_GUARD_1763930000000 = `
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
          IF NEW.status_since IS NOT DISTINCT FROM OLD.status_since THEN
            NEW.status_since := now();
          END IF;
          -- What each status implies, whichever route moved the number:
          -- a suspension has a kind (a carrier's own records when none is given) and ends with it;
          -- a number back in the pool has no subscriber; its aging period ends with AGING.
          IF NEW.status = 'SUSPENDED' THEN
            NEW.suspension := coalesce(NEW.suspension, 'CARRIER');
          ELSIF NEW.status <> 'FORCE_STOPPED' THEN
            NEW.suspension := NULL;
          END IF;
          IF NEW.status IN ('SPARE', 'RESERVED', 'AGING') THEN
            NEW.subscriber_id := NULL;
          END IF;
          IF NEW.status <> 'RESERVED' THEN
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
 * Subscribers and their real-name identity: papers, checks, risk flags, the
 * blacklist, verification campaigns; numbers gain their subscriber and the
 * database keeps "ACTIVE only with a VERIFIED subscriber".
 */
export class Subscribers1763930000000 implements MigrationInterface {
  name = "Subscribers1763930000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subscribers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Registration order, for stable paging.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        reseller_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        name text NOT NULL,
        uscc text NOT NULL,
        legal_rep_name text NOT NULL,
        -- Resident ID numbers: AES-256-GCM ciphertext, and an HMAC for equality look-ups.
        legal_rep_id_sealed text NOT NULL,
        legal_rep_id_hash text NOT NULL,
        handler_name text NOT NULL,
        handler_id_sealed text NOT NULL,
        handler_id_hash text NOT NULL,
        landline text NOT NULL,
        address text NOT NULL,
        business_scope text NOT NULL,
        declared_use text NOT NULL,
        identity_status text NOT NULL DEFAULT 'DRAFT',
        status_reason text,
        submitted_at timestamptz,
        verified_at timestamptz,
        verified_by uuid REFERENCES organizations(id),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscribers_identity_status CHECK (identity_status IN ('DRAFT','SUBMITTED','VERIFIED','REJECTED','EXPIRED','REVOKED')),
        CONSTRAINT subscribers_uscc_format CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        CONSTRAINT subscribers_hash_format CHECK (legal_rep_id_hash ~ '^[0-9a-f]{64}$' AND handler_id_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT subscribers_verified_has_approver CHECK (identity_status <> 'VERIFIED' OR (verified_at IS NOT NULL AND verified_by IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX subscribers_reseller_idx ON subscribers (reseller_id, seq)`);
    await q.query(`CREATE INDEX subscribers_uscc_idx ON subscribers (uscc)`);
    await q.query(`CREATE INDEX subscribers_legal_rep_idx ON subscribers (legal_rep_id_hash)`);

    await q.query(`
      CREATE TABLE subscriber_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE RESTRICT,
        kind text NOT NULL,
        sha256 text NOT NULL,
        media_type text NOT NULL,
        size_bytes bigint NOT NULL,
        storage_uri text NOT NULL,
        expires_on date,
        attached_by uuid NOT NULL REFERENCES organizations(id),
        attached_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscriber_documents_kind CHECK (kind IN ('BUSINESS_LICENSE','LEGAL_REP_ID','HANDLER_ID','AUTHORIZATION_LETTER',
          'SECURITY_COMMITMENT','VERIFICATION_VIDEO','SUPPLEMENTARY_AGREEMENT','ORG_CODE_CERTIFICATE')),
        CONSTRAINT subscriber_documents_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT subscriber_documents_size CHECK (size_bytes > 0)
      )`);
    await q.query(`CREATE INDEX subscriber_documents_subscriber_idx ON subscriber_documents (subscriber_id)`);
    await q.query(`CREATE INDEX subscriber_documents_sha256_idx ON subscriber_documents (sha256)`);
    await q.query(`CREATE INDEX subscriber_documents_expiry_idx ON subscriber_documents (expires_on) WHERE expires_on IS NOT NULL`);

    await q.query(`
      CREATE TABLE verification_checks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE RESTRICT,
        kind text NOT NULL,
        outcome text NOT NULL,
        note text NOT NULL DEFAULT '',
        organization_id uuid NOT NULL REFERENCES organizations(id),
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT verification_checks_kind CHECK (kind IN ('LANDLINE_CALLBACK','LANDLINE_RECHECK','VIDEO_REVIEW','DOCUMENT_REVIEW')),
        CONSTRAINT verification_checks_outcome CHECK (outcome IN ('PASSED','FAILED'))
      )`);
    await q.query(`CREATE INDEX verification_checks_subscriber_idx ON verification_checks (subscriber_id, at)`);

    await q.query(`
      CREATE TABLE risk_flags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid REFERENCES subscribers(id) ON DELETE RESTRICT,
        number text REFERENCES numbers(number),
        kind text NOT NULL,
        severity text NOT NULL,
        -- What makes two raisings the same flag (the other subscriber, the paper's digest, ...).
        key text NOT NULL,
        detail text NOT NULL,
        raised_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolved_by text,
        resolved_org uuid REFERENCES organizations(id),
        justification text,
        CONSTRAINT risk_flags_severity CHECK (severity IN ('LOW','MEDIUM','HIGH')),
        CONSTRAINT risk_flags_subject CHECK (subscriber_id IS NOT NULL OR number IS NOT NULL),
        CONSTRAINT risk_flags_resolution CHECK ((resolved_at IS NULL) = (justification IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX risk_flags_open_once ON risk_flags (coalesce(subscriber_id::text, number), kind, key) WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX risk_flags_subscriber_idx ON risk_flags (subscriber_id) WHERE subscriber_id IS NOT NULL`);

    // Companies and people who get no new numbers (fed by penalties later; written by hand until then).
    await q.query(`
      CREATE TABLE blacklist (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        uscc text,
        legal_rep_id_hash text,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT blacklist_subject CHECK ((uscc IS NULL) <> (legal_rep_id_hash IS NULL))
      )`);
    await q.query(`CREATE INDEX blacklist_uscc_idx ON blacklist (uscc) WHERE uscc IS NOT NULL`);
    await q.query(`CREATE INDEX blacklist_legal_rep_idx ON blacklist (legal_rep_id_hash) WHERE legal_rep_id_hash IS NOT NULL`);

    // Which carriers supply which resellers: the carrier that re-checks and approves a reseller's subscribers.
    await q.query(`
      CREATE TABLE reseller_supply (
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        reseller_id uuid NOT NULL REFERENCES organizations(id),
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (carrier_id, reseller_id)
      )`);
    await q.query(`CREATE INDEX reseller_supply_reseller_idx ON reseller_supply (reseller_id)`);
    await q.query(`INSERT INTO reseller_supply (carrier_id, reseller_id) SELECT DISTINCT carrier_id, reseller_id FROM numbers WHERE reseller_id IS NOT NULL`);

    // Numbers gain their subscriber, why they are suspended, since when they are in their status,
    // and how long they age once terminated.
    await q.query(`
      ALTER TABLE numbers
        ADD COLUMN subscriber_id uuid REFERENCES subscribers(id) ON DELETE RESTRICT,
        ADD COLUMN status_since timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN suspension text,
        ADD COLUMN aging_days integer,
        ADD CONSTRAINT numbers_subscriber_by_status CHECK (
          CASE status
            WHEN 'PENDING_VERIFICATION' THEN subscriber_id IS NOT NULL
            WHEN 'ACTIVE' THEN subscriber_id IS NOT NULL
            WHEN 'SPARE' THEN subscriber_id IS NULL
            WHEN 'RESERVED' THEN subscriber_id IS NULL
            WHEN 'AGING' THEN subscriber_id IS NULL
            ELSE TRUE
          END),
        ADD CONSTRAINT numbers_suspension CHECK ((status = 'SUSPENDED') = (suspension IS NOT NULL) OR status = 'FORCE_STOPPED'),
        ADD CONSTRAINT numbers_suspension_kind CHECK (suspension IS NULL OR suspension IN ('PAPERS','CAMPAIGN','REGULATOR','CARRIER')),
        ADD CONSTRAINT numbers_aging_days CHECK (aging_days IS NULL OR aging_days >= 45)`);
    await q.query(`CREATE INDEX numbers_subscriber_idx ON numbers (subscriber_id) WHERE subscriber_id IS NOT NULL`);
    // Sweeps look numbers up by status and how long they have had it; status filters use it too.
    await q.query(`DROP INDEX numbers_status_idx`);
    await q.query(`CREATE INDEX numbers_status_idx ON numbers (status, status_since)`);
    await q.query(STATUS_GUARD_1763930000000);

    // ACTIVE only with a VERIFIED subscriber, checked at the end of every statement that
    // could break it, set-based over the statement's transition tables and planned afresh
    // (a plan cached while a table was small would turn a bulk change quadratic). So a
    // subscriber is verified before its numbers go ACTIVE, and its numbers leave ACTIVE
    // before it stops being VERIFIED.
    await q.query(`
      CREATE FUNCTION numbers_active_needs_verified() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        bad text;
      BEGIN
        EXECUTE $q$
          SELECT n.number FROM new_rows n
           WHERE n.status = 'ACTIVE'
             AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED')
           LIMIT 1 $q$ INTO bad;
        IF bad IS NOT NULL THEN
          RAISE EXCEPTION 'number % is ACTIVE without a VERIFIED subscriber', bad USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    for (const event of ["INSERT", "UPDATE"]) {
      await q.query(`
        CREATE TRIGGER numbers_active_needs_verified_${event.toLowerCase()} AFTER ${event} ON numbers
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION numbers_active_needs_verified()`);
    }
    await q.query(`
      CREATE FUNCTION subscribers_keep_active_numbers_verified() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        bad record;
      BEGIN
        EXECUTE $q$
          SELECT s.id, n.number FROM new_rows s JOIN numbers n ON n.subscriber_id = s.id
           WHERE s.identity_status <> 'VERIFIED' AND n.status = 'ACTIVE'
           LIMIT 1 $q$ INTO bad;
        IF bad.id IS NOT NULL THEN
          RAISE EXCEPTION 'subscriber % is no longer VERIFIED but number % is still ACTIVE', bad.id, bad.number USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER subscribers_keep_active_numbers_verified AFTER UPDATE ON subscribers
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_keep_active_numbers_verified()`);

    // A number aged after fraud or a revoked identity never goes back to that company or person.
    await q.query(`
      CREATE TABLE number_bars (
        number text NOT NULL REFERENCES numbers(number),
        uscc text NOT NULL,
        legal_rep_id_hash text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (number, uscc, legal_rep_id_hash)
      )`);

    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        province text,
        targets jsonb NOT NULL,
        hard_deadline date NOT NULL,
        opened_by uuid NOT NULL REFERENCES organizations(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT campaigns_province_format CHECK (province IS NULL OR province ~ '^[0-9]{2}$')
      )`);
    await q.query(`CREATE INDEX campaigns_deadline_idx ON campaigns (hard_deadline)`);
    await q.query(`CREATE INDEX campaigns_opened_by_idx ON campaigns (opened_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaigns`);
    await q.query(`DROP TABLE number_bars`);
    await q.query(`DROP TRIGGER subscribers_keep_active_numbers_verified ON subscribers`);
    await q.query(`DROP FUNCTION subscribers_keep_active_numbers_verified()`);
    await q.query(`DROP TRIGGER numbers_active_needs_verified_insert ON numbers`);
    await q.query(`DROP TRIGGER numbers_active_needs_verified_update ON numbers`);
    await q.query(`DROP FUNCTION numbers_active_needs_verified()`);
    await q.query(`
      ALTER TABLE numbers
        DROP CONSTRAINT numbers_subscriber_by_status, DROP CONSTRAINT numbers_suspension,
        DROP CONSTRAINT numbers_suspension_kind, DROP CONSTRAINT numbers_aging_days,
        DROP COLUMN subscriber_id, DROP COLUMN status_since, DROP COLUMN suspension, DROP COLUMN aging_days`);
    await q.query(`CREATE INDEX numbers_status_idx ON numbers (status)`);
    await q.query(STATUS_GUARD_1763910000000);
    await q.query(`DROP TABLE reseller_supply`);
    await q.query(`DROP TABLE blacklist`);
    await q.query(`DROP TABLE risk_flags`);
    await q.query(`DROP TABLE verification_checks`);
    await q.query(`DROP TABLE subscriber_documents`);
    await q.query(`DROP TABLE subscribers`);
  }
}

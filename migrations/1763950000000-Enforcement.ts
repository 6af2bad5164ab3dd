import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Enforcement: the public's reports of numbers (rate-limited per client, feeding
 * the complaints flag and the regulators' hot list), suspensions by a regulator
 * or carrier with their reason, and administrative penalties, which may
 * blacklist their target. Reports, suspensions and penalties are never deleted.
 */
export class Enforcement1763950000000 implements MigrationInterface {
  name = "Enforcement1763950000000";

  async up(q: QueryRunner): Promise<void> {
    // One report of a number by anyone. The number may be one the registry does not hold;
    // its carrier, reseller, subscriber and province are copied as they were when reported.
    await q.query(`
      CREATE TABLE number_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL,
        carrier_id uuid REFERENCES organizations(id),
        reseller_id uuid REFERENCES organizations(id),
        subscriber_id uuid REFERENCES subscribers(id),
        province text,
        category text NOT NULL,
        description text NOT NULL DEFAULT '',
        -- A keyed hash of the client's address, for the rate limit: never the address itself.
        client_hash text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT number_reports_number_format CHECK (number ~ '^400[0-9]{7}$'),
        CONSTRAINT number_reports_category CHECK (category IN ('FRAUD','HARASSMENT','MARKETING','OUTBOUND_400_DISPLAY','OTHER')),
        CONSTRAINT number_reports_description_length CHECK (length(description) <= 2000),
        CONSTRAINT number_reports_client_hash_format CHECK (client_hash ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX number_reports_client_idx ON number_reports (client_hash, at)`);
    await q.query(`CREATE INDEX number_reports_number_idx ON number_reports (number, at)`);
    // The hot list reads every report of the complaint window, whatever the number.
    await q.query(`CREATE INDEX number_reports_at_idx ON number_reports (at)`);
    await q.query(`CREATE INDEX number_reports_reseller_idx ON number_reports (reseller_id, at) WHERE reseller_id IS NOT NULL`);
    await q.query(`CREATE INDEX number_reports_carrier_idx ON number_reports (carrier_id) WHERE carrier_id IS NOT NULL`);
    await q.query(`CREATE INDEX number_reports_subscriber_idx ON number_reports (subscriber_id) WHERE subscriber_id IS NOT NULL`);
    await q.query(`
      CREATE TRIGGER number_reports_never_deleted BEFORE DELETE OR TRUNCATE ON number_reports
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);

    // Why a regulator or carrier suspended a number (the number keeps only the kind of suspension).
    await q.query(`
      CREATE TABLE number_suspensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL REFERENCES numbers(number),
        suspension text NOT NULL,
        reason text NOT NULL,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT number_suspensions_kind CHECK (suspension IN ('REGULATOR','CARRIER')),
        CONSTRAINT number_suspensions_reason CHECK (length(btrim(reason)) > 0)
      )`);
    await q.query(`CREATE INDEX number_suspensions_number_idx ON number_suspensions (number, at)`);
    await q.query(`CREATE INDEX number_suspensions_organization_idx ON number_suspensions (organization_id)`);
    await q.query(`
      CREATE TRIGGER number_suspensions_never_deleted BEFORE DELETE OR TRUNCATE ON number_suspensions
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);

    // Administrative penalties (行政处罚). A person's resident ID number is kept only as its
    // keyed hash, to blacklist them; it is never stored or shown in plain.
    await q.query(`
      CREATE TABLE penalties (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Recording order: breaks ties between decisions of one day, for stable paging.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        target_kind text NOT NULL,
        target_name text NOT NULL,
        target_org_id uuid REFERENCES organizations(id),
        target_uscc text,
        target_id_hash text,
        facts text NOT NULL,
        legal_basis text NOT NULL,
        fine_cny numeric(14, 2) NOT NULL,
        correction_ordered text,
        decision_date date NOT NULL,
        blacklisted boolean NOT NULL DEFAULT false,
        published_at timestamptz,
        published_by uuid REFERENCES organizations(id),
        recorded_by uuid NOT NULL REFERENCES organizations(id),
        recorded_by_actor text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT penalties_target_kind CHECK (target_kind IN ('ORGANIZATION','PERSON')),
        CONSTRAINT penalties_target_name CHECK (length(btrim(target_name)) > 0),
        CONSTRAINT penalties_uscc_format CHECK (target_uscc IS NULL OR target_uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        CONSTRAINT penalties_id_hash CHECK (target_id_hash IS NULL OR (target_kind = 'PERSON' AND target_id_hash ~ '^[0-9a-f]{64}$')),
        CONSTRAINT penalties_fine CHECK (fine_cny >= 0),
        CONSTRAINT penalties_blacklist_subject CHECK (NOT blacklisted OR
          (target_kind = 'ORGANIZATION' AND target_uscc IS NOT NULL) OR (target_kind = 'PERSON' AND target_id_hash IS NOT NULL)),
        CONSTRAINT penalties_published CHECK ((published_at IS NULL) = (published_by IS NULL))
      )`);
    await q.query(`CREATE INDEX penalties_decision_idx ON penalties (decision_date DESC, seq DESC)`);
    await q.query(`CREATE INDEX penalties_published_idx ON penalties (decision_date DESC, seq DESC) WHERE published_at IS NOT NULL`);
    await q.query(`CREATE INDEX penalties_target_org_idx ON penalties (target_org_id) WHERE target_org_id IS NOT NULL`);
    await q.query(`CREATE INDEX penalties_target_uscc_idx ON penalties (target_uscc) WHERE target_uscc IS NOT NULL`);
    await q.query(`CREATE INDEX penalties_recorded_by_idx ON penalties (recorded_by)`);
    await q.query(`CREATE INDEX penalties_published_by_idx ON penalties (published_by) WHERE published_by IS NOT NULL`);
    await q.query(`
      CREATE TRIGGER penalties_never_deleted BEFORE DELETE OR TRUNCATE ON penalties
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE penalties`);
    await q.query(`DROP TABLE number_suspensions`);
    await q.query(`DROP TABLE number_reports`);
  }
}

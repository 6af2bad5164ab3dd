import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Trunk lines a carrier rents to call centres, their departments' approvals and
 * on-site inspections, the caller numbers each may present, and the refusals of
 * marketing calls; a call centre's company (USCC) on its organisation. Trunks,
 * approvals, inspections and refusals are never deleted. The database keeps:
 * a trunk moves PENDING_APPROVAL → ACTIVE → SUSPENDED only; it is ACTIVE only with
 * an approval from every department it required; one person approves for one
 * department of a trunk; a caller number is a fixed line or a mobile number, never
 * a 400 or 800 number.
 */
export class Trunks1763970000000 implements MigrationInterface {
  name = "Trunks1763970000000";

  async up(q: QueryRunner): Promise<void> {
    // The company behind a call centre: its caller numbers are the fixed lines of that company's verified subscribers.
    await q.query(`
      ALTER TABLE organizations
        ADD COLUMN uscc text,
        ADD CONSTRAINT organizations_uscc_format CHECK (uscc IS NULL OR uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        ADD CONSTRAINT organizations_uscc_call_center CHECK (uscc IS NULL OR kind = 'CALL_CENTER')`);
    await q.query(`CREATE INDEX organizations_uscc_idx ON organizations (uscc) WHERE uscc IS NOT NULL`);
    // Caller checks find a number's subscribers by their fixed line: whether one holding it is VERIFIED, or REVOKED.
    await q.query(`CREATE INDEX subscribers_landline_idx ON subscribers (landline, identity_status)`);

    await q.query(`
      CREATE TABLE trunk_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Registration order, for stable paging.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        carrier_id uuid NOT NULL REFERENCES organizations(id),
        call_center_id uuid NOT NULL REFERENCES organizations(id),
        capacity integer NOT NULL,
        purpose text NOT NULL,
        province text,
        status text NOT NULL DEFAULT 'PENDING_APPROVAL',
        -- The departments whose approval it needed when registered (a setting, which may change later).
        required_departments text[] NOT NULL,
        registered_by text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        suspended_at timestamptz,
        suspended_by text,
        suspension_reason text,
        CONSTRAINT trunk_lines_capacity CHECK (capacity > 0),
        CONSTRAINT trunk_lines_purpose CHECK (purpose IN ('CUSTOMER_SERVICE','MARKETING','NOTIFICATION')),
        CONSTRAINT trunk_lines_province_format CHECK (province IS NULL OR province ~ '^[0-9]{2}$'),
        CONSTRAINT trunk_lines_status CHECK (status IN ('PENDING_APPROVAL','ACTIVE','SUSPENDED')),
        CONSTRAINT trunk_lines_departments CHECK (cardinality(required_departments) > 0),
        CONSTRAINT trunk_lines_activated CHECK ((status = 'PENDING_APPROVAL') = (activated_at IS NULL)),
        CONSTRAINT trunk_lines_suspended CHECK ((status = 'SUSPENDED') =
          (suspended_at IS NOT NULL AND suspended_by IS NOT NULL AND suspension_reason IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX trunk_lines_carrier_idx ON trunk_lines (carrier_id, seq)`);
    await q.query(`CREATE INDEX trunk_lines_call_center_idx ON trunk_lines (call_center_id, seq)`);
    await q.query(`CREATE INDEX trunk_lines_province_idx ON trunk_lines (province, seq)`);

    await q.query(`
      CREATE TABLE trunk_approvals (
        trunk_id uuid NOT NULL REFERENCES trunk_lines(id),
        department text NOT NULL,
        -- The user (token subject) who approved, and for which organisation.
        approved_by text NOT NULL,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        note text NOT NULL DEFAULT '',
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (trunk_id, department),
        CONSTRAINT trunk_approvals_one_department_per_person UNIQUE (trunk_id, approved_by),
        CONSTRAINT trunk_approvals_department_format CHECK (department ~ '^[A-Z][A-Z0-9_]{1,31}$')
      )`);
    await q.query(`CREATE INDEX trunk_approvals_organization_idx ON trunk_approvals (organization_id)`);

    await q.query(`
      CREATE TABLE trunk_inspections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trunk_id uuid NOT NULL REFERENCES trunk_lines(id),
        inspected_on date NOT NULL,
        passed boolean NOT NULL,
        findings text NOT NULL,
        inspector text NOT NULL,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT trunk_inspections_findings CHECK (length(findings) <= 5000)
      )`);
    await q.query(`CREATE INDEX trunk_inspections_trunk_idx ON trunk_inspections (trunk_id, at)`);
    await q.query(`CREATE INDEX trunk_inspections_organization_idx ON trunk_inspections (organization_id)`);

    // National form: a fixed line (0, area code, number: 10-12 digits) or a mobile number (1[3-9] and 9 digits).
    await q.query(`
      CREATE TABLE trunk_caller_numbers (
        trunk_id uuid NOT NULL REFERENCES trunk_lines(id),
        caller_number text NOT NULL,
        PRIMARY KEY (trunk_id, caller_number),
        CONSTRAINT trunk_caller_numbers_format CHECK (caller_number ~ '^(0[1-9][0-9]{8,10}|1[3-9][0-9]{9})$')
      )`);
    await q.query(`CREATE INDEX trunk_caller_numbers_number_idx ON trunk_caller_numbers (caller_number)`);

    // A person's refusal of marketing calls from one caller organisation, or (null) from all.
    await q.query(`
      CREATE TABLE marketing_refusals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        callee_number text NOT NULL,
        caller_org_id uuid REFERENCES organizations(id),
        recorded_by uuid NOT NULL REFERENCES organizations(id),
        recorded_by_actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT marketing_refusals_once UNIQUE NULLS NOT DISTINCT (callee_number, caller_org_id),
        CONSTRAINT marketing_refusals_callee_format CHECK (callee_number ~ '^(0[1-9][0-9]{8,10}|1[3-9][0-9]{9})$')
      )`);
    await q.query(`CREATE INDEX marketing_refusals_caller_org_idx ON marketing_refusals (caller_org_id) WHERE caller_org_id IS NOT NULL`);
    await q.query(`CREATE INDEX marketing_refusals_recorded_by_idx ON marketing_refusals (recorded_by)`);

    for (const table of ["trunk_lines", "trunk_approvals", "trunk_inspections", "trunk_caller_numbers", "marketing_refusals"]) {
      await q.query(`CREATE TRIGGER ${table}_never_deleted BEFORE DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    }

    // The trunk's status machine, whatever route moves it; who it links stays as registered.
    await q.query(`
      CREATE FUNCTION trunk_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.carrier_id <> OLD.carrier_id OR NEW.call_center_id <> OLD.call_center_id
           OR NEW.required_departments <> OLD.required_departments THEN
          RAISE EXCEPTION 'trunk line %: its carrier, call centre and required departments never change', OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status
           AND NOT ((OLD.status, NEW.status) IN (('PENDING_APPROVAL', 'ACTIVE'), ('ACTIVE', 'SUSPENDED'))) THEN
          RAISE EXCEPTION 'illegal trunk line status transition % -> % for %', OLD.status, NEW.status, OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER trunk_lines_guard BEFORE UPDATE ON trunk_lines FOR EACH ROW EXECUTE FUNCTION trunk_lines_guard()`);

    // In service only with every required approval, checked at commit so a transaction may
    // write the last approval and the status in either order.
    await q.query(`
      CREATE FUNCTION trunk_lines_active_needs_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        SELECT d INTO missing FROM trunk_lines t, unnest(t.required_departments) d
         WHERE t.id = NEW.id AND t.status <> 'PENDING_APPROVAL'
           AND NOT EXISTS (SELECT 1 FROM trunk_approvals a WHERE a.trunk_id = t.id AND a.department = d)
         LIMIT 1;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'trunk line % is in service without the approval of %', NEW.id, missing USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER trunk_lines_active_needs_approvals AFTER INSERT OR UPDATE OF status ON trunk_lines
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status <> 'PENDING_APPROVAL') EXECUTE FUNCTION trunk_lines_active_needs_approvals()`);

    // An approval is for a department the trunk requires, while it awaits approval.
    await q.query(`
      CREATE FUNCTION trunk_approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM trunk_lines t WHERE t.id = NEW.trunk_id AND NEW.department = ANY (t.required_departments)) THEN
          RAISE EXCEPTION 'trunk line % does not require the approval of %', NEW.trunk_id, NEW.department USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER trunk_approvals_guard BEFORE INSERT ON trunk_approvals FOR EACH ROW EXECUTE FUNCTION trunk_approvals_guard()`);
    await q.query(`
      CREATE TRIGGER trunk_approvals_append_only BEFORE UPDATE ON trunk_approvals
      FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE marketing_refusals`);
    await q.query(`DROP TABLE trunk_caller_numbers`);
    await q.query(`DROP TABLE trunk_inspections`);
    await q.query(`DROP TABLE trunk_approvals`);
    await q.query(`DROP TABLE trunk_lines`);
    await q.query(`DROP FUNCTION trunk_approvals_guard()`);
    await q.query(`DROP FUNCTION trunk_lines_active_needs_approvals()`);
    await q.query(`DROP FUNCTION trunk_lines_guard()`);
    await q.query(`DROP INDEX subscribers_landline_idx`);
    await q.query(`ALTER TABLE organizations DROP CONSTRAINT organizations_uscc_call_center, DROP CONSTRAINT organizations_uscc_format, DROP COLUMN uscc`);
  }
}

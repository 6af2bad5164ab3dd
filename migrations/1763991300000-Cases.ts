import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A police bureau's investigations as records (立案): the case a full read of a resident ID
 * number, or a search of holdings by one, is made for. A case number is unique within its
 * bureau; a case goes OPEN → CLOSED once and is never reopened, changed or deleted. Also an
 * index for counting one organisation's recent events of one kind in the audit log (the rate
 * limit on searches of holdings by resident ID).
 */
export class Cases1763991300000 implements MigrationInterface {
  name = "Cases1763991300000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Opening order, for stable paging.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        case_number text NOT NULL,
        title text NOT NULL,
        legal_basis text NOT NULL,
        status text NOT NULL DEFAULT 'OPEN',
        opened_at timestamptz NOT NULL DEFAULT now(),
        opened_by text NOT NULL,
        closed_at timestamptz,
        closed_by text,
        -- Also the index of the foreign key (its leading column).
        CONSTRAINT cases_number_per_organization UNIQUE (organization_id, case_number),
        CONSTRAINT cases_status CHECK (status IN ('OPEN','CLOSED')),
        CONSTRAINT cases_closed_iff_closed CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL) AND (closed_at IS NULL) = (closed_by IS NULL)),
        CONSTRAINT cases_closed_after_opened CHECK (closed_at IS NULL OR closed_at >= opened_at),
        CONSTRAINT cases_case_number_format CHECK (length(case_number) BETWEEN 3 AND 64 AND case_number = btrim(case_number)),
        CONSTRAINT cases_title_length CHECK (length(title) BETWEEN 1 AND 200 AND title = btrim(title)),
        CONSTRAINT cases_legal_basis_length CHECK (length(legal_basis) BETWEEN 3 AND 500 AND legal_basis = btrim(legal_basis))
      )`);
    // What unmasking looks up: an open case by its number.
    await q.query(`CREATE INDEX cases_open_number_idx ON cases (case_number) WHERE status = 'OPEN'`);

    // OPEN → CLOSED once; what a case is and who opened it never change.
    await q.query(`
      CREATE FUNCTION cases_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.organization_id <> OLD.organization_id OR NEW.case_number <> OLD.case_number OR NEW.title <> OLD.title
           OR NEW.legal_basis <> OLD.legal_basis OR NEW.opened_at <> OLD.opened_at OR NEW.opened_by <> OLD.opened_by THEN
          RAISE EXCEPTION 'a case keeps its number, title, legal basis and opening' USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'CLOSED' THEN
          RAISE EXCEPTION 'case % is closed and is never reopened or changed', OLD.case_number USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER cases_guard BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION cases_guard()`);
    await q.query(`CREATE TRIGGER cases_never_deleted BEFORE DELETE OR TRUNCATE ON cases FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);

    await q.query(`CREATE INDEX audit_events_org_operation_at_idx ON audit_events (org_code, operation, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_org_operation_at_idx`);
    await q.query(`DROP TABLE cases`);
    await q.query(`DROP FUNCTION cases_guard()`);
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Approval rounds for trunk lines (DESIGN.md, "Trunk lines and caller authentication"): a
 * SUSPENDED trunk is reinstated to PENDING_APPROVAL only through a new round of every
 * department's approval. A trunk counts its rounds; each approval belongs to one round and
 * the approvals of earlier rounds stay, as history. The database keeps: a trunk moves
 * PENDING_APPROVAL → ACTIVE → SUSPENDED → PENDING_APPROVAL (the last with the next round,
 * and the reinstatement recorded); it is ACTIVE only with an approval from every required
 * department in its current round; an approval is for the current round; one person approves
 * for one department of a round. The last suspension stays on the trunk after a reinstatement.
 * Restates trunk_lines_guard, trunk_lines_active_needs_approvals and trunk_approvals_guard
 * of Trunks1763970000000.
 */
export class TrunkRounds1763995000000 implements MigrationInterface {
  name = "TrunkRounds1763995000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE trunk_lines
        ADD COLUMN round integer NOT NULL DEFAULT 1,
        ADD COLUMN reinstated_at timestamptz,
        ADD COLUMN reinstated_by text,
        ADD COLUMN reinstatement_reason text,
        ADD CONSTRAINT trunk_lines_round CHECK (round >= 1),
        ADD CONSTRAINT trunk_lines_reinstated CHECK ((round = 1) = (reinstated_at IS NULL)
          AND (reinstated_at IS NULL) = (reinstated_by IS NULL) AND (reinstated_at IS NULL) = (reinstatement_reason IS NULL)),
        DROP CONSTRAINT trunk_lines_suspended,
        -- A SUSPENDED trunk names its suspension; a reinstated one keeps its last suspension, all three or none.
        ADD CONSTRAINT trunk_lines_suspended CHECK ((status <> 'SUSPENDED' OR suspended_at IS NOT NULL)
          AND (suspended_at IS NULL) = (suspended_by IS NULL) AND (suspended_at IS NULL) = (suspension_reason IS NULL))`);

    await q.query(`
      ALTER TABLE trunk_approvals
        ADD COLUMN round integer NOT NULL DEFAULT 1,
        DROP CONSTRAINT trunk_approvals_pkey,
        ADD PRIMARY KEY (trunk_id, round, department),
        DROP CONSTRAINT trunk_approvals_one_department_per_person,
        ADD CONSTRAINT trunk_approvals_one_department_per_person UNIQUE (trunk_id, round, approved_by)`);

    await q.query(`
      CREATE OR REPLACE FUNCTION trunk_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.carrier_id <> OLD.carrier_id OR NEW.call_center_id <> OLD.call_center_id
           OR NEW.required_departments <> OLD.required_departments THEN
          RAISE EXCEPTION 'trunk line %: its carrier, call centre and required departments never change', OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status
           AND NOT ((OLD.status, NEW.status) IN (('PENDING_APPROVAL', 'ACTIVE'), ('ACTIVE', 'SUSPENDED'), ('SUSPENDED', 'PENDING_APPROVAL'))) THEN
          RAISE EXCEPTION 'illegal trunk line status transition % -> % for %', OLD.status, NEW.status, OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        -- A reinstatement, and only a reinstatement, opens the next round.
        IF (OLD.status = 'SUSPENDED' AND NEW.status = 'PENDING_APPROVAL') <> (NEW.round = OLD.round + 1)
           OR NEW.round NOT IN (OLD.round, OLD.round + 1) THEN
          RAISE EXCEPTION 'trunk line %: a new approval round opens only when it is reinstated', OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION trunk_lines_active_needs_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        SELECT d INTO missing FROM trunk_lines t, unnest(t.required_departments) d
         WHERE t.id = NEW.id AND t.status <> 'PENDING_APPROVAL'
           AND NOT EXISTS (SELECT 1 FROM trunk_approvals a WHERE a.trunk_id = t.id AND a.round = t.round AND a.department = d)
         LIMIT 1;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'trunk line % is in service without the approval of %', NEW.id, missing USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION trunk_approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM trunk_lines t WHERE t.id = NEW.trunk_id AND NEW.department = ANY (t.required_departments)) THEN
          RAISE EXCEPTION 'trunk line % does not require the approval of %', NEW.trunk_id, NEW.department USING ERRCODE = 'check_violation';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM trunk_lines t WHERE t.id = NEW.trunk_id AND t.round = NEW.round) THEN
          RAISE EXCEPTION 'trunk line %: an approval is for its current round, not round %', NEW.trunk_id, NEW.round USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION trunk_approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM trunk_lines t WHERE t.id = NEW.trunk_id AND NEW.department = ANY (t.required_departments)) THEN
          RAISE EXCEPTION 'trunk line % does not require the approval of %', NEW.trunk_id, NEW.department USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION trunk_lines_active_needs_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE OR REPLACE FUNCTION trunk_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    // Approvals of later rounds cannot be folded back into one round: down refuses when there are any.
    await q.query(`
      ALTER TABLE trunk_approvals
        DROP CONSTRAINT trunk_approvals_one_department_per_person,
        ADD CONSTRAINT trunk_approvals_one_department_per_person UNIQUE (trunk_id, approved_by),
        DROP CONSTRAINT trunk_approvals_pkey,
        ADD PRIMARY KEY (trunk_id, department),
        DROP COLUMN round`);
    await q.query(`
      ALTER TABLE trunk_lines
        DROP CONSTRAINT trunk_lines_suspended,
        ADD CONSTRAINT trunk_lines_suspended CHECK ((status = 'SUSPENDED') =
          (suspended_at IS NOT NULL AND suspended_by IS NOT NULL AND suspension_reason IS NOT NULL)),
        DROP CONSTRAINT trunk_lines_reinstated,
        DROP CONSTRAINT trunk_lines_round,
        DROP COLUMN reinstatement_reason,
        DROP COLUMN reinstated_by,
        DROP COLUMN reinstated_at,
        DROP COLUMN round`);
  }
}

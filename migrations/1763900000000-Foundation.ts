import { MigrationInterface, QueryRunner } from "typeorm";

/** Organisations, the append-only audit chain, and the official marketing numbers. */
export class Foundation1763900000000 implements MigrationInterface {
  name = "Foundation1763900000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        province text,
        parent_id uuid REFERENCES organizations(id) ON DELETE RESTRICT,
        path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT organizations_code_key UNIQUE (code),
        CONSTRAINT organizations_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
        CONSTRAINT organizations_name_present CHECK (length(btrim(name)) > 0),
        CONSTRAINT organizations_kind_check CHECK (kind IN ('CARRIER','RESELLER','CALL_CENTER','POLICE','REGULATOR','PLATFORM')),
        CONSTRAINT organizations_province_format CHECK (province IS NULL OR province ~ '^[0-9]{2}$'),
        CONSTRAINT organizations_path_ends_with_code CHECK (path LIKE '%/' || code || '/')
      )`);
    await q.query(`CREATE INDEX organizations_parent_id_idx ON organizations (parent_id)`);
    await q.query(`CREATE INDEX organizations_path_idx ON organizations (path text_pattern_ops)`);
    // The one platform organisation (API.md): its ADMIN tokens create every other organisation.
    await q.query(`CREATE UNIQUE INDEX organizations_one_platform ON organizations (kind) WHERE kind = 'PLATFORM'`);
    await q.query(`INSERT INTO organizations (code, name, kind, province, path) VALUES ('PLATFORM', 'Registry operator', 'PLATFORM', NULL, '/PLATFORM/')`);

    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        org_code text,
        role text NOT NULL,
        operation text NOT NULL,
        targets text[] NOT NULL DEFAULT '{}',
        input_digest text NOT NULL,
        outcome text NOT NULL,
        request_id text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_events_seq_positive CHECK (seq > 0),
        CONSTRAINT audit_events_hash_format CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX audit_events_targets_idx ON audit_events USING gin (targets)`);
    await q.query(`CREATE INDEX audit_events_org_code_idx ON audit_events (org_code)`);
    // Append-only, whatever the application does: changing history needs a superuser disabling this.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);

    await q.query(`
      CREATE TABLE official_marketing_numbers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        carrier_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        number text NOT NULL,
        CONSTRAINT official_marketing_numbers_number_key UNIQUE (number),
        CONSTRAINT official_marketing_numbers_number_format CHECK (number ~ '^[0-9]{5,11}$')
      )`);
    await q.query(`CREATE INDEX official_marketing_numbers_carrier_id_idx ON official_marketing_numbers (carrier_id)`);

    await q.query(`
      CREATE TABLE registry_meta (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_meta`);
    await q.query(`DROP TABLE official_marketing_numbers`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE organizations`);
  }
}

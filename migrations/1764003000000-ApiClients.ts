import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * API clients: an organisation's machines, each with a role that fits the organisation's kind (held by
 * a trigger) and secrets kept only as keyed digests. A rotated secret keeps working until its
 * expires_at; a revoked client's secrets work no more. Neither is ever deleted: the audit log names them.
 */
export class ApiClients1764003000000 implements MigrationInterface {
  name = "ApiClients1764003000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        role text NOT NULL,
        name text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by text,
        CONSTRAINT api_clients_role CHECK (role IN ('CARRIER', 'RESELLER', 'CALL_CENTER', 'POLICE', 'REGULATOR')),
        CONSTRAINT api_clients_name CHECK (char_length(name) BETWEEN 1 AND 100),
        CONSTRAINT api_clients_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      )`);
    await q.query(`CREATE INDEX api_clients_organization_idx ON api_clients (organization_id)`);
    await q.query(`
      CREATE TABLE api_client_secrets (
        digest bytea PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES api_clients(id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- null: until the next rotation sets it.
        expires_at timestamptz,
        CONSTRAINT api_client_secrets_digest CHECK (octet_length(digest) = 32)
      )`);
    await q.query(`CREATE INDEX api_client_secrets_client_idx ON api_client_secrets (client_id)`);
    // A client acts for its organisation with the role of its kind, as a token must (KIND_OF_ROLE); once
    // revoked it stays revoked, and its organisation and role never change.
    await q.query(`
      CREATE FUNCTION api_clients_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF NEW.organization_id <> OLD.organization_id OR NEW.role <> OLD.role OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'API client %: its organisation, role and creation never change', OLD.id USING ERRCODE = 'check_violation';
          END IF;
          IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
            RAISE EXCEPTION 'API client % is revoked for good', OLD.id USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = NEW.organization_id AND o.kind = NEW.role) THEN
          RAISE EXCEPTION 'an API client with role % must belong to an organisation of that kind', NEW.role USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER api_clients_guard BEFORE INSERT OR UPDATE ON api_clients FOR EACH ROW EXECUTE FUNCTION api_clients_guard()`);
    await q.query(`CREATE TRIGGER api_clients_never_deleted BEFORE DELETE OR TRUNCATE ON api_clients FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
    await q.query(`CREATE TRIGGER api_client_secrets_never_deleted BEFORE DELETE OR TRUNCATE ON api_client_secrets FOR EACH STATEMENT EXECUTE FUNCTION registry_never_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_client_secrets`);
    await q.query(`DROP TABLE api_clients`);
    await q.query(`DROP FUNCTION api_clients_guard()`);
  }
}

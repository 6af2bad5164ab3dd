import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The rejects of a carrier's file are rows, not one string: a file of millions may have millions of
 * rejects, which neither the server's memory nor one jsonb value should hold. They are written set-based
 * in the file's transaction, in the order a sync lists them, and read back page by page as the answer
 * streams, and again for a replay of the same Idempotency-Key.
 */
export class BulkRejects1764006000000 implements MigrationInterface {
  name = "BulkRejects1764006000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_rejects (
        carrier_id uuid NOT NULL,
        idempotency_key text NOT NULL,
        ordinal bigint NOT NULL CHECK (ordinal > 0),
        line bigint NOT NULL,
        number text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (carrier_id, idempotency_key, ordinal),
        FOREIGN KEY (carrier_id, idempotency_key) REFERENCES sync_requests (carrier_id, idempotency_key) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_rejects`);
  }
}

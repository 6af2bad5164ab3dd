import { MigrationInterface, QueryRunner } from "typeorm";

/** A paper's size is a GraphQL Int: at most 2147483647 bytes (2 GiB), which the database holds too. */
export class PaperSizes1764000000000 implements MigrationInterface {
  name = "PaperSizes1764000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriber_documents ADD CONSTRAINT subscriber_documents_size_int CHECK (size_bytes <= 2147483647)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriber_documents DROP CONSTRAINT subscriber_documents_size_int`);
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Marketing refusals in the order they were recorded, so that a call centre or a
 * carrier can page through the list it must honour and resume from where it stopped.
 */
export class RefusalsList1763980000000 implements MigrationInterface {
  name = "RefusalsList1763980000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE marketing_refusals ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`);
    await q.query(`CREATE UNIQUE INDEX marketing_refusals_seq_idx ON marketing_refusals (seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX marketing_refusals_seq_idx`);
    await q.query(`ALTER TABLE marketing_refusals DROP COLUMN seq`);
  }
}

import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One bar per cause: a revocation's and each fraud order's bar on the same number and company are rows of
 * their own, so lifting one order as issued by mistake removes its bar and leaves the others (before, the
 * first cause's row took the key and a second cause was not recorded). And each shutdown item remembers the
 * number's aging period before its order, so a mistaken fraud order's lift restores what was there.
 */
export class BarCauses1764004000000 implements MigrationInterface {
  name = "BarCauses1764004000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE number_bars DROP CONSTRAINT number_bars_pkey`);
    await q.query(`
      CREATE UNIQUE INDEX number_bars_cause_key
        ON number_bars (number, uscc, legal_rep_id_hash, coalesce(order_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`ALTER TABLE shutdown_items ADD COLUMN previous_aging_days integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE shutdown_items DROP COLUMN previous_aging_days`);
    await q.query(`DROP INDEX number_bars_cause_key`);
    await q.query(`
      DELETE FROM number_bars b USING number_bars k
       WHERE b.number = k.number AND b.uscc = k.uscc AND b.legal_rep_id_hash = k.legal_rep_id_hash AND b.ctid > k.ctid`);
    await q.query(`ALTER TABLE number_bars ADD PRIMARY KEY (number, uscc, legal_rep_id_hash)`);
  }
}

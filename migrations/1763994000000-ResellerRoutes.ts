import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A reseller takes back a number assigned by mistake before approval, and the sweep returns a
 * number left PENDING_VERIFICATION too long: PENDING_VERIFICATION → SPARE (the status guard
 * clears its subscriber). Which routes may make it is number-status.ts's ONLY_BY.
 */
export class ResellerRoutes1763994000000 implements MigrationInterface {
  name = "ResellerRoutes1763994000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO number_status_transitions (from_status, to_status) VALUES ('PENDING_VERIFICATION', 'SPARE')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM number_status_transitions WHERE from_status = 'PENDING_VERIFICATION' AND to_status = 'SPARE'`);
  }
}

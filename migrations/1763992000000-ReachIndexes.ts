import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Indexes for the visibility policy's relationships (src/shared/policy/visibility.ts): the organisations a
 * viewer reaches include the authors of checks on the subscribers it reaches, and a subscriber is reached
 * through its numbers (numbers.subscriber_id is indexed since Subscribers).
 */
export class ReachIndexes1763992000000 implements MigrationInterface {
  name = "ReachIndexes1763992000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX verification_checks_organization_idx ON verification_checks (organization_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX verification_checks_organization_idx`);
  }
}

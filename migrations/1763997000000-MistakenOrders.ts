import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A shutdown order lifted as issued by mistake (`liftShutdownOrder(mistaken: true)`) is marked so, and
 * the bars its fraud reason imposed name the order that imposed them, so the lift removes exactly those.
 */
export class MistakenOrders1763997000000 implements MigrationInterface {
  name = "MistakenOrders1763997000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE shutdown_orders ADD COLUMN lifted_as_mistaken boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE shutdown_orders ADD CONSTRAINT shutdown_orders_mistaken_lifted CHECK (NOT lifted_as_mistaken OR status = 'LIFTED')`);
    await q.query(`ALTER TABLE number_bars ADD COLUMN order_id uuid REFERENCES shutdown_orders(id)`);
    await q.query(`CREATE INDEX number_bars_order_idx ON number_bars (order_id) WHERE order_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX number_bars_order_idx`);
    await q.query(`ALTER TABLE number_bars DROP COLUMN order_id`);
    await q.query(`ALTER TABLE shutdown_orders DROP CONSTRAINT shutdown_orders_mistaken_lifted`);
    await q.query(`ALTER TABLE shutdown_orders DROP COLUMN lifted_as_mistaken`);
  }
}

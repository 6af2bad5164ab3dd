import type { EntityManager } from "typeorm";
import { SqlParams } from "../../shared/policy";
import { ChangeCause, NumberStatus } from "./number-status";

// Every writer of numbers holds this lock until it commits, so the change feed's
// sequence is also its commit order: a reader resuming after seq C never misses a change.
const NUMBERS_LOCK = 4_155_444_956;

export async function lockNumbers(tx: EntityManager): Promise<void> {
  const p = new SqlParams();
  await tx.query(`SELECT pg_advisory_xact_lock(${p.add(NUMBERS_LOCK)})`, p.values);
}

/** A number as a move left it, with what it was before. */
export interface MovedNumber {
  number: string;
  carrierId: string;
  resellerId: string | null;
  subscriberId: string | null;
  province: string | null;
  status: NumberStatus;
  previousStatus: NumberStatus;
}

export interface Move {
  /** SQL condition on `n` (numbers), and `u` when `using` is given, choosing the rows; its placeholders, and those of `set` and `using`, name `params` (a SqlParams' values). */
  where: string;
  params: unknown[];
  /** SQL assignments, e.g. `status = 'ACTIVE'`, their placeholders from the same SqlParams as `where`'s. */
  set: string;
  /** A row source `u` with a `number` column giving each number its own values (a sync's items), joined on the number. */
  using?: string;
  cause: ChangeCause;
  /** The shutdown order behind the change, named in the feed. */
  orderId?: string;
  /** Write a feed row for every chosen number, moved or not (a second order on a stopped number). */
  recordUnchanged?: boolean;
}

/**
 * Every change to a number goes through here: it moves the numbers `where` chooses, locking them, in one
 * statement that also writes their change-feed rows (a change of status, reseller or province); the
 * caller's transaction commits both or neither.
 *
 * What the database does as they move (migrations' numbers_status_guard and the triggers after it):
 * refuses any move outside the status machine, out of FORCE_STOPPED but by a lift, out of the quarantine
 * before aging_until, a change of subscriber but by assignment, and an ACTIVE number without a VERIFIED
 * subscriber; stamps status_since (the sweep's clock when it runs as of a time); clears what the new
 * status does not have (a suspension's kind, the subscriber of a number back in the pool, a reservation's
 * end, the aging period and its end); sets aging_until on entering AGING; and keeps the compliance rollups.
 */
export async function moveNumbers(tx: EntityManager, move: Move): Promise<MovedNumber[]> {
  return tx.query(...(await moveStatement(tx, move, `
     SELECT number, carrier_id AS "carrierId", reseller_id AS "resellerId", subscriber_id AS "subscriberId", province, status,
            previous_status AS "previousStatus"
       FROM moved ORDER BY number`)));
}

/** moveNumbers for a carrier's file, which may move millions: the rows stay in the database, their count comes back. */
export async function moveNumbersCounted(tx: EntityManager, move: Move): Promise<number> {
  const [{ moved }]: { moved: number }[] = await tx.query(...(await moveStatement(tx, move, `SELECT count(*)::int AS moved FROM moved`)));
  return moved;
}

/** The one statement of a move, under the numbers lock, ending in `select` over `moved`. */
async function moveStatement(tx: EntityManager, move: Move, select: string): Promise<[string, unknown[]]> {
  await lockNumbers(tx);
  const p = new SqlParams(move.params);
  const cause = p.add(move.cause);
  const orderId = `${p.add(move.orderId ?? null)}::uuid`;
  const changed = move.recordUnchanged
    ? "TRUE"
    : `status IS DISTINCT FROM previous_status OR reseller_id IS DISTINCT FROM previous_reseller_id
       OR province IS DISTINCT FROM previous_province`;
  const joined = move.using ? `JOIN ${move.using} ON u.number = n.number` : "";
  return [
    `WITH target AS (
       SELECT n.number, n.status AS previous_status, n.reseller_id AS previous_reseller_id, n.province AS previous_province
         FROM numbers n ${joined} WHERE ${move.where} ORDER BY n.number FOR UPDATE OF n),
     moved AS (
       UPDATE numbers n SET ${move.set} FROM target t ${move.using ? `JOIN ${move.using} ON u.number = t.number` : ""} WHERE n.number = t.number
       RETURNING n.number, n.carrier_id, n.reseller_id, n.subscriber_id, n.province, n.status, t.previous_status, t.previous_reseller_id,
                 t.previous_province),
     fed AS (
       INSERT INTO number_changes (number, carrier_id, reseller_id, previous_reseller_id, status, previous_status, province, cause, order_id)
       SELECT number, carrier_id, reseller_id, previous_reseller_id, status, previous_status, province, ${cause}, ${orderId} FROM moved
        WHERE ${changed} ORDER BY number)
     ${select}`,
    p.values,
  ];
}

export interface Creation {
  /**
   * A SELECT of the new numbers' (number, carrier_id, reseller_id, status, province, aging_days), its
   * placeholders naming `params`, in the order the feed lists them. A number already in the registry is
   * left as it is.
   */
  rows: string;
  params: unknown[];
  cause: ChangeCause;
  /**
   * The rows were found absent under the numbers lock (a sync's decisions): no need to look for each one
   * again as it goes in. A number present after all is then a unique violation, and the transaction fails.
   */
  decidedAbsent?: boolean;
}

/**
 * Every number enters the registry through here: inserted with its change-feed row in one statement.
 * The database's status guard gives an AGING number its aging_until, and refuses one without its period.
 * Returns how many were created (a carrier's file may create millions: the rows stay in the database).
 */
export async function createNumbers(tx: EntityManager, creation: Creation): Promise<number> {
  await lockNumbers(tx);
  const p = new SqlParams(creation.params);
  const [{ created }]: { created: number }[] = await tx.query(
    `WITH created AS (
       INSERT INTO numbers (number, carrier_id, reseller_id, status, province, aging_days)
       ${creation.rows}
       ${creation.decidedAbsent ? "" : "ON CONFLICT (number) DO NOTHING"}
       RETURNING number, carrier_id, reseller_id, status, province),
     fed AS (
       INSERT INTO number_changes (number, carrier_id, reseller_id, status, province, cause)
       SELECT number, carrier_id, reseller_id, status, province, ${p.add(creation.cause)} FROM created)
     SELECT count(*)::int AS created FROM created`,
    p.values,
  );
  return created;
}

/** Records that these carriers supply these resellers (who re-checks and approves their subscribers). */
export async function recordSupply(tx: EntityManager, pairs: { carrierId: string; resellerId: string | null }[]): Promise<void> {
  const unique = new Map<string, [string, string]>();
  for (const p of pairs) if (p.resellerId) unique.set(`${p.carrierId}/${p.resellerId}`, [p.carrierId, p.resellerId]);
  if (unique.size === 0) return;
  const rows = [...unique.values()];
  const q = new SqlParams();
  await tx.query(
    `INSERT INTO reseller_supply (carrier_id, reseller_id)
     SELECT * FROM unnest(${q.add(rows.map((r) => r[0]))}::uuid[], ${q.add(rows.map((r) => r[1]))}::uuid[]) ON CONFLICT DO NOTHING`,
    q.values,
  );
}

/** For each FORCE_STOPPED number among these, the shutdown orders in effect on it (case numbers and ids). */
export async function ordersStopping(tx: EntityManager, numbers: string[]): Promise<Map<string, string>> {
  if (numbers.length === 0) return new Map();
  const p = new SqlParams();
  const rows: { number: string; orders: string }[] = await tx.query(
    `SELECT i.number, string_agg('order ' || o.id || ' (case ' || o.case_number || ')', ', ' ORDER BY o.seq) AS orders
       FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
      WHERE i.number = ANY(${p.add(numbers)}::text[]) AND o.status = 'IN_EFFECT'
      GROUP BY i.number`,
    p.values,
  );
  return new Map(rows.map((r) => [r.number, r.orders]));
}

/** The refusal for touching a stopped number, naming what stopped it. */
export function stoppedBy(number: string, orders: string | undefined): string {
  return `${number} is FORCE_STOPPED by ${orders ?? "a shutdown order"}: only lifting it changes the number`;
}

/** SQL: stoppedBy for the number in the SQL expression `number`, naming the orders in effect on it. */
export function stoppedBySql(number: string): string {
  const orders = `(SELECT string_agg('order ' || o.id || ' (case ' || o.case_number || ')', ', ' ORDER BY o.seq)
                     FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id WHERE i.number = ${number} AND o.status = 'IN_EFFECT')`;
  const [before, after] = stoppedBy("\u0000", "\u0001").split("\u0000");
  const [middle, end] = after.split("\u0001");
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return `${literal(before)} || ${number} || ${literal(middle)} || coalesce(${orders}, 'a shutdown order') || ${literal(end)}`;
}

import type { Logger } from "pino";
import { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { groupByIds, oneByKeys } from "../../shared/dates";
import { badInput, conflict, forbidden, notFound, statedReason } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import {
  SqlParams, imposedAtOrBelow, numbersOrderable, shutdownItemDetailVisible, shutdownItemsVisible, shutdownOrdersVisible,
} from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { canonicalNumber } from "../numbers/number-format";
import { lockNumbers, moveNumbers } from "../numbers/number-moves";
import { ChangeCause } from "../numbers/number-status";
import { NoticeBus } from "./notice-bus";
import { ShutdownItem, ShutdownNotice, ShutdownOrder, ShutdownReason } from "./shutdown.entity";
import { IssueShutdownOrderInput, ShutdownOrderFilter } from "./shutdown.inputs";

const CURSOR_KIND = "shutdown-order";

const ORDER_COLUMNS = `o.id, o.seq::text AS seq, o.issued_by AS "issuedById", o.case_number AS "caseNumber", o.legal_basis AS "legalBasis",
  o.reason, o.note, o.status, o.unknown_numbers AS "unknownNumbers", o.issued_at AS "issuedAt",
  o.acknowledgement_deadline AS "acknowledgementDeadline", o.execution_deadline AS "executionDeadline",
  o.lifted_at AS "liftedAt", o.lift_reason AS "liftReason"`;

/** An item is overdue while its order stands and a deadline has passed without the step (aliases i: item, o: its order). */
export const OVERDUE = `(o.status = 'IN_EFFECT' AND ((i.state = 'NOTIFIED' AND now() > o.acknowledgement_deadline)
                                            OR (i.state <> 'EXECUTED' AND now() > o.execution_deadline)))`;

/** Emergency shutdown orders (DESIGN.md, "Emergency shutdown orders"). */
export class ShutdownService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    readonly bus: NoticeBus,
    private readonly log: Logger,
  ) {}

  async issue(viewer: Viewer, input: IssueShutdownOrderInput, mutation: UnitOfWork): Promise<ShutdownOrder> {
    const issuer = organizationOf(viewer);
    const malformed: string[] = [];
    const wanted = new Set<string>();
    for (const text of input.numbers) {
      const number = canonicalNumber(text);
      if (number === null) malformed.push(text);
      else wanted.add(number);
    }
    if (malformed.length > 0) {
      throw badInput(`not 400 numbers (ten digits starting 400): ${named(malformed.map((m) => `"${m}"`))}`, { argument: "input.numbers" });
    }
    const numbers = [...wanted];
    const caseNumber = input.caseNumber.trim();
    const fraud = input.reason === ShutdownReason.TELECOM_FRAUD;
    const { shutdownAckMinutes, shutdownExecutionMinutes, quarantineDays } = this.config.rules;
    mutation.target(caseNumber);

    const order = await mutation.run(async (tx) => {
      await lockNumbers(tx);
      // A provincial administration stops only its province's numbers; the police any (fraud crosses provinces).
      const reach = new SqlParams();
      const held: { number: string; orderable: boolean }[] = await tx.query(
        `SELECT n.number, ${numbersOrderable(viewer, "n", reach)} AS orderable
           FROM numbers n WHERE n.number = ANY(${reach.add(numbers)}::text[]) ORDER BY n.number`,
        reach.values,
      );
      const beyond = held.filter((h) => !h.orderable).map((h) => h.number);
      if (beyond.length > 0) throw forbidden(`not numbers you may order stopped (outside your province): ${named(beyond)}`);

      const o = new SqlParams();
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO shutdown_orders (issued_by, issued_by_actor, case_number, legal_basis, reason, note, acknowledgement_deadline, execution_deadline)
         VALUES (${o.add(issuer.id)}, ${o.add(viewer.subject)}, ${o.add(caseNumber)}, ${o.add(input.legalBasis.trim())}, ${o.add(input.reason)},
                 ${o.add(input.note.trim())}, now() + make_interval(mins => ${o.add(shutdownAckMinutes)}),
                 now() + make_interval(mins => ${o.add(shutdownExecutionMinutes)})) RETURNING id`,
        o.values,
      );
      // Each item remembers what its number was before any order stopped it.
      const it = new SqlParams();
      await tx.query(
        `INSERT INTO shutdown_items (order_id, number, carrier_id, previous_aging_days, previous_status)
         SELECT ${it.add(id)}, n.number, n.carrier_id, n.aging_days,
                CASE WHEN n.status <> 'FORCE_STOPPED' THEN n.status ELSE
                  (SELECT i.previous_status FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                    WHERE i.number = n.number AND o.status = 'IN_EFFECT' LIMIT 1) END
           FROM numbers n WHERE n.number = ANY(${it.add(numbers)}::text[])`,
        it.values,
      );
      const known = new Set(held.map((h) => h.number));
      const unknown = numbers.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        const u = new SqlParams();
        await tx.query(`UPDATE shutdown_orders SET unknown_numbers = ${u.add(unknown)} WHERE id = ${u.add(id)}`, u.values);
      }
      if (fraud) {
        // A fraud number ages in the long quarantine, and never goes back to whoever held it.
        const b = new SqlParams();
        await tx.query(
          `INSERT INTO number_bars (number, uscc, legal_rep_id_hash, reason, order_id)
           SELECT n.number, s.uscc, s.legal_rep_id_hash, 'fraud shutdown ' || ${b.add(caseNumber)}, ${b.add(id)}::uuid
             FROM numbers n JOIN subscribers s ON s.id = n.subscriber_id WHERE n.number = ANY(${b.add(numbers)}::text[])
           ON CONFLICT DO NOTHING`,
          b.values,
        );
      }
      const m = new SqlParams();
      const where = `n.number = ANY(${m.add(numbers)}::text[])`;
      const set = fraud ? `status = 'FORCE_STOPPED', aging_days = ${m.add(quarantineDays)}` : "status = 'FORCE_STOPPED'";
      await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.SHUTDOWN, orderId: id, recordUnchanged: true });
      await this.bus.announce(tx, id);
      return { result: await this.orderFor(tx, viewer, id), targets: [id] };
    });
    this.bus.committed(order.id);
    return order;
  }

  async acknowledge(viewer: Viewer, orderId: string, mutation: UnitOfWork): Promise<ShutdownOrder> {
    organizationOf(viewer);
    return mutation.run(async (tx) => {
      await this.itemsToExecute(tx, viewer, orderId);
      const p = new SqlParams();
      await tx.query(
        `UPDATE shutdown_items i SET state = 'ACKNOWLEDGED', acknowledged_at = now()
          WHERE i.order_id = ${p.add(orderId)} AND i.state = 'NOTIFIED' AND ${shutdownItemsVisible(viewer, "i", p)}`,
        p.values,
      );
      return { result: await this.orderFor(tx, viewer, orderId), targets: [orderId] };
    });
  }

  async confirmExecuted(viewer: Viewer, orderId: string, numbers: string[] | null | undefined, mutation: UnitOfWork): Promise<ShutdownOrder> {
    organizationOf(viewer);
    return mutation.run(async (tx) => {
      const mine = await this.itemsToExecute(tx, viewer, orderId);
      const s = new SqlParams();
      const [order]: { status: string }[] = await tx.query(`SELECT status FROM shutdown_orders WHERE id = ${s.add(orderId)}`, s.values);
      if (order.status !== "IN_EFFECT") throw conflict("the order was lifted: there is nothing to execute");
      let chosen: string[] | null = null;
      if (numbers && numbers.length > 0) {
        chosen = numbers.map((n) => canonicalNumber(n) ?? n);
        const foreign = chosen.filter((n) => !mine.has(n));
        if (foreign.length > 0) {
          throw badInput(`not numbers of yours in this order: ${foreign.slice(0, 10).join(", ")}`, { argument: "numbers" });
        }
      }
      const p = new SqlParams();
      const only = p.add(chosen);
      await tx.query(
        `UPDATE shutdown_items i SET state = 'EXECUTED', executed_at = now(), acknowledged_at = coalesce(acknowledged_at, now())
          WHERE i.order_id = ${p.add(orderId)} AND i.state <> 'EXECUTED' AND ${shutdownItemsVisible(viewer, "i", p)}
            AND (${only}::text[] IS NULL OR i.number = ANY(${only}::text[]))`,
        p.values,
      );
      return { result: await this.orderFor(tx, viewer, orderId), targets: [orderId] };
    });
  }

  /**
   * Lifts an order: only its issuer or an authority above it. Each of its numbers
   * that no other order in effect names returns to what it was before it was
   * stopped, unless its owner lost its identity meanwhile (REVOKED: TERMINATED;
   * no longer VERIFIED: SUSPENDED for papers). An order the viewer cannot see is
   * not found, as one that does not exist.
   */
  /**
   * Lifts an order: by its issuer or an authority above it. Its numbers return to what they were when no
   * order on them stands. `mistaken`: the order should never have been issued, so the quarantine and the
   * bars it imposed for fraud go too (a quarantine the owner's revocation imposed stays).
   */
  async lift(viewer: Viewer, orderId: string, reason: string, mutation: UnitOfWork, mistaken = false): Promise<ShutdownOrder> {
    const authority = organizationOf(viewer);
    const why = statedReason(reason, 3);
    const { quarantineDays } = this.config.rules;
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const p = new SqlParams();
      const [order]: { status: string; reason: string; visible: boolean; liftable: boolean }[] = isUuid(orderId)
        ? await tx.query(
            `SELECT o.status, o.reason, ${shutdownOrdersVisible(viewer, "o", p)} AS visible, ${imposedAtOrBelow(viewer, "o.issued_by", p)} AS liftable
               FROM shutdown_orders o WHERE o.id = ${p.add(orderId)} FOR UPDATE OF o`,
            p.values,
          )
        : [];
      if (!order || !order.visible) throw notFound(`no shutdown order ${orderId}`);
      if (!order.liftable) throw forbidden("only the issuing authority, or one above it, lifts this order");
      if (order.status !== "IN_EFFECT") throw conflict("the order is already lifted");
      if (mistaken) {
        const f = new SqlParams();
        const [confirmed] = await tx.query(`SELECT 1 FROM shutdown_items WHERE order_id = ${f.add(orderId)} AND fraud_confirmed_at IS NOT NULL LIMIT 1`, f.values);
        if (confirmed) throw conflict("fraud was confirmed on this order (confirmFraud): it was no mistake, lift it without mistaken");
      }
      const u = new SqlParams();
      await tx.query(
        `UPDATE shutdown_orders SET status = 'LIFTED', lifted_at = now(), lifted_by = ${u.add(authority.id)}, lift_reason = ${u.add(why)},
                lifted_as_mistaken = ${u.add(mistaken)} WHERE id = ${u.add(orderId)}`,
        u.values,
      );
      await tx.query(`SET LOCAL registry.lifting = 'on'`);
      const m = new SqlParams();
      const id = m.add(orderId);
      const previous = `(SELECT i.previous_status FROM shutdown_items i WHERE i.order_id = ${id} AND i.number = n.number)`;
      const owner = `(SELECT s.identity_status FROM subscribers s WHERE s.id = n.subscriber_id)`;
      const where = `n.status = 'FORCE_STOPPED' AND n.number IN (SELECT number FROM shutdown_items WHERE order_id = ${id})
                AND NOT EXISTS (SELECT 1 FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                                 WHERE i.number = n.number AND o.status = 'IN_EFFECT')`;
      // Issued by mistake: a fraud order's quarantine goes, unless another cause stands (the owner's revocation,
      // its bar, another fraud order not lifted as a mistake); the period is then what it was before the
      // first fraud order on the number. A mistaken order of another reason imposed no quarantine.
      const kept = !(mistaken && order.reason === "TELECOM_FRAUD")
        ? "n.aging_days"
        : `CASE WHEN EXISTS (SELECT 1 FROM number_bars b WHERE b.number = n.number AND b.order_id IS DISTINCT FROM ${id}::uuid)
                  OR EXISTS (SELECT 1 FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                              WHERE i.number = n.number AND o.id <> ${id}::uuid AND o.reason = 'TELECOM_FRAUD' AND NOT o.lifted_as_mistaken)
                THEN ${m.add(quarantineDays)}::int
                ELSE (SELECT i.previous_aging_days FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                       WHERE i.number = n.number AND o.reason = 'TELECOM_FRAUD' ORDER BY o.seq LIMIT 1) END`;
      const set = `status = CASE
                WHEN ${previous} IN ('PENDING_VERIFICATION', 'ACTIVE', 'SUSPENDED') AND ${owner} = 'REVOKED' THEN 'TERMINATED'
                WHEN ${previous} = 'ACTIVE' AND (${owner} IS DISTINCT FROM 'VERIFIED' OR NOT number_may_serve(n.number, n.subscriber_id)) THEN 'SUSPENDED'
                ELSE ${previous} END,
              suspension = coalesce(n.suspension, 'PAPERS'),
              aging_days = CASE WHEN ${owner} = 'REVOKED' THEN ${m.add(quarantineDays)}::int ELSE ${kept} END`;
      const moved = await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.LIFT, orderId });
      if (mistaken) {
        // The bars this order imposed, and only those: another order or a revocation keeps its own.
        const b = new SqlParams();
        await tx.query(`DELETE FROM number_bars WHERE order_id = ${b.add(orderId)}::uuid`, b.values);
      }
      await tx.query(`SET LOCAL registry.lifting = 'off'`);
      return { result: await this.orderFor(tx, viewer, orderId), targets: [orderId, ...moved.map((n) => n.number)] };
    });
  }

  /** One order, or null when it does not exist or the viewer may not see it. */
  async get(viewer: Viewer, orderId: string): Promise<ShutdownOrder | null> {
    return isUuid(orderId) ? this.visibleOrder(this.dataSource, viewer, orderId) : null;
  }

  /** For the per-request loader (a federation router's references): the orders the viewer sees, null for the others. */
  async byIds(viewer: Viewer, orderIds: readonly string[]): Promise<(ShutdownOrder | null)[]> {
    const ids = orderIds.filter(isUuid);
    const p = new SqlParams();
    const rows: ShutdownOrder[] = ids.length
      ? await this.dataSource.query(
          `SELECT ${ORDER_COLUMNS} FROM shutdown_orders o WHERE o.id = ANY(${p.add(ids)}::uuid[]) AND ${shutdownOrdersVisible(viewer, "o", p)}`,
          p.values,
        )
      : [];
    return oneByKeys(orderIds, rows, (r) => r.id);
  }

  async list(viewer: Viewer, filter: ShutdownOrderFilter | null | undefined, args: PageArgs): Promise<Connection<ShutdownOrder>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const where = [shutdownOrdersVisible(viewer, "o", p)];
    if (filter?.status) where.push(`o.status = ${p.add(filter.status)}`);
    if (filter?.caseNumber != null) where.push(`o.case_number = ${p.add(filter.caseNumber.trim())}`);
    if (filter?.overdue != null) {
      // Only items whose state and times the viewer reads count: lateness elsewhere is not a provincial bureau's to see.
      where.push(`${filter.overdue ? "" : "NOT "}EXISTS (SELECT 1 FROM shutdown_items i JOIN numbers n ON n.number = i.number
                   WHERE i.order_id = o.id AND ${shutdownItemsVisible(viewer, "i", p)} AND ${shutdownItemDetailVisible(viewer, "n", p)} AND ${OVERDUE})`);
    }
    return listBySeq<ShutdownOrder>((sql, values) => this.dataSource.query(sql, values), {
      from: "shutdown_orders o", alias: "o", columns: ORDER_COLUMNS, where, params: p.values, page, kind: CURSOR_KIND, descending: true,
    });
  }

  /**
   * The items of these orders that the viewer sees, with whether each is overdue now. Outside a provincial
   * bureau's province an item shows only its number, carrier and state.
   */
  async itemsOf(viewer: Viewer, orderIds: readonly string[]): Promise<ShutdownItem[][]> {
    const p = new SqlParams();
    const rows: (ShutdownItem & { detailed: boolean })[] = await this.dataSource.query(
      `SELECT i.order_id AS "orderId", i.number, i.carrier_id AS "carrierId", i.previous_status AS "previousStatus", i.state,
              i.acknowledged_at AS "acknowledgedAt", i.executed_at AS "executedAt", ${OVERDUE} AS overdue,
              i.fraud_confirmed_at AS "fraudConfirmedAt", ${shutdownItemDetailVisible(viewer, "n", p)} AS detailed
         FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id LEFT JOIN numbers n ON n.number = i.number
        WHERE i.order_id = ANY(${p.add(orderIds)}::uuid[]) AND ${shutdownOrdersVisible(viewer, "o", p)} AND ${shutdownItemsVisible(viewer, "i", p)}
        ORDER BY i.number`,
      p.values,
    );
    return groupByIds(orderIds, rows.map(itemAsSeen), (r) => r.orderId);
  }

  /**
   * The notices a carrier receives while subscribed: each committed order it sees, with only
   * the items it sees (its subtree's numbers); orders naming none of them are not delivered.
   */
  notices(viewer: Viewer): AsyncIterableIterator<ShutdownNotice> {
    organizationOf(viewer);
    const queue: ShutdownNotice[] = [];
    const waiting: ((result: IteratorResult<ShutdownNotice>) => void)[] = [];
    let done = false;
    const deliver = (notice: ShutdownNotice) => {
      const next = waiting.shift();
      if (next) next({ value: notice, done: false });
      else queue.push(notice);
    };
    const stop = this.bus.listen((orderId) => {
      this.noticeFor(orderId, viewer)
        .then((notice) => notice && !done && deliver(notice))
        .catch((error) => this.log.error({ err: error, orderId }, "could not prepare a shutdown notice"));
    });
    const finish = async (): Promise<IteratorResult<ShutdownNotice>> => {
      done = true;
      stop();
      for (const next of waiting.splice(0)) next({ value: undefined, done: true });
      return { value: undefined, done: true };
    };
    return {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: finish,
      throw: async (error) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** The notice of a committed order for this viewer: only the order's items it sees; null when it sees none. */
  private async noticeFor(orderId: string, viewer: Viewer): Promise<ShutdownNotice | null> {
    const p = new SqlParams();
    const rows: (ShutdownOrder & { number: string })[] = await this.dataSource.query(
      `SELECT ${ORDER_COLUMNS}, i.number FROM shutdown_orders o JOIN shutdown_items i ON i.order_id = o.id
        WHERE o.id = ${p.add(orderId)} AND ${shutdownOrdersVisible(viewer, "o", p)} AND ${shutdownItemsVisible(viewer, "i", p)}
        ORDER BY i.number`,
      p.values,
    );
    if (rows.length === 0) return null;
    const [order] = rows;
    return {
      orderId,
      numbers: rows.map((r) => r.number),
      reason: order.reason,
      caseNumber: order.caseNumber,
      issuedAt: order.issuedAt,
      acknowledgementDeadline: order.acknowledgementDeadline,
      executionDeadline: order.executionDeadline,
    };
  }

  /** The numbers of this order that are the carrier's to execute, locked; NOT_FOUND when there are none. */
  private async itemsToExecute(tx: EntityManager, viewer: Viewer, orderId: string): Promise<Set<string>> {
    const p = new SqlParams();
    const rows: { number: string }[] = isUuid(orderId)
      ? await tx.query(
          `SELECT i.number FROM shutdown_items i WHERE i.order_id = ${p.add(orderId)} AND ${shutdownItemsVisible(viewer, "i", p)} FOR UPDATE OF i`,
          p.values,
        )
      : [];
    if (rows.length === 0) throw notFound(`no shutdown order ${orderId} naming numbers of yours`);
    return new Set(rows.map((r) => r.number));
  }

  /** A mutation's answer: the order as the acting viewer sees it (an issuer, a lifter, a carrier with items in it always does). */
  private async orderFor(tx: EntityManager, viewer: Viewer, orderId: string): Promise<ShutdownOrder> {
    const order = await this.visibleOrder(tx, viewer, orderId);
    if (!order) throw notFound(`no shutdown order ${orderId}`);
    return order;
  }

  private async visibleOrder(db: Pick<EntityManager, "query">, viewer: Viewer, orderId: string): Promise<ShutdownOrder | null> {
    const p = new SqlParams();
    const [row]: ShutdownOrder[] = await db.query(
      `SELECT ${ORDER_COLUMNS} FROM shutdown_orders o WHERE o.id = ${p.add(orderId)} AND ${shutdownOrdersVisible(viewer, "o", p)}`,
      p.values,
    );
    return row ?? null;
  }
}

/** Up to ten of these, and how many more. */
function named(items: string[]): string {
  return `${items.slice(0, 10).join(", ")}${items.length > 10 ? ` and ${items.length - 10} more` : ""}`;
}

/** An item as its viewer may read it: without its previous status, times and lateness when those are not the viewer's. */
function itemAsSeen({ detailed, ...item }: ShutdownItem & { detailed: boolean }): ShutdownItem {
  return detailed ? item : { ...item, previousStatus: null, acknowledgedAt: null, executedAt: null, overdue: null, fraudConfirmedAt: null };
}

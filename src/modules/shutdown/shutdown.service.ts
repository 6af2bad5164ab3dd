import type { Logger } from "pino";
import { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { OrganizationKind } from "../../shared/auth/roles";
import { Viewer, ViewerOrganization, actingAs } from "../../shared/auth/viewer";
import { groupByIds } from "../../shared/dates";
import { badInput, conflict, forbidden, notFound } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import type { AuditedMutation } from "../audit/audited-mutation";
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

/** An item is overdue while its order stands and a deadline has passed without the step. */
const OVERDUE = `(o.status = 'IN_EFFECT' AND ((i.state = 'NOTIFIED' AND now() > o.acknowledgement_deadline)
                                            OR (i.state <> 'EXECUTED' AND now() > o.execution_deadline)))`;

interface Scope {
  sql: string;
  params: unknown[];
}

/** Emergency shutdown orders (DESIGN.md, "Emergency shutdown orders"). */
export class ShutdownService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    readonly bus: NoticeBus,
    private readonly log: Logger,
  ) {}

  /**
   * Which orders a viewer sees: police those issued in their subtree (the ministry
   * all); a national regulator all, a provincial one those issued in its subtree or
   * naming numbers of its province; a carrier those naming its subtree's numbers.
   */
  private orderScope(viewer: Viewer, first: number): Scope {
    const org = viewer.organization;
    if (!org) return { sql: "FALSE", params: [] };
    const issuedBelow = `o.issued_by IN (SELECT id FROM organizations WHERE path LIKE $${first} || '%')`;
    switch (org.kind) {
      case OrganizationKind.POLICE:
        return { sql: issuedBelow, params: [org.path] };
      case OrganizationKind.REGULATOR:
        if (!org.province) return { sql: "TRUE", params: [] };
        return {
          sql: `(${issuedBelow} OR EXISTS (SELECT 1 FROM shutdown_items i JOIN numbers n ON n.number = i.number
                                           WHERE i.order_id = o.id AND n.province = $${first + 1}))`,
          params: [org.path, org.province],
        };
      case OrganizationKind.CARRIER:
        return { sql: `EXISTS (SELECT 1 FROM shutdown_items i WHERE i.order_id = o.id AND ${this.carrierItems(first)})`, params: [org.path] };
      default:
        return { sql: "FALSE", params: [] };
    }
  }

  /** Items a carrier sees: its subtree's numbers; others see every item of an order they see. */
  private itemScope(viewer: Viewer, first: number): Scope {
    const org = viewer.organization;
    if (org?.kind === OrganizationKind.CARRIER) return { sql: this.carrierItems(first), params: [org.path] };
    return { sql: "TRUE", params: [] };
  }

  private carrierItems(param: number): string {
    return `i.carrier_id IN (SELECT id FROM organizations WHERE path LIKE $${param} || '%')`;
  }

  async issue(viewer: Viewer, input: IssueShutdownOrderInput, mutation: AuditedMutation): Promise<ShutdownOrder> {
    const issuer = this.authority(viewer, "only the police or a regulator issues a shutdown order");
    const malformed: string[] = [];
    const wanted = new Set<string>();
    for (const text of input.numbers) {
      const number = canonicalNumber(text);
      if (number === null) malformed.push(text);
      else wanted.add(number);
    }
    if (malformed.length > 0) {
      const named = malformed.slice(0, 10).map((m) => `"${m}"`).join(", ");
      throw badInput(`not 400 numbers (ten digits starting 400): ${named}${malformed.length > 10 ? ` and ${malformed.length - 10} more` : ""}`, {
        argument: "input.numbers",
      });
    }
    const numbers = [...wanted];
    const { shutdownAckMinutes, shutdownExecutionMinutes, quarantineDays } = this.config.rules;
    mutation.target(input.caseNumber.trim());

    const order = await mutation.run(async (tx) => {
      await lockNumbers(tx);
      const [{ id }] = await tx.query(
        `INSERT INTO shutdown_orders (issued_by, issued_by_actor, case_number, legal_basis, reason, note, acknowledgement_deadline, execution_deadline)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7), now() + make_interval(mins => $8)) RETURNING id`,
        [issuer.id, viewer.subject, input.caseNumber.trim(), input.legalBasis.trim(), input.reason, input.note.trim(), shutdownAckMinutes, shutdownExecutionMinutes],
      );
      // Each item remembers what its number was before any order stopped it.
      const known: { number: string }[] = await tx.query(
        `INSERT INTO shutdown_items (order_id, number, carrier_id, previous_status)
         SELECT $1, n.number, n.carrier_id,
                CASE WHEN n.status <> 'FORCE_STOPPED' THEN n.status ELSE
                  (SELECT i.previous_status FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                    WHERE i.number = n.number AND o.status = 'IN_EFFECT' LIMIT 1) END
           FROM numbers n WHERE n.number = ANY($2::text[])
         RETURNING number`,
        [id, numbers],
      );
      const held = new Set(known.map((k) => k.number));
      const unknown = numbers.filter((n) => !held.has(n));
      if (unknown.length > 0) await tx.query(`UPDATE shutdown_orders SET unknown_numbers = $2 WHERE id = $1`, [id, unknown]);
      if (input.reason === ShutdownReason.TELECOM_FRAUD) {
        // A fraud number ages in the long quarantine, and never goes back to whoever held it.
        await tx.query(
          `INSERT INTO number_bars (number, uscc, legal_rep_id_hash, reason)
           SELECT n.number, s.uscc, s.legal_rep_id_hash, 'fraud shutdown ' || $2
             FROM numbers n JOIN subscribers s ON s.id = n.subscriber_id WHERE n.number = ANY($1::text[])
           ON CONFLICT DO NOTHING`,
          [numbers, input.caseNumber.trim()],
        );
      }
      await moveNumbers(tx, {
        where: "n.number = ANY($1::text[])",
        params: [numbers],
        set: input.reason === ShutdownReason.TELECOM_FRAUD ? "status = 'FORCE_STOPPED', aging_days = $2" : "status = 'FORCE_STOPPED'",
        setParams: input.reason === ShutdownReason.TELECOM_FRAUD ? [quarantineDays] : [],
        cause: ChangeCause.SHUTDOWN,
        orderId: id,
        recordUnchanged: true,
      });
      await this.bus.announce(tx, id);
      return { result: await this.orderRow(tx, id), targets: [id] };
    });
    this.bus.committed(order.id);
    return order;
  }

  async acknowledge(viewer: Viewer, orderId: string, mutation: AuditedMutation): Promise<ShutdownOrder> {
    const carrier = this.carrier(viewer);
    return mutation.run(async (tx) => {
      await this.carrierItemsOf(tx, orderId, carrier);
      await tx.query(
        `UPDATE shutdown_items i SET state = 'ACKNOWLEDGED', acknowledged_at = now()
          WHERE i.order_id = $1 AND i.state = 'NOTIFIED' AND ${this.carrierItems(2)}`,
        [orderId, carrier.path],
      );
      return { result: await this.orderRow(tx, orderId), targets: [orderId] };
    });
  }

  async confirmExecuted(viewer: Viewer, orderId: string, numbers: string[] | null | undefined, mutation: AuditedMutation): Promise<ShutdownOrder> {
    const carrier = this.carrier(viewer);
    return mutation.run(async (tx) => {
      const mine = await this.carrierItemsOf(tx, orderId, carrier);
      const [order] = await tx.query(`SELECT status FROM shutdown_orders WHERE id = $1`, [orderId]);
      if (order.status !== "IN_EFFECT") throw conflict("the order was lifted: there is nothing to execute");
      let chosen: string[] | null = null;
      if (numbers && numbers.length > 0) {
        chosen = numbers.map((n) => canonicalNumber(n) ?? n);
        const foreign = chosen.filter((n) => !mine.has(n));
        if (foreign.length > 0) {
          throw badInput(`not numbers of yours in this order: ${foreign.slice(0, 10).join(", ")}`, { argument: "numbers" });
        }
      }
      await tx.query(
        `UPDATE shutdown_items i SET state = 'EXECUTED', executed_at = now(), acknowledged_at = coalesce(acknowledged_at, now())
          WHERE i.order_id = $1 AND i.state <> 'EXECUTED' AND ${this.carrierItems(2)} AND ($3::text[] IS NULL OR i.number = ANY($3::text[]))`,
        [orderId, carrier.path, chosen],
      );
      return { result: await this.orderRow(tx, orderId), targets: [orderId] };
    });
  }

  /**
   * Lifts an order: only its issuer or an authority above it. Each of its numbers
   * that no other order in effect names returns to what it was before it was
   * stopped, unless its owner lost its identity meanwhile (REVOKED: TERMINATED;
   * no longer VERIFIED: SUSPENDED for papers).
   */
  async lift(viewer: Viewer, orderId: string, reason: string, mutation: AuditedMutation): Promise<ShutdownOrder> {
    const authority = this.authority(viewer, "only the issuing authority, or one above it, lifts a shutdown order");
    const why = reason.trim();
    if (why.length < 3 || why.length > 1000) throw badInput("reason must be 3-1000 characters", { argument: "reason" });
    const { quarantineDays } = this.config.rules;
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const [order] = isUuid(orderId)
        ? await tx.query(
            `SELECT o.status, i.path AS issuer_path FROM shutdown_orders o JOIN organizations i ON i.id = o.issued_by WHERE o.id = $1 FOR UPDATE OF o`,
            [orderId],
          )
        : [];
      if (!order) throw notFound(`no shutdown order ${orderId}`);
      if (!String(order.issuer_path).startsWith(authority.path)) {
        throw forbidden("only the issuing authority, or one above it, lifts this order");
      }
      if (order.status !== "IN_EFFECT") throw conflict("the order is already lifted");
      await tx.query(
        `UPDATE shutdown_orders SET status = 'LIFTED', lifted_at = now(), lifted_by = $2, lift_reason = $3 WHERE id = $1`,
        [orderId, authority.id, why],
      );
      await tx.query(`SET LOCAL registry.lifting = 'on'`);
      const previous = `(SELECT i.previous_status FROM shutdown_items i WHERE i.order_id = $1 AND i.number = n.number)`;
      const owner = `(SELECT s.identity_status FROM subscribers s WHERE s.id = n.subscriber_id)`;
      const moved = await moveNumbers(tx, {
        where: `n.status = 'FORCE_STOPPED' AND n.number IN (SELECT number FROM shutdown_items WHERE order_id = $1)
                AND NOT EXISTS (SELECT 1 FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
                                 WHERE i.number = n.number AND o.status = 'IN_EFFECT')`,
        params: [orderId],
        set: `status = CASE
                WHEN ${previous} IN ('PENDING_VERIFICATION', 'ACTIVE', 'SUSPENDED') AND ${owner} = 'REVOKED' THEN 'TERMINATED'
                WHEN ${previous} = 'ACTIVE' AND ${owner} IS DISTINCT FROM 'VERIFIED' THEN 'SUSPENDED'
                ELSE ${previous} END,
              suspension = coalesce(n.suspension, 'PAPERS'),
              aging_days = CASE WHEN ${owner} = 'REVOKED' THEN $2 ELSE n.aging_days END`,
        setParams: [quarantineDays],
        cause: ChangeCause.LIFT,
        orderId,
      });
      await tx.query(`SET LOCAL registry.lifting = 'off'`);
      return { result: await this.orderRow(tx, orderId), targets: [orderId, ...moved.map((m) => m.number)] };
    });
  }

  async list(viewer: Viewer, filter: ShutdownOrderFilter | null | undefined, args: PageArgs): Promise<Connection<ShutdownOrder>> {
    const page = toPage(args, CURSOR_KIND);
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const scope = this.orderScope(viewer, 1);
    params.push(...scope.params);
    const where = [scope.sql];
    if (filter?.status) where.push(`o.status = ${param(filter.status)}`);
    if (filter?.overdue != null) {
      const items = this.itemScope(viewer, params.length + 1);
      params.push(...items.params);
      where.push(`${filter.overdue ? "" : "NOT "}EXISTS (SELECT 1 FROM shutdown_items i WHERE i.order_id = o.id AND ${items.sql} AND ${OVERDUE})`);
    }
    return listBySeq<ShutdownOrder>((sql, values) => this.dataSource.query(sql, values), {
      from: "shutdown_orders o", alias: "o", columns: ORDER_COLUMNS, where, params, page, kind: CURSOR_KIND, descending: true,
    });
  }

  /** The items of these orders that the viewer sees, with whether each is overdue now. */
  async itemsOf(viewer: Viewer, orderIds: readonly string[]): Promise<ShutdownItem[][]> {
    const scope = this.itemScope(viewer, 2);
    const rows: ShutdownItem[] = await this.dataSource.query(
      `SELECT i.order_id AS "orderId", i.number, i.carrier_id AS "carrierId", i.previous_status AS "previousStatus", i.state,
              i.acknowledged_at AS "acknowledgedAt", i.executed_at AS "executedAt", ${OVERDUE} AS overdue
         FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
        WHERE i.order_id = ANY($1::uuid[]) AND ${scope.sql}
        ORDER BY i.number`,
      [orderIds, ...scope.params],
    );
    return groupByIds(orderIds, rows, (r) => r.orderId);
  }

  /**
   * The notices a carrier receives while subscribed: each committed order, with only
   * the carrier's subtree's numbers; orders naming none of them are not delivered.
   */
  notices(viewer: Viewer): AsyncIterableIterator<ShutdownNotice> {
    const carrier = this.carrier(viewer);
    const queue: ShutdownNotice[] = [];
    const waiting: ((result: IteratorResult<ShutdownNotice>) => void)[] = [];
    let done = false;
    const deliver = (notice: ShutdownNotice) => {
      const next = waiting.shift();
      if (next) next({ value: notice, done: false });
      else queue.push(notice);
    };
    const stop = this.bus.listen((orderId) => {
      this.noticeFor(orderId, carrier)
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

  private async noticeFor(orderId: string, carrier: ViewerOrganization): Promise<ShutdownNotice | null> {
    const rows: (ShutdownOrder & { number: string })[] = await this.dataSource.query(
      `SELECT ${ORDER_COLUMNS}, i.number FROM shutdown_orders o JOIN shutdown_items i ON i.order_id = o.id
        WHERE o.id = $1 AND ${this.carrierItems(2)} ORDER BY i.number`,
      [orderId, carrier.path],
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

  private authority(viewer: Viewer, message: string): ViewerOrganization {
    return actingAs(viewer, [OrganizationKind.POLICE, OrganizationKind.REGULATOR], message);
  }

  private carrier(viewer: Viewer): ViewerOrganization {
    return actingAs(viewer, OrganizationKind.CARRIER, "only a carrier acknowledges and executes shutdown orders");
  }

  /** The numbers of this order that are the carrier's; NOT_FOUND when there are none. */
  private async carrierItemsOf(tx: EntityManager, orderId: string, carrier: ViewerOrganization): Promise<Set<string>> {
    const rows: { number: string }[] = isUuid(orderId)
      ? await tx.query(`SELECT i.number FROM shutdown_items i WHERE i.order_id = $1 AND ${this.carrierItems(2)} FOR UPDATE OF i`, [orderId, carrier.path])
      : [];
    if (rows.length === 0) throw notFound(`no shutdown order ${orderId} naming numbers of yours`);
    return new Set(rows.map((r) => r.number));
  }

  private async orderRow(tx: EntityManager, id: string): Promise<ShutdownOrder> {
    const [row] = await tx.query(`SELECT ${ORDER_COLUMNS} FROM shutdown_orders o WHERE o.id = $1`, [id]);
    return row;
  }
}

import type { DataSource, EntityManager } from "typeorm";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { addDays, chinaDayOf, oneByKeys } from "../../shared/dates";
import { badInput, conflict, forbidden, notFound } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import {
  SqlParams, depositSchedulesWritable, depositsVisible, imposedAtOrBelow, numbersOrderable, shutdownOrdersVisible,
} from "../../shared/policy";
import { assertProvince } from "../../shared/provinces";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { parseNumber } from "../numbers/number-format";
import { numberAsMoved } from "../numbers/number.service";
import { lockNumbers, moveNumbers } from "../numbers/number-moves";
import type { PhoneNumber } from "../numbers/number.entity";
import { ChangeCause } from "../numbers/number-status";
import { suspendWhereDepositForbids } from "./deposit-moves";
import { Deposit, DepositDimension, DepositSchedule, DepositTotals, DepositTotalsRow, cnyOf } from "./deposit.entity";
import { DepositFilter, MAX_CONFIRMED_NUMBERS, SetDepositScheduleInput } from "./deposit.inputs";

const DEPOSIT_COLUMNS = `d.id, d.seq::text AS seq, d.number, d.amount_fen AS "amountFen", d.status, d.posted_at AS "postedAt",
  d.follow_until AS "followUntil", d.province, d.paid, d.reseller_id AS "resellerId", d.carrier_id AS "carrierId"`;

const SCHEDULE_COLUMNS = `s.id, s.province, s.amount_fen AS "amountFen", to_char(s.effective_from, 'YYYY-MM-DD') AS "effectiveFrom",
  s.follow_days AS "followDays", s.set_at AS "setAt"`;

/** The sums of deposits by status over `from` (deposits `d`), fen as text, counts as integers. */
const TOTALS = `count(*)::int AS count, coalesce(sum(d.amount_fen), 0)::text AS posted,
  coalesce(sum(d.amount_fen) FILTER (WHERE d.status = 'DUE'), 0)::text AS due,
  coalesce(sum(d.amount_fen) FILTER (WHERE d.status = 'HELD'), 0)::text AS held,
  coalesce(sum(d.amount_fen) FILTER (WHERE d.status = 'FORFEITED'), 0)::text AS forfeited_fen,
  coalesce(sum(d.amount_fen) FILTER (WHERE d.status = 'RELEASED'), 0)::text AS released,
  coalesce(sum(d.amount_fen) FILTER (WHERE d.status = 'REFUNDED'), 0)::text AS refunded,
  (count(*) FILTER (WHERE d.status = 'FORFEITED'))::int AS forfeited`;

interface TotalsRow {
  count: number;
  posted: string;
  due: string;
  held: string;
  forfeited_fen: string;
  released: string;
  refunded: string;
  forfeited: number;
}

const totalsOf = (r: TotalsRow): DepositTotals => ({
  count: r.count,
  postedCny: cnyOf(r.posted),
  dueCny: cnyOf(r.due),
  heldCny: cnyOf(r.held),
  forfeitedCny: cnyOf(r.forfeited_fen),
  releasedCny: cnyOf(r.released),
  refundedCny: cnyOf(r.refunded),
  forfeited: r.forfeited,
  forfeitureRate: r.count > 0 ? r.forfeited / r.count : null,
});

type DepositRow = Omit<Deposit, "amountCny"> & { amountFen: string };
const depositOf = ({ amountFen, ...row }: DepositRow): Deposit => ({ ...row, amountCny: cnyOf(amountFen) });
type ScheduleRow = Omit<DepositSchedule, "amountCny"> & { amountFen: string };
const scheduleOf = ({ amountFen, ...row }: ScheduleRow): DepositSchedule => ({ ...row, amountCny: cnyOf(amountFen) });

/** How far ahead a schedule may be set: a regulator's year's plan, not a date no one will see. */
const MAX_SCHEDULE_AHEAD_DAYS = 3660;

/** The deposits (`d`) a viewer reaches that a filter selects, as SQL conditions: the list's and the totals' alike. */
function depositsWhere(viewer: Viewer, filter: DepositFilter | null | undefined, p: SqlParams): string[] {
  const where = [depositsVisible(viewer, "d", p)];
  if (filter?.status) where.push(`d.status = ${p.add(filter.status)}`);
  if (filter?.province) where.push(`d.province = ${p.add(filter.province)}`);
  if (filter?.resellerCode) where.push(`d.reseller_id IN (SELECT id FROM organizations WHERE code = ${p.add(filter.resellerCode)})`);
  return where;
}

/** A reference from a carrier's books or a decision's number: 1-200 characters, trimmed. */
function reference(text: string, argument: string): string {
  const value = text.trim();
  if (value.length < 1 || [...value].length > 200) throw badInput(`${argument} must be 1-200 characters`, { argument });
  return value;
}

/**
 * Deposits (issue 19): the regulator's schedule, the carrier's records of money received and refunded,
 * the forfeiture of confirmed fraud, and each party's view of its own side. Postings are written by the
 * database's deposit_transfer(), in the transaction of the event that causes them; the assignment's
 * posting and the releases are the database's own triggers on numbers (migration Deposits).
 */
export class DepositService {
  constructor(private readonly dataSource: DataSource) {}

  async setSchedule(viewer: Viewer, input: SetDepositScheduleInput, mutation: UnitOfWork): Promise<DepositSchedule> {
    const org = organizationOf(viewer);
    const province = input.province ?? null;
    mutation.target(`deposit-schedule:${province ?? "national"}:${input.effectiveFrom}`);
    if (province !== null) assertProvince(province);
    if (!depositSchedulesWritable(viewer, province)) {
      throw forbidden(province === null ? "only a national regulator sets the national deposit" : "a provincial regulator sets its own province's deposit only");
    }
    const today = chinaDayOf(new Date());
    if (input.effectiveFrom < today) {
      throw badInput(`effectiveFrom ${input.effectiveFrom} is in the past (today is ${today}, China time): a schedule never rewrites history`, {
        argument: "effectiveFrom",
      });
    }
    if (input.effectiveFrom > addDays(today, MAX_SCHEDULE_AHEAD_DAYS)) {
      throw badInput(`effectiveFrom must be within ${MAX_SCHEDULE_AHEAD_DAYS} days of today`, { argument: "effectiveFrom" });
    }
    return mutation.run(async (tx) => {
      // Two at once for the same day: the unique index decides, and the second is CONFLICT, not an error.
      const q = new SqlParams();
      const [row]: ScheduleRow[] = await tx.query(
        `INSERT INTO deposit_schedules (province, amount_fen, effective_from, follow_days, set_by)
         VALUES (${q.add(province)}, ${q.add(Math.round(input.amountCny * 100))}, ${q.add(input.effectiveFrom)}::date, ${q.add(input.followDays ?? null)}::int,
                 ${q.add(org.id)})
         ON CONFLICT DO NOTHING
         RETURNING ${SCHEDULE_COLUMNS.replace(/\bs\./g, "")}`,
        q.values,
      );
      if (!row) throw conflict(`a deposit for ${province ?? "the nation"} from ${input.effectiveFrom} is already set: set another day`);
      return { result: scheduleOf(row), targets: [row.id] };
    });
  }

  /** The schedules, newest first: the amounts are public to every party that deals in deposits. */
  async schedules(): Promise<DepositSchedule[]> {
    const rows: ScheduleRow[] = await this.dataSource.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM deposit_schedules s ORDER BY s.effective_from DESC, s.province NULLS FIRST`,
    );
    return rows.map(scheduleOf);
  }

  /**
   * The carrier records the standing deposit of a number received; a number that waited only for it goes
   * into service. The same reference again changes nothing; another is CONFLICT.
   */
  async recordReceived(viewer: Viewer, text: string, ref: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const org = organizationOf(viewer);
    const number = parseNumber(text);
    const given = reference(ref, "reference");
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const deposit = await this.latestDeposit(tx, viewer, number);
      if (!deposit || (deposit.status !== "DUE" && deposit.status !== "HELD")) {
        throw notFound(`no deposit of ${number} is due to you`);
      }
      if (deposit.status === "HELD") {
        if (deposit.receivedReference !== given) {
          throw conflict(`the deposit of ${number} was already recorded received, under reference "${deposit.receivedReference}"`);
        }
      } else {
        await this.transfer(tx, [deposit.id], "RECEIVE", given, null, null, org.id);
      }
      const m = new SqlParams();
      await moveNumbers(tx, {
        where: `n.number = ${m.add(number)} AND n.subscriber_id = ${m.add(deposit.subscriberId)}::uuid
                AND (n.status = 'PENDING_VERIFICATION' OR (n.status = 'SUSPENDED' AND n.suspension = 'PAPERS'))
                AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED')
                AND number_may_serve(n.number, n.subscriber_id)`,
        params: m.values,
        set: "status = 'ACTIVE'",
        cause: ChangeCause.DEPOSIT,
      });
      return { result: await numberAsMoved(tx, number), targets: [number, deposit.id] };
    });
  }

  /** The carrier records a released deposit paid back to the reseller. The same reference again changes nothing. */
  async recordRefunded(viewer: Viewer, text: string, ref: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const org = organizationOf(viewer);
    const number = parseNumber(text);
    const given = reference(ref, "reference");
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const deposit = await this.latestDeposit(tx, viewer, number);
      if (!deposit) throw notFound(`no deposit of ${number} is yours to refund`);
      if (deposit.status === "REFUNDED") {
        if (deposit.refundedReference !== given) {
          throw conflict(`the deposit of ${number} was already recorded refunded, under reference "${deposit.refundedReference}"`);
        }
      } else if (deposit.status !== "RELEASED") {
        throw conflict(`the deposit of ${number} is ${deposit.status}: only a RELEASED deposit is refunded`);
      } else if (!deposit.paid) {
        throw conflict(`the deposit of ${number} was never received: its release cancelled the obligation, there is nothing to refund`);
      } else {
        await this.transfer(tx, [deposit.id], "REFUND", given, null, null, org.id);
      }
      return { result: await numberAsMoved(tx, number), targets: [number, deposit.id] };
    });
  }

  /**
   * Fraud (or unsolicited marketing) confirmed on numbers an order stopped, by the issuing authority or
   * one above it, or a regulator whose reach covers them: the deposits standing when the order named them
   * are forfeited, and each reseller's forfeiture is a published line of the penalties list. Returns the
   * order's id; confirming again changes nothing.
   */
  async confirmFraud(viewer: Viewer, orderId: string, texts: string[], decision: string, mutation: UnitOfWork): Promise<string> {
    const org = organizationOf(viewer);
    const decisionReference = reference(decision, "decisionReference");
    if (texts.length === 0) throw badInput("numbers must name at least one number of the order", { argument: "numbers" });
    if (texts.length > MAX_CONFIRMED_NUMBERS) throw badInput(`numbers must name at most ${MAX_CONFIRMED_NUMBERS}`, { argument: "numbers" });
    const numbers = [...new Set(texts.map((t) => parseNumber(t, "numbers")))];
    mutation.target(orderId, ...numbers);
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const p = new SqlParams();
      const [order]: {
        reason: string; mistaken: boolean; issuedAt: Date; legalBasis: string; visible: boolean; issuer: boolean;
      }[] = isUuid(orderId)
        ? await tx.query(
            `SELECT o.reason, o.lifted_as_mistaken AS mistaken, o.issued_at AS "issuedAt", o.legal_basis AS "legalBasis",
                    ${shutdownOrdersVisible(viewer, "o", p)} AS visible, ${imposedAtOrBelow(viewer, "o.issued_by", p)} AS issuer
               FROM shutdown_orders o WHERE o.id = ${p.add(orderId)} FOR UPDATE OF o`,
            p.values,
          )
        : [];
      if (!order || !order.visible) throw notFound(`no shutdown order ${orderId}`);
      if (order.reason !== "TELECOM_FRAUD" && order.reason !== "ILLEGAL_MARKETING") {
        throw conflict(`the order's reason is ${order.reason}: only fraud (TELECOM_FRAUD) or unsolicited marketing (ILLEGAL_MARKETING) forfeits deposits`);
      }
      if (order.mistaken) throw conflict("the order was lifted as issued by mistake: there is no fraud to confirm");
      const i = new SqlParams();
      const items: { number: string; reachable: boolean; decision: string | null }[] = await tx.query(
        `SELECT i.number, ${numbersOrderable(viewer, "n", i)} AS reachable, i.fraud_decision AS decision
           FROM shutdown_items i JOIN numbers n ON n.number = i.number
          WHERE i.order_id = ${i.add(orderId)} AND i.number = ANY(${i.add(numbers)}::text[])`,
        i.values,
      );
      const named = new Set(items.map((x) => x.number));
      const strangers = numbers.filter((n) => !named.has(n));
      if (strangers.length > 0) {
        throw badInput(`the order does not name ${strangers.slice(0, 10).join(", ")}${strangers.length > 10 ? ` and ${strangers.length - 10} more` : ""}`, {
          argument: "numbers",
        });
      }
      const regulator = org.kind === "REGULATOR" && items.every((x) => x.reachable);
      if (!order.issuer && !regulator) {
        throw forbidden("fraud is confirmed by the issuing authority, one above it, or a regulator whose reach covers every number named");
      }
      const otherwise = items.filter((x) => x.decision !== null && x.decision !== decisionReference);
      if (otherwise.length > 0) {
        throw conflict(`fraud on ${otherwise.map((x) => x.number).slice(0, 10).join(", ")} was already confirmed by another decision`);
      }
      const c = new SqlParams();
      await tx.query(
        `UPDATE shutdown_items SET fraud_confirmed_at = now(), fraud_decision = ${c.add(decisionReference)}
          WHERE order_id = ${c.add(orderId)} AND number = ANY(${c.add(numbers)}::text[]) AND fraud_confirmed_at IS NULL`,
        c.values,
      );
      // The deposit standing when the order named the number: posted before the order, not yet settled.
      const d = new SqlParams();
      const standing: { id: string; resellerId: string; amountFen: string; paid: boolean }[] = await tx.query(
        `SELECT d.id, d.reseller_id AS "resellerId", d.amount_fen::text AS "amountFen", d.paid FROM deposits d
          WHERE d.number = ANY(${d.add(numbers)}::text[]) AND d.status IN ('DUE', 'HELD') AND d.posted_at <= ${d.add(order.issuedAt)}::timestamptz
          ORDER BY d.id`,
        d.values,
      );
      if (standing.length > 0) {
        await this.transfer(tx, standing.map((s) => s.id), "FORFEIT", null, orderId, decisionReference, org.id);
        await this.publishForfeitures(tx, viewer, orderId, order, standing);
        // A number in service again (its order lifted before the confirmation) leaves it now, as the sweep would.
        const m = new SqlParams();
        await suspendWhereDepositForbids(tx, `n.number = ANY(${m.add(numbers)}::text[])`, m.values, ChangeCause.DEPOSIT);
      }
      return { result: orderId, targets: [orderId, ...numbers] };
    });
  }

  /**
   * One published line a reseller: what it forfeited, how much of it was paid, and for what wrongdoing. The
   * public line names neither the police case nor the decision (free text a person wrote): those stay in the
   * forfeiture's posting and the audit trail.
   */
  private async publishForfeitures(
    tx: EntityManager,
    viewer: Viewer,
    orderId: string,
    order: { reason: string; legalBasis: string },
    forfeited: { resellerId: string; amountFen: string; paid: boolean }[],
  ): Promise<void> {
    const byReseller = new Map<string, { count: number; fen: bigint; owed: bigint }>();
    for (const f of forfeited) {
      const sum = byReseller.get(f.resellerId) ?? { count: 0, fen: 0n, owed: 0n };
      byReseller.set(f.resellerId, { count: sum.count + 1, fen: sum.fen + BigInt(f.amountFen), owed: sum.owed + (f.paid ? 0n : BigInt(f.amountFen)) });
    }
    const what = order.reason === "TELECOM_FRAUD" ? "telecom fraud" : "unsolicited marketing";
    const cny = (fen: bigint) => (Number(fen) / 100).toFixed(2);
    for (const [resellerId, sum] of byReseller) {
      const p = new SqlParams();
      const by = p.add(organizationOf(viewer).id);
      const owed = sum.owed > 0n ? ` (CNY ${cny(sum.owed)} of it never paid: still owed)` : "";
      await tx.query(
        `INSERT INTO penalties (target_kind, target_name, target_org_id, facts, legal_basis, fine_cny, decision_date, blacklisted,
                                published_at, published_by, recorded_by, recorded_by_actor, forfeiture_order_id)
         SELECT 'ORGANIZATION', o.name, o.id,
                ${p.add(`Deposits of ${sum.count} number${sum.count === 1 ? "" : "s"} it sold forfeited${owed}: ${what} confirmed on an emergency shutdown order`)},
                ${p.add(order.legalBasis)}, ${p.add(cny(sum.fen))}::numeric, ${p.add(chinaDayOf(new Date()))}::date, false,
                now(), ${by}, ${by}, ${p.add(viewer.subject)}, ${p.add(orderId)}::uuid
           FROM organizations o WHERE o.id = ${p.add(resellerId)}`,
        p.values,
      );
    }
  }

  /** The deposits the viewer reaches, newest first, with the totals of all of them. */
  async list(viewer: Viewer, filter: DepositFilter | null | undefined, args: PageArgs): Promise<Connection<Deposit> & { totals: () => Promise<DepositTotals> }> {
    const page = toPage(args, "deposit");
    const p = new SqlParams();
    const where = depositsWhere(viewer, filter, p);
    const query = (sql: string, params: unknown[]) => this.dataSource.query(sql, params);
    const connection = await listBySeq<DepositRow & { seq: string }>(query, {
      from: "deposits d", alias: "d", columns: DEPOSIT_COLUMNS, where, params: p.values, page, kind: "deposit", descending: true,
    });
    const totals = async () => {
      const [row]: TotalsRow[] = await this.dataSource.query(`SELECT ${TOTALS} FROM deposits d WHERE ${where.join(" AND ")}`, p.values);
      return totalsOf(row);
    };
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: depositOf(e.node) })), totals };
  }

  /** The viewer's deposits grouped by carrier group, province or reseller: the regulator's nationwide totals. */
  async totalsBy(viewer: Viewer, groupBy: DepositDimension[], filter: DepositFilter | null | undefined): Promise<DepositTotalsRow[]> {
    const dimensions = [...new Set(groupBy)];
    const p = new SqlParams();
    const where = depositsWhere(viewer, filter, p);
    const column: Record<DepositDimension, string> = {
      [DepositDimension.CARRIER]: "split_part(c.path, '/', 2)",
      [DepositDimension.PROVINCE]: "d.province",
      [DepositDimension.RESELLER]: "r.code",
    };
    const selected = (d: DepositDimension) => (dimensions.includes(d) ? column[d] : "NULL::text");
    const groups = dimensions.map((d) => column[d]);
    const rows: (TotalsRow & { carrierCode: string | null; province: string | null; resellerCode: string | null })[] = await this.dataSource.query(
      `SELECT ${selected(DepositDimension.CARRIER)} AS "carrierCode", ${selected(DepositDimension.PROVINCE)} AS province,
              ${selected(DepositDimension.RESELLER)} AS "resellerCode", ${TOTALS}
         FROM deposits d JOIN organizations c ON c.id = d.carrier_id JOIN organizations r ON r.id = d.reseller_id
        WHERE ${where.join(" AND ")}
        ${groups.length > 0 ? `GROUP BY ${groups.join(", ")} ORDER BY ${groups.map((g) => `${g} NULLS FIRST`).join(", ")}` : ""}`,
      p.values,
    );
    return rows.map((r) => ({ ...totalsOf(r), carrierCode: r.carrierCode, province: r.province, resellerCode: r.resellerCode }));
  }

  /**
   * For the per-request loader behind PhoneNumber.deposit: each number's latest deposit, when the viewer
   * reaches that deposit (its own side of it); null otherwise, or when the number never had one.
   */
  async latestOf(viewer: Viewer, numbers: readonly string[]): Promise<(Deposit | null)[]> {
    const p = new SqlParams();
    const rows: DepositRow[] = await this.dataSource.query(
      `SELECT ${DEPOSIT_COLUMNS}
         FROM (SELECT DISTINCT ON (x.number) x.* FROM deposits x WHERE x.number = ANY(${p.add([...numbers])}::text[]) ORDER BY x.number, x.seq DESC) d
        WHERE ${depositsVisible(viewer, "d", p)}`,
      p.values,
    );
    return oneByKeys(numbers, rows.map(depositOf), (d) => d.number);
  }

  /** The number's latest deposit the viewer reaches, locked, with its references. */
  private async latestDeposit(tx: EntityManager, viewer: Viewer, number: string) {
    const p = new SqlParams();
    const [row]: {
      id: string; status: string; paid: boolean; subscriberId: string; receivedReference: string | null; refundedReference: string | null;
    }[] = await tx.query(
      `SELECT d.id, d.status, d.paid, d.subscriber_id AS "subscriberId",
              (SELECT reference FROM deposit_postings WHERE deposit_id = d.id AND kind = 'RECEIVE') AS "receivedReference",
              (SELECT reference FROM deposit_postings WHERE deposit_id = d.id AND kind = 'REFUND') AS "refundedReference"
         FROM deposits d
        WHERE d.id = (SELECT x.id FROM deposits x WHERE x.number = ${p.add(number)} ORDER BY x.seq DESC LIMIT 1)
          AND ${depositsVisible(viewer, "d", p)}
        FOR UPDATE OF d`,
      p.values,
    );
    return row ?? null;
  }

  private async transfer(
    tx: EntityManager, ids: string[], kind: "RECEIVE" | "FORFEIT" | "REFUND", ref: string | null, orderId: string | null, decision: string | null, by: string,
  ): Promise<void> {
    const p = new SqlParams();
    await tx.query(
      `SELECT deposit_transfer(${p.add(ids)}::uuid[], ${p.add(kind)}::text, ${p.add(ref)}::text, ${p.add(orderId)}::uuid, ${p.add(decision)}::text, ${p.add(by)}::uuid)`,
      p.values,
    );
  }
}

import type { DataSource } from "typeorm";
import { Field, Float, Int, ObjectType } from "type-graphql";
import type { Viewer } from "../../shared/auth/viewer";
import { chinaDayStart, isCalendarDate, parseInstant } from "../../shared/dates";
import { badInput } from "../../shared/errors";
import { SqlParams, shutdownItemDetailVisible, shutdownItemsVisible, shutdownOrdersVisible } from "../../shared/policy";
import { OVERDUE } from "./shutdown.service";

/** The longest period one shutdownPerformance request covers. */
export const MAX_PERFORMANCE_DAYS = 1100;
const DAY_MS = 86_400_000;

@ObjectType({
  description:
    "A carrier's acknowledgement and execution times of shutdown items, over the orders issued in a period: the items whose times you read",
})
export class CarrierShutdownPerformance {
  carrierId: string;

  @Field(() => Int, { description: "Items of the period's orders naming this carrier's numbers" })
  items: number;

  @Field(() => Int, { description: "Of those, acknowledged (an execution counts as an acknowledgement)" })
  acknowledged: number;

  @Field(() => Int, { description: "Of those, confirmed executed" })
  executed: number;

  @Field(() => Float, { nullable: true, description: "Median seconds from the order's issue to the acknowledgement; null with none acknowledged" })
  acknowledgeP50Seconds: number | null;

  @Field(() => Float, { nullable: true, description: "95th percentile of the same (continuous: interpolated between the two nearest)" })
  acknowledgeP95Seconds: number | null;

  @Field(() => Float, { nullable: true, description: "Median seconds from the order's issue to the confirmed execution; null with none executed" })
  executeP50Seconds: number | null;

  @Field(() => Float, { nullable: true, description: "95th percentile of the same" })
  executeP95Seconds: number | null;

  @Field(() => Int, { description: "Items overdue now: their order in effect, a deadline passed without the step" })
  overdue: number;

  @Field(() => Int, { description: "Items acknowledged after the acknowledgement deadline" })
  acknowledgedLate: number;

  @Field(() => Int, { description: "Items executed after the execution deadline" })
  executedLate: number;
}

/** A period's bounds: from its first instant, to its last (inclusive) or to the next day's first (exclusive). */
interface Period {
  start: Date;
  end: Date;
  endInclusive: boolean;
}

/**
 * One bound of a period: a day (YYYY-MM-DD, China Standard Time: from its first instant, to its end) or an
 * ISO-8601 time with its zone. BAD_USER_INPUT naming the argument otherwise.
 */
function bound(value: string, argument: "from" | "to"): { at: Date; day: boolean } {
  const text: string = value;
  // A day `to` runs to the first instant of the next (computed from the instant: 9999-12-31 has a next day too).
  if (isCalendarDate(value)) return { at: new Date(chinaDayStart(value).getTime() + (argument === "to" ? DAY_MS : 0)), day: true };
  const at = text.length <= 40 ? parseInstant(text) : null;
  if (at) return { at, day: false };
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  throw badInput(`${argument} must be a day (YYYY-MM-DD) or an ISO-8601 time with its zone; got "${shown}"`, { argument });
}

export function periodOf(from: string, to: string): Period {
  const start = bound(from, "from").at;
  const { at: end, day } = bound(to, "to");
  if (day ? end <= start : end < start) throw badInput(`the period ends (to: ${to}) before it starts (from: ${from})`, { argument: "to" });
  if (end.getTime() - start.getTime() > MAX_PERFORMANCE_DAYS * DAY_MS) {
    throw badInput(`the period from ${from} to ${to} is longer than ${MAX_PERFORMANCE_DAYS} days`, { argument: "to" });
  }
  return { start, end, endInclusive: !day };
}

/**
 * shutdownPerformance (DESIGN.md, "Emergency shutdown orders": each carrier's acknowledgement and execution
 * times over periods): percentiles in SQL over exactly the items the viewer reads in shutdownOrders — orders
 * it sees, items it sees, and of those the ones whose times are its to read (a provincial bureau outside its
 * province sees only an item's number, carrier and state, so such items do not count here either).
 */
export class ShutdownPerformanceService {
  constructor(private readonly dataSource: DataSource) {}

  async report(viewer: Viewer, from: string, to: string): Promise<CarrierShutdownPerformance[]> {
    const period = periodOf(from, to);
    const p = new SqlParams();
    const ack = `extract(epoch FROM i.acknowledged_at - o.issued_at)::float8`;
    const exe = `extract(epoch FROM i.executed_at - o.issued_at)::float8`;
    return this.dataSource.query(
      `SELECT i.carrier_id AS "carrierId", count(*)::int AS items,
              count(i.acknowledged_at)::int AS acknowledged, count(i.executed_at)::int AS executed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${ack}) AS "acknowledgeP50Seconds",
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ${ack}) AS "acknowledgeP95Seconds",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${exe}) AS "executeP50Seconds",
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ${exe}) AS "executeP95Seconds",
              count(*) FILTER (WHERE ${OVERDUE})::int AS overdue,
              count(*) FILTER (WHERE i.acknowledged_at > o.acknowledgement_deadline)::int AS "acknowledgedLate",
              count(*) FILTER (WHERE i.executed_at > o.execution_deadline)::int AS "executedLate"
         FROM shutdown_items i
         JOIN shutdown_orders o ON o.id = i.order_id
         JOIN organizations c ON c.id = i.carrier_id
         LEFT JOIN numbers n ON n.number = i.number
        WHERE o.issued_at >= ${p.add(period.start)}::timestamptz AND o.issued_at ${period.endInclusive ? "<=" : "<"} ${p.add(period.end)}::timestamptz
          AND ${shutdownOrdersVisible(viewer, "o", p)} AND ${shutdownItemsVisible(viewer, "i", p)} AND ${shutdownItemDetailVisible(viewer, "n", p)}
        GROUP BY i.carrier_id, c.code
        ORDER BY c.code`,
      p.values,
    );
  }
}

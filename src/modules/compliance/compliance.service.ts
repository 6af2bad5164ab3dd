import type { DataSource } from "typeorm";
import type { Viewer } from "../../shared/auth/viewer";
import { chinaDayOf, daysBetween, isCalendarDate, utcDayOf } from "../../shared/dates";
import { badInput, notFound } from "../../shared/errors";
import { SqlParams, provinceOf } from "../../shared/policy";
import { CAMPAIGNS_IN_FORCE, CampaignInForce, FigureRow, assembleReport, dimensionsOf, figuresStatement } from "./compliance-figures";
import { ComplianceDay, ComplianceDimension, ComplianceFilter, ComplianceReport, ComplianceSnapshotSource } from "./compliance.types";

/** Days one complianceHistory request may span (three years and a little). */
export const MAX_HISTORY_DAYS = 1100;
/** Rows one complianceHistory answer may hold (days × groups): narrower grouping or a shorter period beyond it. */
export const MAX_HISTORY_ROWS = 100_000;

interface SnapshotDayRow {
  day: string;
  takenAt: Date;
  source: ComplianceSnapshotSource;
  campaigns: CampaignInForce[];
}

/**
 * complianceReport and complianceHistory (DESIGN.md, "Verification campaigns"; issue 16). Live figures
 * come from the rollup that triggers keep exact in the same transaction as every change of a number, of a
 * subscriber's verification and every report, never the numbers table; past days from the daily snapshots
 * of that rollup. Both read through figuresStatement and assembleReport: one reach, one grouping, one sum.
 */
export class ComplianceService {
  constructor(private readonly dataSource: DataSource) {}

  async report(
    viewer: Viewer,
    groupBy: ComplianceDimension[],
    filter: ComplianceFilter | null | undefined,
    asOf?: string | null,
  ): Promise<ComplianceReport> {
    const dims = groupingOf(groupBy);
    if (asOf != null) return this.reportAsOf(viewer, dims, filter, asOf);

    const p = new SqlParams();
    // Three independent reads, side by side.
    const [rows, [{ at }], campaigns]: [FigureRow[], { at: Date }[], CampaignInForce[]] = await Promise.all([
      this.dataSource.query(figuresStatement(viewer, dims, filter, { live: true }, p), p.values),
      this.dataSource.query(`SELECT now() AS at`),
      this.dataSource.query(CAMPAIGNS_IN_FORCE),
    ]);
    return { ...assembleReport(rows, dims, scopeOf(viewer, filter), campaigns, utcDayOf(at)), at };
  }

  /** The report of a past day: that day's snapshot, read as the live report is read. */
  private async reportAsOf(viewer: Viewer, dims: Set<ComplianceDimension>, filter: ComplianceFilter | null | undefined, asOf: string): Promise<ComplianceReport> {
    const day = calendarDay(asOf, "asOf");
    const [{ now }]: { now: Date }[] = await this.dataSource.query(`SELECT now() AS now`);
    const today = chinaDayOf(now);
    if (day > today) throw badInput(`asOf ${day} is a future day: today is ${today} (China Standard Time)`, { argument: "asOf" });
    const [snapshot] = await this.snapshotDays(viewer, dims, filter, day, day);
    if (!snapshot) throw notFound(`no compliance snapshot was taken on ${day}`);
    const { rows, totals, at } = snapshot;
    return { rows, totals, at };
  }

  /** One entry per snapshot day from `from` to `to` (YYYY-MM-DD, China Standard Time), oldest first. */
  async history(viewer: Viewer, groupBy: ComplianceDimension[], filter: ComplianceFilter | null | undefined, from: string, to: string): Promise<ComplianceDay[]> {
    const dims = groupingOf(groupBy);
    const first = calendarDay(from, "from");
    const last = calendarDay(to, "to");
    if (last < first) throw badInput(`to (${last}) is before from (${first})`, { argument: "to" });
    const span = daysBetween(first, last) + 1;
    if (span > MAX_HISTORY_DAYS) {
      throw badInput(`from ${first} to ${last} is ${span} days: at most ${MAX_HISTORY_DAYS} days a request`, { argument: "to" });
    }
    return this.snapshotDays(viewer, dims, filter, first, last);
  }

  private async snapshotDays(
    viewer: Viewer,
    dims: Set<ComplianceDimension>,
    filter: ComplianceFilter | null | undefined,
    from: string,
    to: string,
  ): Promise<ComplianceDay[]> {
    const p = new SqlParams();
    const d = new SqlParams();
    const [rows, days]: [FigureRow[], SnapshotDayRow[]] = await Promise.all([
      this.dataSource.query(figuresStatement(viewer, dims, filter, { from, to }, p, MAX_HISTORY_ROWS + 1), p.values),
      this.dataSource.query(
        `SELECT day::text AS day, taken_at AS "takenAt", source, campaigns FROM compliance_snapshot_days
          WHERE day BETWEEN ${d.add(from)}::date AND ${d.add(to)}::date ORDER BY day`,
        d.values,
      ),
    ]);
    if (rows.length > MAX_HISTORY_ROWS) {
      throw badInput(`the history from ${from} to ${to} has more than ${MAX_HISTORY_ROWS} rows: ask for a shorter period, fewer dimensions or a filter`, {
        argument: "groupBy",
      });
    }
    const byDay = new Map<string, FigureRow[]>(days.map((s) => [s.day, []]));
    for (const row of rows) byDay.get(row.day!)?.push(row);
    const scope = scopeOf(viewer, filter);
    return days.map((s) => ({
      date: s.day,
      ...assembleReport(byDay.get(s.day)!, dims, scope, s.campaigns, utcDayOf(s.takenAt)),
      at: s.takenAt,
      source: s.source,
    }));
  }
}

function groupingOf(groupBy: ComplianceDimension[]): Set<ComplianceDimension> {
  const dims = dimensionsOf(groupBy);
  if (!dims) throw badInput("groupBy lists a dimension twice", { argument: "groupBy" });
  return dims;
}

/** The province a report's totals are measured against: the filter's, else the viewer's own. */
function scopeOf(viewer: Viewer, filter: ComplianceFilter | null | undefined): string | null {
  return filter?.province ?? provinceOf(viewer);
}

/** A real calendar day, YYYY-MM-DD; BAD_USER_INPUT naming the argument otherwise. */
function calendarDay(value: string, argument: string): string {
  const text: string = value;
  if (!isCalendarDate(value)) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw badInput(`${argument} must be a real calendar day, YYYY-MM-DD; got "${shown}"`, { argument });
  }
  return value;
}

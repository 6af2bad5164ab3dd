import type { Viewer } from "../../shared/auth/viewer";
import { SqlParams, numbersVisible } from "../../shared/policy";
import type { CampaignTarget } from "../campaigns/campaign.entity";
import { CAMPAIGN_ORDER } from "./compliance-snapshots";
import { ComplianceDimension, ComplianceFilter, ComplianceRow, ComplianceTotals, TargetStanding } from "./compliance.types";

/*
 * The one way compliance figures are read, live or from the daily snapshots: which rows the viewer
 * reaches (the numbers' own policy on the figures' carrier, reseller and province columns), the filter,
 * the grouping and the sums are this one statement, and the campaign standing is this one function.
 * complianceReport, complianceReport(asOf) and complianceHistory differ only in the tables read.
 */

/** Where the figures come from: the rollup kept by triggers (now), or the snapshots of the days from..to. */
export type FigureSource = { live: true } | { live?: false; from: string; to: string };

/** A campaign as the standing reads it; the snapshot keeps these, in this order, for its day. */
export interface CampaignInForce {
  name: string;
  province: string | null;
  targets: CampaignTarget[];
}

/** The campaigns, as a report reads them now; a snapshot keeps the same list for its day. */
export const CAMPAIGNS_IN_FORCE = `SELECT name, province, targets FROM campaigns ORDER BY ${CAMPAIGN_ORDER}`;

/** One group's sums, as the statement returns them (day: the snapshot's day, null when live). */
export type FigureRow = Omit<ComplianceRow, "realNameRate" | keyof TargetStanding> & { day: string | null };

interface Sums {
  inService: number;
  verified: number;
  suspended: number;
  forceStopped: number;
  complaints: number;
}

const NO_CAMPAIGN: TargetStanding = { campaignName: null, targetDate: null, target: null, gap: null, daysToTarget: null };

const rate = (s: Sums) => (s.inService > 0 ? s.verified / s.inService : null);

/** The dimensions asked for, each once. */
export function dimensionsOf(groupBy: readonly ComplianceDimension[]): Set<ComplianceDimension> | null {
  const dims = new Set(groupBy);
  return dims.size === groupBy.length ? dims : null;
}

/**
 * The statement summing the figures the viewer reaches, grouped by the dimensions (and by day for
 * snapshots), rows with nothing in service and no complaints left out. Without a reseller dimension it
 * reads the figures by carrier and province (a hundred-odd rows a day), otherwise those by reseller too.
 * `limit` caps the rows returned.
 */
export function figuresStatement(
  viewer: Viewer,
  dims: ReadonlySet<ComplianceDimension>,
  filter: ComplianceFilter | null | undefined,
  source: FigureSource,
  p: SqlParams,
  limit?: number,
): string {
  const byReseller = dims.has(ComplianceDimension.RESELLER);
  const table = source.live
    ? byReseller ? "compliance_rollup" : "compliance_rollup_carrier"
    : byReseller ? "compliance_snapshots" : "compliance_snapshots_carrier";
  // The figures of the numbers the viewer reaches, by the numbers' own rule on the figures' carrier, reseller and
  // province columns: a provincial administration's province only (one equality on the key; other provinces' rows are absent).
  const where: string[] = [numbersVisible(viewer, "r", p)];
  if (!source.live) where.unshift(`r.day BETWEEN ${p.add(source.from)}::date AND ${p.add(source.to)}::date`);
  if (filter?.province) where.push(`r.province = ${p.add(filter.province)}`);
  if (filter?.carrierCode) {
    where.push(`c.path LIKE (SELECT path FROM organizations WHERE code = ${p.add(filter.carrierCode)} AND kind = 'CARRIER') || '%'`);
  }
  const columns: string[] = source.live ? [] : ["r.day"];
  if (dims.has(ComplianceDimension.CARRIER)) columns.push(`split_part(c.path, '/', 2)`);
  if (dims.has(ComplianceDimension.PROVINCE)) columns.push(`nullif(r.province, '')`);
  if (byReseller) columns.push(`rs.code`);
  const select = [
    source.live ? `NULL::text AS day` : `r.day::text AS day`,
    dims.has(ComplianceDimension.CARRIER) ? `split_part(c.path, '/', 2) AS "carrierCode"` : `NULL AS "carrierCode"`,
    dims.has(ComplianceDimension.PROVINCE) ? `nullif(r.province, '') AS province` : `NULL AS province`,
    byReseller ? `rs.code AS "resellerCode"` : `NULL AS "resellerCode"`,
  ];
  return `
    SELECT ${select.join(", ")},
           sum(r.in_service)::int AS "inService", sum(r.verified)::int AS verified,
           sum(r.suspended)::int AS suspended, sum(r.force_stopped)::int AS "forceStopped", sum(r.complaints)::int AS complaints
      FROM ${table} r
      JOIN organizations c ON c.id = r.carrier_id
      ${byReseller ? "LEFT JOIN organizations rs ON rs.id = r.reseller_id" : ""}
     WHERE ${where.join(" AND ")}
     ${columns.length ? `GROUP BY ${columns.join(", ")}` : ""}
    HAVING sum(r.in_service) <> 0 OR sum(r.complaints) <> 0
     ${columns.length ? `ORDER BY ${columns.map((c) => `${c} NULLS LAST`).join(", ")}` : ""}
     ${limit !== undefined ? `LIMIT ${p.add(limit)}` : ""}`;
}

/**
 * A report from its groups' sums: each row's rate and campaign standing, and the totals. `today` is the
 * day the standing counts from: the UTC day of the moment the figures are as of (now, or when the
 * snapshot was taken), so a snapshot reads exactly as the report read at that moment.
 */
export function assembleReport(
  rows: readonly FigureRow[],
  dims: ReadonlySet<ComplianceDimension>,
  scopeProvince: string | null,
  campaigns: readonly CampaignInForce[],
  today: string,
): { rows: ComplianceRow[]; totals: ComplianceTotals } {
  const totals = rows.reduce<Sums>(
    (t, r) => ({
      inService: t.inService + r.inService,
      verified: t.verified + r.verified,
      suspended: t.suspended + r.suspended,
      forceStopped: t.forceStopped + r.forceStopped,
      complaints: t.complaints + r.complaints,
    }),
    { inService: 0, verified: 0, suspended: 0, forceStopped: 0, complaints: 0 },
  );
  return {
    rows: rows.map(({ day, ...r }) => {
      void day;
      return {
        ...r,
        realNameRate: rate(r),
        ...standing(campaigns, dims.has(ComplianceDimension.PROVINCE) ? r.province : scopeProvince, rate(r), today),
      };
    }),
    totals: { ...totals, realNameRate: rate(totals), ...standing(campaigns, scopeProvince, rate(totals), today) },
  };
}

/**
 * The campaign that covers a province (its own, else a national one; the latest opened
 * wins) and its next target on or after today, or its last target once all have passed.
 */
export function standing(campaigns: readonly CampaignInForce[], province: string | null, realNameRate: number | null, today: string): TargetStanding {
  const campaign = campaigns.find((c) => province !== null && c.province === province) ?? campaigns.find((c) => c.province === null);
  if (!campaign || campaign.targets.length === 0) return NO_CAMPAIGN;
  const targets: CampaignTarget[] = [...campaign.targets].sort((a, b) => a.date.localeCompare(b.date));
  const next = targets.find((t) => t.date >= today) ?? targets[targets.length - 1];
  const days = Math.round((Date.parse(`${next.date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  return {
    campaignName: campaign.name,
    targetDate: next.date,
    target: next.rate,
    gap: realNameRate === null ? null : Math.round((next.rate - realNameRate) * 1e6) / 1e6,
    daysToTarget: days,
  };
}

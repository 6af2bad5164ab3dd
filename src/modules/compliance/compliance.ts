import { Arg, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver, registerEnumType } from "type-graphql";
import { IsOptional, IsString } from "class-validator";
import type { DataSource } from "typeorm";
import type { LoadersOf, ModuleDeps, RequestContext, ServicesOf } from "../../shared/context";
import { Permission } from "../../shared/auth/permissions";
import type { Viewer } from "../../shared/auth/viewer";
import { badInput } from "../../shared/errors";
import type { FieldPermissions } from "../../shared/module";
import { SqlParams, numbersVisible, provinceOf } from "../../shared/policy";
import { IsProvinceCode } from "../../shared/provinces";
import { Campaign, CampaignTarget } from "../campaigns/campaign.entity";

export enum ComplianceDimension {
  CARRIER = "CARRIER",
  PROVINCE = "PROVINCE",
  RESELLER = "RESELLER",
}
registerEnumType(ComplianceDimension, { name: "ComplianceDimension", description: "What a compliance report is grouped by" });

@InputType()
export class ComplianceFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => String, { nullable: true, description: "A carrier group or branch: its whole subtree" })
  @IsOptional()
  @IsString()
  carrierCode?: string | null;
}

/** The campaign target that applies to a group, and how far off it is. */
export interface TargetStanding {
  campaignName: string | null;
  targetDate: string | null;
  target: number | null;
  gap: number | null;
  daysToTarget: number | null;
}

const NO_CAMPAIGN: TargetStanding = { campaignName: null, targetDate: null, target: null, gap: null, daysToTarget: null };

/** Target fields, shared by rows and totals. */
@ObjectType("CampaignStanding", { description: "How a group stands against the campaign that covers it" })
class Standing implements TargetStanding {
  @Field(() => String, { nullable: true, description: "The campaign covering this scope (its province's, else a national one)" })
  campaignName: string | null;

  @Field(() => String, { nullable: true, description: "Its next target date (the last once all have passed), YYYY-MM-DD" })
  targetDate: string | null;

  @Field(() => Float, { nullable: true, description: "The rate due by targetDate" })
  target: number | null;

  @Field(() => Float, { nullable: true, description: "target − realNameRate: positive is behind" })
  gap: number | null;

  @Field(() => Int, { nullable: true, description: "Days from today to targetDate (negative once passed)" })
  daysToTarget: number | null;
}

@ObjectType({ description: "Figures for one group: in service = ACTIVE, PENDING_VERIFICATION, SUSPENDED or FORCE_STOPPED" })
export class ComplianceRow extends Standing {
  @Field(() => String, { nullable: true, description: "The carrier group, when grouped by CARRIER" })
  carrierCode: string | null;

  @Field(() => String, { nullable: true, description: "When grouped by PROVINCE; null for numbers without one" })
  province: string | null;

  @Field(() => String, { nullable: true, description: "When grouped by RESELLER; null for numbers no reseller holds" })
  resellerCode: string | null;

  @Field(() => Int)
  inService: number;

  @Field(() => Int, { description: "In service with a VERIFIED subscriber" })
  verified: number;

  @Field(() => Float, { nullable: true, description: "verified / inService; null with nothing in service" })
  realNameRate: number | null;

  @Field(() => Int)
  suspended: number;

  @Field(() => Int)
  forceStopped: number;

  @Field(() => Int, { description: "Reports from the public against these numbers" })
  complaints: number;

}

@ObjectType()
export class ComplianceTotals extends Standing {
  @Field(() => Int)
  inService: number;

  @Field(() => Int)
  verified: number;

  @Field(() => Float, { nullable: true })
  realNameRate: number | null;

  @Field(() => Int)
  suspended: number;

  @Field(() => Int)
  forceStopped: number;

  @Field(() => Int)
  complaints: number;

}

@ObjectType({ description: "Real-name compliance, now, from figures kept exact with every change" })
export class ComplianceReport {
  @Field(() => [ComplianceRow])
  rows: ComplianceRow[];

  @Field(() => ComplianceTotals)
  totals: ComplianceTotals;

  @Field(() => Date, { description: "As of (the database clock)" })
  at: Date;
}

interface Sums {
  inService: number;
  verified: number;
  suspended: number;
  forceStopped: number;
  complaints: number;
}

const rate = (s: Sums) => (s.inService > 0 ? s.verified / s.inService : null);

/**
 * complianceReport (DESIGN.md, "Verification campaigns"): reads the figures that
 * triggers keep exact in the same transaction as every change of a number, of a
 * subscriber's verification and every report; never the numbers table. Without a
 * reseller dimension it reads the figures by carrier and province (a hundred-odd rows).
 */
export class ComplianceService {
  constructor(private readonly dataSource: DataSource) {}

  async report(viewer: Viewer, groupBy: ComplianceDimension[], filter: ComplianceFilter | null | undefined): Promise<ComplianceReport> {
    const dims = new Set(groupBy);
    if (dims.size !== groupBy.length) throw badInput("groupBy lists a dimension twice", { argument: "groupBy" });

    const p = new SqlParams();
    // The figures of the numbers the viewer reaches, by the numbers' own rule on the rollup's carrier, reseller and
    // province columns: a provincial administration's province only (one equality on the key; other provinces' rows are absent).
    const where: string[] = [numbersVisible(viewer, "r", p)];
    if (filter?.province) where.push(`r.province = ${p.add(filter.province)}`);
    if (filter?.carrierCode) {
      where.push(`c.path LIKE (SELECT path FROM organizations WHERE code = ${p.add(filter.carrierCode)} AND kind = 'CARRIER') || '%'`);
    }
    const columns: string[] = [];
    if (dims.has(ComplianceDimension.CARRIER)) columns.push(`split_part(c.path, '/', 2)`);
    if (dims.has(ComplianceDimension.PROVINCE)) columns.push(`nullif(r.province, '')`);
    if (dims.has(ComplianceDimension.RESELLER)) columns.push(`rs.code`);
    const select = [
      dims.has(ComplianceDimension.CARRIER) ? `split_part(c.path, '/', 2) AS "carrierCode"` : `NULL AS "carrierCode"`,
      dims.has(ComplianceDimension.PROVINCE) ? `nullif(r.province, '') AS province` : `NULL AS province`,
      dims.has(ComplianceDimension.RESELLER) ? `rs.code AS "resellerCode"` : `NULL AS "resellerCode"`,
    ];
    const table = dims.has(ComplianceDimension.RESELLER) ? "compliance_rollup" : "compliance_rollup_carrier";
    const sql = `
      SELECT ${select.join(", ")},
             sum(r.in_service)::int AS "inService", sum(r.verified)::int AS verified,
             sum(r.suspended)::int AS suspended, sum(r.force_stopped)::int AS "forceStopped", sum(r.complaints)::int AS complaints
        FROM ${table} r
        JOIN organizations c ON c.id = r.carrier_id
        ${dims.has(ComplianceDimension.RESELLER) ? "LEFT JOIN organizations rs ON rs.id = r.reseller_id" : ""}
       WHERE ${where.join(" AND ")}
       ${columns.length ? `GROUP BY ${columns.join(", ")}` : ""}
      HAVING sum(r.in_service) <> 0 OR sum(r.complaints) <> 0
       ${columns.length ? `ORDER BY ${columns.map((c) => `${c} NULLS LAST`).join(", ")}` : ""}`;
    // Three independent reads, side by side.
    const [rows, [{ today, at }], campaigns]: [Omit<ComplianceRow, "realNameRate" | keyof TargetStanding>[], { today: string; at: Date }[], Campaign[]] =
      await Promise.all([
        this.dataSource.query(sql, p.values),
        this.dataSource.query(`SELECT current_date::text AS today, now() AS at`),
        this.dataSource.query(`SELECT name, province, targets FROM campaigns ORDER BY created_at DESC, id`),
      ]);
    const scopeProvince = filter?.province ?? provinceOf(viewer);
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
      rows: rows.map((r) => ({
        ...r,
        realNameRate: rate(r),
        ...standing(campaigns, dims.has(ComplianceDimension.PROVINCE) ? r.province : scopeProvince, rate(r), today),
      })),
      totals: { ...totals, realNameRate: rate(totals), ...standing(campaigns, scopeProvince, rate(totals), today) },
      at,
    };
  }
}

/**
 * The campaign that covers a province (its own, else a national one; the latest opened
 * wins) and its next target on or after today, or its last target once all have passed.
 */
export function standing(campaigns: Campaign[], province: string | null, realNameRate: number | null, today: string): TargetStanding {
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

@Resolver()
export class ComplianceResolver {
  @Query(() => ComplianceReport, { description: "REGULATOR: the real-name rate and more, grouped as asked, now (a provincial administration: its province)" })
  complianceReport(
    @Arg("groupBy", () => [ComplianceDimension]) groupBy: ComplianceDimension[],
    @Arg("filter", () => ComplianceFilter, { nullable: true }) filter: ComplianceFilter | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ComplianceReport> {
    return ctx.services.compliance.report(ctx.viewer, groupBy, filter);
  }
}

export const compliancePermissions: FieldPermissions = {
  Query: { complianceReport: Permission.COMPLIANCE_READ },
  ComplianceReport: { "*": Permission.COMPLIANCE_READ },
  ComplianceRow: { "*": Permission.COMPLIANCE_READ },
  ComplianceTotals: { "*": Permission.COMPLIANCE_READ },
};

export const complianceModule = {
  entities: [],
  resolvers: [ComplianceResolver],
  permissions: compliancePermissions,
  services: ({ dataSource }: ModuleDeps) => ({ compliance: new ComplianceService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof complianceModule> {}
  interface RegistryLoaders extends LoadersOf<typeof complianceModule> {}
}

/**
 * The same figures computed from the numbers themselves, by key of the rollup: what the
 * rollup must always equal (tests), and the plain GROUP BY it is measured against (bench).
 */
export const FIGURES_FROM_NUMBERS = `
  SELECT n.carrier_id::text AS carrier_id, coalesce(n.province, '') AS province,
         coalesce(n.reseller_id, '00000000-0000-0000-0000-000000000000')::text AS reseller_id,
         count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED'))::int AS in_service,
         count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED')
                            AND s.identity_status = 'VERIFIED')::int AS verified,
         count(*) FILTER (WHERE n.status = 'SUSPENDED')::int AS suspended,
         count(*) FILTER (WHERE n.status = 'FORCE_STOPPED')::int AS force_stopped
    FROM numbers n LEFT JOIN subscribers s ON s.id = n.subscriber_id
   GROUP BY 1, 2, 3
  HAVING count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED')) > 0`;

/** The rollup's rows with anything in service, in the shape of FIGURES_FROM_NUMBERS. */
export const FIGURES_FROM_ROLLUP = `
  SELECT carrier_id::text AS carrier_id, province, reseller_id::text AS reseller_id, in_service::int AS in_service,
         verified::int AS verified, suspended::int AS suspended, force_stopped::int AS force_stopped
    FROM compliance_rollup WHERE in_service > 0`;

/** The figures by carrier and province, from each level: they must agree. */
export const CARRIER_FIGURES_FROM_ROLLUP = `
  SELECT carrier_id::text AS carrier_id, province, sum(in_service)::int AS in_service, sum(verified)::int AS verified,
         sum(suspended)::int AS suspended, sum(force_stopped)::int AS force_stopped, sum(complaints)::int AS complaints
    FROM compliance_rollup GROUP BY 1, 2 HAVING sum(in_service) > 0 OR sum(complaints) > 0`;
export const CARRIER_FIGURES = `
  SELECT carrier_id::text AS carrier_id, province, in_service::int AS in_service, verified::int AS verified,
         suspended::int AS suspended, force_stopped::int AS force_stopped, complaints::int AS complaints
    FROM compliance_rollup_carrier WHERE in_service > 0 OR complaints > 0`;

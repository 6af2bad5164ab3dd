import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { LoadersOf, ModuleDeps, RequestContext, ServicesOf } from "../../shared/context";
import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";
import { ComplianceSnapshotService } from "./compliance-snapshots";
import { ComplianceService, MAX_HISTORY_DAYS } from "./compliance.service";
import { ComplianceDay, ComplianceDimension, ComplianceFilter, ComplianceReport } from "./compliance.types";

export * from "./compliance.types";
export { ComplianceService, MAX_HISTORY_DAYS, MAX_HISTORY_ROWS } from "./compliance.service";
export { ComplianceSnapshotService, SnapshotRefused, takeComplianceSnapshot } from "./compliance-snapshots";
export type { SnapshotTaken } from "./compliance-snapshots";
export { standing } from "./compliance-figures";

@Resolver()
export class ComplianceResolver {
  @Query(() => ComplianceReport, {
    description: "REGULATOR: the real-name rate and more, grouped as asked, now or as of a past day's snapshot (a provincial administration: its province)",
  })
  complianceReport(
    @Arg("groupBy", () => [ComplianceDimension]) groupBy: ComplianceDimension[],
    @Arg("filter", () => ComplianceFilter, { nullable: true }) filter: ComplianceFilter | null,
    @Arg("asOf", () => String, { nullable: true, description: "YYYY-MM-DD (China Standard Time): that day's snapshot instead of now" })
    asOf: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ComplianceReport> {
    return ctx.services.compliance.report(ctx.viewer, groupBy, filter, asOf);
  }

  @Query(() => [ComplianceDay], {
    description: `REGULATOR: the daily snapshots from one day to another (YYYY-MM-DD, China Standard Time; at most ${MAX_HISTORY_DAYS.toLocaleString("en")} days), one entry per day with a snapshot, oldest first`,
  })
  complianceHistory(
    @Arg("groupBy", () => [ComplianceDimension]) groupBy: ComplianceDimension[],
    @Arg("filter", () => ComplianceFilter, { nullable: true }) filter: ComplianceFilter | null,
    @Arg("from") from: string,
    @Arg("to") to: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ComplianceDay[]> {
    return ctx.services.compliance.history(ctx.viewer, groupBy, filter, from, to);
  }
}

export const compliancePermissions: FieldPermissions = {
  Query: { complianceReport: Permission.COMPLIANCE_FIGURES, complianceHistory: Permission.COMPLIANCE_FIGURES },
  ComplianceReport: { "*": Permission.COMPLIANCE_FIGURES },
  ComplianceDay: { "*": Permission.COMPLIANCE_FIGURES },
  ComplianceRow: { "*": Permission.COMPLIANCE_FIGURES },
  ComplianceTotals: { "*": Permission.COMPLIANCE_FIGURES },
};

export const complianceModule = {
  entities: [],
  resolvers: [ComplianceResolver],
  permissions: compliancePermissions,
  services: ({ dataSource }: ModuleDeps) => ({
    compliance: new ComplianceService(dataSource),
    complianceSnapshots: new ComplianceSnapshotService(dataSource),
  }),
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

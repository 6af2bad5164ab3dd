import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { AuditService } from "../modules/audit";
import { CampaignService } from "../modules/campaigns";
import { EnforcementService, PenaltyService, ReportService } from "../modules/enforcement";
import { ComplianceService } from "../modules/compliance/compliance";
import { LookupService } from "../modules/lookup/lookup";
import { MarketingNumberService } from "../modules/marketing-numbers";
import { NumberService } from "../modules/numbers";
import { OrganizationService, organizationsModule } from "../modules/organizations";
import { ShutdownService, createNoticeBus, shutdownModule } from "../modules/shutdown";
import { SubscriberService, subscribersModule } from "../modules/subscribers";
import { SweepService } from "../modules/sweeps";
import { CallerCheckService, TrunkService, trunksModule } from "../modules/trunks";
import type { Viewer } from "../shared/auth/viewer";

/** One instance of each service for the process; they hold no request state. */
export function createServices(dataSource: DataSource, config: Config, log: Logger) {
  const audit = new AuditService(dataSource);
  return {
    config,
    dataSource,
    audit,
    organizations: new OrganizationService(dataSource),
    marketingNumbers: new MarketingNumberService(dataSource),
    lookup: new LookupService(dataSource),
    compliance: new ComplianceService(dataSource),
    numbers: new NumberService(dataSource),
    subscribers: new SubscriberService(dataSource, config, audit),
    campaigns: new CampaignService(dataSource),
    reports: new ReportService(dataSource, config),
    penalties: new PenaltyService(dataSource, config),
    enforcement: new EnforcementService(dataSource),
    sweeps: new SweepService(dataSource, config),
    shutdown: new ShutdownService(dataSource, config, createNoticeBus(dataSource, log), log),
    trunks: new TrunkService(dataSource, config),
    callerChecks: new CallerCheckService(dataSource),
  };
}
export type Services = ReturnType<typeof createServices>;

/** Fresh loaders for each request, so nothing is cached across viewers. */
export function createLoaders(services: Services, viewer: Viewer) {
  return {
    ...organizationsModule.loaders(services),
    ...subscribersModule.loaders(services, viewer),
    ...shutdownModule.loaders(services, viewer),
    ...trunksModule.loaders(services),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

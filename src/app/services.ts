import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { AuditService } from "../modules/audit";
import { CampaignService } from "../modules/campaigns";
import { CaseService } from "../modules/cases";
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
    cases: new CaseService(dataSource),
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

const LOADER_FACTORIES = {
  ...organizationsModule.loaders,
  ...subscribersModule.loaders,
  ...shutdownModule.loaders,
  ...trunksModule.loaders,
};
type LoaderFactories = typeof LOADER_FACTORIES;
export type Loaders = { readonly [K in keyof LoaderFactories]: ReturnType<LoaderFactories[K]> };

/**
 * A request's loaders, each made when a resolver first asks for it: most requests
 * (a look-up, a batch of caller checks) use none, and making all of them for every
 * request was a twentieth of the public look-up's CPU.
 */
class RequestLoaders {
  constructor(
    readonly services: Services,
    readonly viewer: Viewer,
  ) {}
}
for (const [name, factory] of Object.entries(LOADER_FACTORIES) as [string, (services: Services, viewer: Viewer) => unknown][]) {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      const loader = factory(this.services, this.viewer);
      Object.defineProperty(this, name, { value: loader });
      return loader;
    },
  });
}

/** Fresh loaders for each request, so nothing is cached across viewers. */
export function createLoaders(services: Services, viewer: Viewer): Loaders {
  return new RequestLoaders(services, viewer) as unknown as Loaders;
}

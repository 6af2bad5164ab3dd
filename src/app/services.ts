import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { AuditService } from "../modules/audit";
import { MarketingNumberService } from "../modules/marketing-numbers";
import { NumberService } from "../modules/numbers";
import { OrganizationService, organizationsModule } from "../modules/organizations";

/** One instance of each service for the process; they hold no request state. */
export function createServices(dataSource: DataSource, config: Config) {
  return {
    config,
    dataSource,
    audit: new AuditService(dataSource),
    organizations: new OrganizationService(dataSource),
    marketingNumbers: new MarketingNumberService(dataSource),
    numbers: new NumberService(dataSource),
  };
}
export type Services = ReturnType<typeof createServices>;

/** Fresh loaders for each request, so nothing is cached across viewers. */
export function createLoaders(services: Services) {
  return {
    ...organizationsModule.loaders(services),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

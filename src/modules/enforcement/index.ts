import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { enforcementPermissions } from "./enforcement.permissions";
import { EnforcementResolver, HotNumberResolver } from "./enforcement.resolver";
import { EnforcementService } from "./enforcement.service";
import { PenaltyService } from "./penalties.service";
import { ReportService } from "./reports.service";

export const enforcementModule = {
  entities: [],
  resolvers: [EnforcementResolver, HotNumberResolver],
  permissions: enforcementPermissions,
  services: ({ dataSource, config }: ModuleDeps) => ({
    reports: new ReportService(dataSource, config),
    penalties: new PenaltyService(dataSource, config),
    enforcement: new EnforcementService(dataSource),
  }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof enforcementModule> {}
  interface RegistryLoaders extends LoadersOf<typeof enforcementModule> {}
}

export { EnforcementService, PenaltyService, ReportService };

import { enforcementPermissions } from "./enforcement.permissions";
import { EnforcementResolver, HotNumberResolver } from "./enforcement.resolver";
import { EnforcementService } from "./enforcement.service";
import { PenaltyService } from "./penalties.service";
import { ReportService } from "./reports.service";

export const enforcementModule = {
  entities: [],
  resolvers: [EnforcementResolver, HotNumberResolver],
  permissions: enforcementPermissions,
};

export { EnforcementService, PenaltyService, ReportService };

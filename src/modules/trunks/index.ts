import DataLoader from "dataloader";
import { CallerCheckService } from "./caller-check.service";
import { Inspection, TrunkApproval } from "./trunk.entity";
import { trunkPermissions } from "./trunk.permissions";
import { CallerCheckResolver, TrunkResolver } from "./trunk.resolver";
import { TrunkService } from "./trunk.service";

type Needs = { trunks: TrunkService };

export const trunksModule = {
  entities: [],
  resolvers: [TrunkResolver, CallerCheckResolver],
  permissions: trunkPermissions,
  // Trunk ids reach these only from trunks the viewer may see (trunkLines is scoped).
  loaders: {
    callerNumbersByTrunk: (services: Needs) => new DataLoader<string, string[]>((ids) => services.trunks.callerNumbersOf(ids)),
    approvalsByTrunk: (services: Needs) => new DataLoader<string, TrunkApproval[]>((ids) => services.trunks.approvalsOf(ids)),
    inspectionsByTrunk: (services: Needs) => new DataLoader<string, Inspection[]>((ids) => services.trunks.inspectionsOf(ids)),
  },
};

export { CallerCheckService, TrunkService };
export { VERIFY_CALLERS_SQL } from "./verify-callers.sql";

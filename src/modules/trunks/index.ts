import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { CallerCheckService } from "./caller-check.service";
import { Inspection, TrunkApproval, TrunkLine } from "./trunk.entity";
import { trunkPermissions } from "./trunk.permissions";
import { CallerCheckResolver, TrunkResolver } from "./trunk.resolver";
import { TrunkService } from "./trunk.service";

type Needs = { trunks: TrunkService };

export const trunksModule = {
  entities: [],
  resolvers: [TrunkResolver, CallerCheckResolver],
  permissions: trunkPermissions,
  services: ({ dataSource, config }: ModuleDeps) => ({
    trunks: new TrunkService(dataSource, config),
    callerChecks: new CallerCheckService(dataSource),
  }),
  // Each reads only the trunks the viewer may see (trunkLinesVisible), whatever path brought their ids.
  loaders: {
    // A federation router's references to trunks (src/app/federation.ts).
    trunkById: (services: Needs, viewer: Viewer) => new DataLoader<string, TrunkLine | null>((ids) => services.trunks.byIds(viewer, ids)),
    callerNumbersByTrunk: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, string[]>((ids) => services.trunks.callerNumbersOf(viewer, ids)),
    approvalsByTrunk: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, TrunkApproval[]>((ids) => services.trunks.approvalsOf(viewer, ids)),
    inspectionsByTrunk: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, Inspection[]>((ids) => services.trunks.inspectionsOf(viewer, ids)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof trunksModule> {}
  interface RegistryLoaders extends LoadersOf<typeof trunksModule> {}
}

export { CallerCheckService, TrunkService };
export { VERIFY_CALLERS_SQL } from "./verify-callers.sql";

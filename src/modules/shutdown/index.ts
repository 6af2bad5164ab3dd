import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { createNoticeBus } from "./notice-bus";
import { ShutdownItem, ShutdownOrder } from "./shutdown.entity";
import { shutdownPermissions } from "./shutdown.permissions";
import { ShutdownPerformanceService } from "./shutdown-performance";
import { CarrierShutdownPerformanceResolver, ShutdownItemResolver, ShutdownResolver } from "./shutdown.resolver";
import { ShutdownService } from "./shutdown.service";

export const shutdownModule = {
  entities: [],
  resolvers: [ShutdownResolver, ShutdownItemResolver, CarrierShutdownPerformanceResolver],
  permissions: shutdownPermissions,
  services: ({ dataSource, config, log }: ModuleDeps) => ({
    shutdown: new ShutdownService(dataSource, config, createNoticeBus(dataSource, log), log),
    shutdownPerformance: new ShutdownPerformanceService(dataSource),
  }),
  loaders: {
    itemsByOrder: (services: { shutdown: ShutdownService }, viewer: Viewer) =>
      new DataLoader<string, ShutdownItem[]>((ids) => services.shutdown.itemsOf(viewer, ids)),
    // A federation router's references to orders (src/app/federation.ts): only those the viewer sees.
    orderById: (services: { shutdown: ShutdownService }, viewer: Viewer) =>
      new DataLoader<string, ShutdownOrder | null>((ids) => services.shutdown.byIds(viewer, ids)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof shutdownModule> {}
  interface RegistryLoaders extends LoadersOf<typeof shutdownModule> {}
}

export { ShutdownService };
export { createNoticeBus };

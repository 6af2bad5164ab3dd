import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import { ShutdownItem } from "./shutdown.entity";
import { shutdownPermissions } from "./shutdown.permissions";
import { ShutdownItemResolver, ShutdownResolver } from "./shutdown.resolver";
import { ShutdownService } from "./shutdown.service";

export const shutdownModule = {
  entities: [],
  resolvers: [ShutdownResolver, ShutdownItemResolver],
  permissions: shutdownPermissions,
  loaders: {
    itemsByOrder: (services: { shutdown: ShutdownService }, viewer: Viewer) =>
      new DataLoader<string, ShutdownItem[]>((ids) => services.shutdown.itemsOf(viewer, ids)),
  },
};

export { ShutdownService };
export { createNoticeBus } from "./notice-bus";

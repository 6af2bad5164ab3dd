import DataLoader from "dataloader";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../../config";
import type { OrganizationService } from "../organizations";
import type { ShutdownService } from "../shutdown";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { WebhookDeliveryAttempt } from "./webhook.entity";
import { webhookPermissions } from "./webhook.permissions";
import { WebhookDeliveryResolver, WebhookResolver } from "./webhook.resolver";
import { WebhookService } from "./webhook.service";
import { roleOfKind } from "./webhook-planner";
import { createWakeSignal } from "./webhook-signal";
import { WebhookWorker } from "./webhook-worker";

export const webhooksModule = {
  entities: [],
  resolvers: [WebhookResolver, WebhookDeliveryResolver],
  permissions: webhookPermissions,
  services: ({ dataSource, config, log }: ModuleDeps) => {
    const signal = createWakeSignal(dataSource, log);
    return { webhooks: new WebhookService(dataSource, config, signal) };
  },
  loaders: {
    webhookDeliveryAttempts: (services: { webhooks: WebhookService }, viewer: Viewer) =>
      new DataLoader<string, WebhookDeliveryAttempt[]>((ids) => services.webhooks.attemptsOf(viewer, ids)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof webhooksModule> {}
  interface RegistryLoaders extends LoadersOf<typeof webhooksModule> {}
}

/**
 * Starts this process's delivery worker (the server does, beside the shutdown notice bus); it delivers
 * while it holds the lease, and stops with the server.
 */
export function startWebhookWorker(
  services: { config: Config; dataSource: DataSource; webhooks: WebhookService; organizations: OrganizationService; shutdown: ShutdownService },
  log: Logger,
): WebhookWorker {
  const worker = new WebhookWorker({
    dataSource: services.dataSource,
    settings: services.config.webhooks,
    piiKey: services.config.piiKey,
    signal: services.webhooks.signal,
    log,
    organizationOf: (code, kind) => services.organizations.forToken(code, roleOfKind(kind)),
    onShutdownOrder: (handler) => services.shutdown.bus.listen(() => handler()),
  });
  worker.start();
  return worker;
}

export { WebhookService, WebhookWorker };

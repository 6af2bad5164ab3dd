import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import type { NumberService } from "../numbers/number.service";
import type { PhoneNumber } from "../numbers/number.entity";
import { RiskFlag, Subscriber, SubscriberDocument, VerificationCheck } from "./subscriber.entity";
import { subscriberPermissions } from "./subscriber.permissions";
import { NumberSubscriberResolver, SubscriberResolver, VerificationCheckResolver } from "./subscriber.resolver";
import { AuditService } from "../audit/audit.service";
import { SubscriberService } from "./subscriber.service";

type Needs = { subscribers: SubscriberService; numbers: NumberService };

export const subscribersModule = {
  entities: [],
  resolvers: [SubscriberResolver, NumberSubscriberResolver, VerificationCheckResolver],
  permissions: subscriberPermissions,
  services: ({ dataSource, config }: ModuleDeps) => ({ subscribers: new SubscriberService(dataSource, config, new AuditService(dataSource)) }),
  loaders: {
    subscriberById: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, Subscriber | null>((ids) => services.subscribers.byIds(viewer, ids)),
    documentsBySubscriber: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, SubscriberDocument[]>((ids) => services.subscribers.documentsOf(viewer, ids)),
    checksBySubscriber: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, VerificationCheck[]>((ids) => services.subscribers.checksOf(viewer, ids)),
    flagsBySubscriber: (services: Needs, viewer: Viewer) => new DataLoader<string, RiskFlag[]>((ids) => services.subscribers.flagsOf(viewer, ids)),
    numbersBySubscriber: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, PhoneNumber[]>((ids) => services.numbers.bySubscribers(viewer, ids)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof subscribersModule> {}
  interface RegistryLoaders extends LoadersOf<typeof subscribersModule> {}
}

export { SubscriberService };

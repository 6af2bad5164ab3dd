import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { NumberService } from "../numbers/number.service";
import type { PhoneNumber } from "../numbers/number.entity";
import { RiskFlag, Subscriber, SubscriberDocument, VerificationCheck } from "./subscriber.entity";
import { subscriberPermissions } from "./subscriber.permissions";
import { NumberSubscriberResolver, SubscriberResolver, VerificationCheckResolver } from "./subscriber.resolver";
import { SubscriberService } from "./subscriber.service";

type Needs = { subscribers: SubscriberService; numbers: NumberService };

export const subscribersModule = {
  entities: [],
  resolvers: [SubscriberResolver, NumberSubscriberResolver, VerificationCheckResolver],
  permissions: subscriberPermissions,
  loaders: {
    subscriberById: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, Subscriber | null>((ids) => services.subscribers.byIds(viewer, ids)),
    documentsBySubscriber: (services: Needs) => new DataLoader<string, SubscriberDocument[]>((ids) => services.subscribers.documentsOf(ids)),
    checksBySubscriber: (services: Needs) => new DataLoader<string, VerificationCheck[]>((ids) => services.subscribers.checksOf(ids)),
    flagsBySubscriber: (services: Needs) => new DataLoader<string, RiskFlag[]>((ids) => services.subscribers.flagsOf(ids)),
    numbersBySubscriber: (services: Needs, viewer: Viewer) =>
      new DataLoader<string, PhoneNumber[]>((ids) => services.numbers.bySubscribers(viewer, ids)),
  },
};

export { SubscriberService };

import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { NumberService } from "../numbers/number.service";
import type { PhoneNumber } from "../numbers/number.entity";
import { RiskFlag, Subscriber, SubscriberDocument, VerificationCheck } from "./subscriber.entity";
import { subscriberPermissions } from "./subscriber.permissions";
import { NumberSubscriberResolver, SubscriberResolver, VerificationCheckResolver } from "./subscriber.resolver";
import { SubscriberService } from "./subscriber.service";

export const subscribersModule = {
  entities: [],
  resolvers: [SubscriberResolver, NumberSubscriberResolver, VerificationCheckResolver],
  permissions: subscriberPermissions,
  loaders: (services: { subscribers: SubscriberService; numbers: NumberService }, viewer: Viewer) => ({
    subscriberById: new DataLoader<string, Subscriber | null>((ids) => services.subscribers.byIds(ids)),
    documentsBySubscriber: new DataLoader<string, SubscriberDocument[]>((ids) => services.subscribers.documentsOf(ids)),
    checksBySubscriber: new DataLoader<string, VerificationCheck[]>((ids) => services.subscribers.checksOf(ids)),
    flagsBySubscriber: new DataLoader<string, RiskFlag[]>((ids) => services.subscribers.flagsOf(ids)),
    numbersBySubscriber: new DataLoader<string, PhoneNumber[]>((ids) => services.numbers.bySubscribers(viewer, ids)),
  }),
};

export { SubscriberService };

import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const subscriberPermissions: FieldPermissions = {
  Query: {
    subscriber: Permission.SUBSCRIBER_READ,
    subscribers: Permission.SUBSCRIBER_READ,
    holdings: Permission.HOLDINGS_READ,
  },
  Mutation: {
    reserveNumber: Permission.SUBSCRIBER_REGISTER,
    registerSubscriber: Permission.SUBSCRIBER_REGISTER,
    attachDocument: Permission.SUBSCRIBER_REGISTER,
    submitSubscriber: Permission.SUBSCRIBER_REGISTER,
    assignNumber: Permission.SUBSCRIBER_REGISTER,
    releaseReservation: Permission.SUBSCRIBER_REGISTER,
    unassignNumber: Permission.SUBSCRIBER_REGISTER,
    recordCheck: Permission.SUBSCRIBER_CHECK,
    approveSubscriber: Permission.SUBSCRIBER_APPROVE,
    rejectSubscriber: Permission.SUBSCRIBER_APPROVE,
    overrideRiskFlag: Permission.SUBSCRIBER_APPROVE,
    revokeSubscriber: Permission.SUBSCRIBER_REVOKE,
  },
  Subscriber: { "*": Permission.SUBSCRIBER_READ },
  SubscriberConnection: { "*": Permission.SUBSCRIBER_READ },
  SubscriberEdge: { "*": Permission.SUBSCRIBER_READ },
  Document: { "*": Permission.SUBSCRIBER_READ },
  VerificationCheck: { "*": Permission.SUBSCRIBER_READ },
  RiskFlag: { "*": Permission.SUBSCRIBER_READ },
  Holdings: { "*": Permission.HOLDINGS_READ },
};

import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

/** An organisation's own administrators (ORG_ADMIN), or ADMIN; which organisation's webhooks, integrationsVisible decides. */
export const webhookPermissions: FieldPermissions = {
  Query: {
    webhooks: Permission.ORG_ADMIN,
    webhookDeliveries: Permission.ORG_ADMIN,
  },
  Mutation: {
    createWebhook: Permission.ORG_ADMIN,
    disableWebhook: Permission.ORG_ADMIN,
    replayWebhookDelivery: Permission.ORG_ADMIN,
  },
  Webhook: { "*": Permission.ORG_ADMIN },
  WebhookConnection: { "*": Permission.ORG_ADMIN },
  WebhookEdge: { "*": Permission.ORG_ADMIN },
  WebhookDelivery: { "*": Permission.ORG_ADMIN },
  WebhookDeliveryConnection: { "*": Permission.ORG_ADMIN },
  WebhookDeliveryEdge: { "*": Permission.ORG_ADMIN },
  WebhookDeliveryAttempt: { "*": Permission.ORG_ADMIN },
};

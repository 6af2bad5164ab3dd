import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

export enum WebhookEvent {
  SHUTDOWN_ORDER_ISSUED = "SHUTDOWN_ORDER_ISSUED",
  NUMBER_CHANGED = "NUMBER_CHANGED",
  TRUNK_BLACKLISTED = "TRUNK_BLACKLISTED",
  SHUTDOWN_ITEM_OVERDUE = "SHUTDOWN_ITEM_OVERDUE",
}

export enum WebhookStatus {
  ACTIVE = "ACTIVE",
  DISABLED = "DISABLED",
}

export enum WebhookDeliveryStatus {
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
}

registerEnumType(WebhookEvent, {
  name: "WebhookEvent",
  description: "What an endpoint is sent, each only as far as its organisation may see it",
  valuesConfig: {
    SHUTDOWN_ORDER_ISSUED: { description: "An emergency shutdown order naming your numbers (only your items)" },
    NUMBER_CHANGED: { description: "Changes of the numbers in your scope, from the change feed, up to 500 in one delivery" },
    TRUNK_BLACKLISTED: { description: "Your trunk lines blocked because their call centre's company or legal representative was blacklisted" },
    SHUTDOWN_ITEM_OVERDUE: { description: "Shutdown items past their acknowledgement or execution deadline, once per item and deadline" },
  },
});
registerEnumType(WebhookStatus, {
  name: "WebhookStatus",
  description: "ACTIVE, or DISABLED (by its owner, or after failing for the retry window: see disabledReason); never enabled again",
});
registerEnumType(WebhookDeliveryStatus, {
  name: "WebhookDeliveryStatus",
  description: "PENDING until the endpoint answers 2xx (DELIVERED); FAILED when the retry window ran out; CANCELLED when the endpoint was disabled first",
});

@ObjectType({ description: "An organisation's endpoint for webhooks; its secret is never shown" })
export class Webhook {
  @Field(() => ID)
  id: string;

  @Field()
  url: string;

  @Field(() => [WebhookEvent])
  events: WebhookEvent[];

  @Field(() => WebhookStatus)
  status: WebhookStatus;

  @Field(() => String, { nullable: true, description: "Why it was disabled" })
  disabledReason: string | null;

  @Field(() => Date, { nullable: true })
  disabledAt: Date | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: "When the endpoint last accepted a delivery" })
  lastDeliveredAt: Date | null;

  seq: string;
  organizationId: string;
}

@ObjectType({ description: "One attempt to deliver: when, how long, and what the endpoint answered" })
export class WebhookDeliveryAttempt {
  @Field(() => Int, { description: "1 for the first attempt; replays count on" })
  attempt: number;

  @Field({ description: "Whether a replay asked for it" })
  replay: boolean;

  @Field(() => Date)
  startedAt: Date;

  @Field(() => Int)
  durationMs: number;

  @Field(() => String, { nullable: true, description: "The address connected to" })
  address: string | null;

  @Field(() => Int, { nullable: true, description: "The HTTP status answered; null when there was no answer" })
  statusCode: number | null;

  @Field(() => String, { nullable: true, description: "Why the attempt failed" })
  error: string | null;

  deliveryId: string;
}

@ObjectType({ description: "One delivery to an endpoint: sent in the endpoint's sequence, retried until accepted or the retry window ends" })
export class WebhookDelivery {
  @Field(() => ID, { description: "Also the X-Registry-Delivery header and the body's id" })
  id: string;

  @Field(() => WebhookEvent)
  event: WebhookEvent;

  @Field(() => Int, { description: "The endpoint's deliveries are numbered 1, 2, 3... without gaps, and sent in that order" })
  sequence: number;

  @Field({ description: "The position in the delivery's source: the change feed's sequence (NUMBER_CHANGED, SHUTDOWN_ORDER_ISSUED) or the registry event log's" })
  cursor: string;

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: "When the next attempt is due, while PENDING" })
  nextAttemptAt: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredAt: Date | null;

  @Field(() => Int, { description: "Attempts so far" })
  attemptCount: number;

  @Field(() => Int, { nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true })
  lastError: string | null;

  webhookId: string;
}

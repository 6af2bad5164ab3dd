import { Arg, Args, Ctx, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { Webhook, WebhookDelivery, WebhookDeliveryAttempt } from "./webhook.entity";
import { CreateWebhookInput } from "./webhook.inputs";

@ObjectType()
export class WebhookConnection extends ConnectionType(Webhook, "Webhook") {}

@ObjectType()
export class WebhookDeliveryConnection extends ConnectionType(WebhookDelivery, "WebhookDelivery") {}

@Resolver(() => Webhook)
export class WebhookResolver {
  @Mutation(() => Webhook, {
    description: "An administrator of your organisation (or ADMIN): register an endpoint for your organisation's events; deliveries begin with what commits from now on",
  })
  createWebhook(@Arg("input") input: CreateWebhookInput, @Ctx() ctx: RequestContext): Promise<Webhook> {
    return ctx.services.webhooks.create(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => WebhookConnection, { description: "Your organisation's webhooks (ADMIN: every organisation's), newest first, disabled ones included" })
  webhooks(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.webhooks.list(ctx.viewer, page);
  }

  @Mutation(() => Webhook, { description: "Stop delivering to an endpoint, for good; its pending deliveries are cancelled" })
  disableWebhook(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Webhook> {
    return ctx.services.webhooks.disable(ctx.viewer, id, currentMutation(ctx));
  }

  @Query(() => WebhookDeliveryConnection, { description: "An endpoint's delivery log, newest first: each delivery with its attempts, status codes, errors and timing" })
  webhookDeliveries(@Arg("webhookId", () => ID) webhookId: string, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.webhooks.deliveries(ctx.viewer, webhookId, page);
  }

  @Mutation(() => WebhookDelivery, { description: "Send a delivery again, as it was, before any later one still pending" })
  replayWebhookDelivery(@Arg("deliveryId", () => ID) deliveryId: string, @Ctx() ctx: RequestContext): Promise<WebhookDelivery> {
    return ctx.services.webhooks.replay(ctx.viewer, deliveryId, currentMutation(ctx));
  }

  @FieldResolver(() => Organization, { description: "The organisation whose events it receives" })
  organization(@Root() webhook: Webhook, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(webhook.organizationId);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => [WebhookDeliveryAttempt], { description: "Every attempt, oldest first" })
  attempts(@Root() delivery: WebhookDelivery, @Ctx() ctx: RequestContext) {
    return ctx.loaders.webhookDeliveryAttempts.load(delivery.id);
  }
}

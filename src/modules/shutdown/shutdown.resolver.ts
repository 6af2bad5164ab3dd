import { Arg, Args, Ctx, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root, Subscription } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { ShutdownItem, ShutdownNotice, ShutdownOrder } from "./shutdown.entity";
import { CarrierShutdownPerformance, MAX_PERFORMANCE_DAYS } from "./shutdown-performance";
import { IssueShutdownOrderInput, ShutdownOrderFilter } from "./shutdown.inputs";

@ObjectType()
export class ShutdownOrderConnection extends ConnectionType(ShutdownOrder, "ShutdownOrder") {}

@Resolver(() => ShutdownOrder)
export class ShutdownResolver {
  @Mutation(() => ShutdownOrder, { description: "POLICE or REGULATOR: stop numbers now; every named number is FORCE_STOPPED on commit" })
  issueShutdownOrder(@Arg("input") input: IssueShutdownOrderInput, @Ctx() ctx: RequestContext) {
    return ctx.services.shutdown.issue(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => ShutdownOrder, { description: "CARRIER: you have the order (its numbers of yours)" })
  acknowledgeShutdown(@Arg("orderId", () => ID) orderId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.shutdown.acknowledge(ctx.viewer, orderId, currentMutation(ctx));
  }

  @Mutation(() => ShutdownOrder, { description: "CARRIER: the network has stopped these numbers (omitted: all of yours in the order)" })
  confirmShutdownExecuted(
    @Arg("orderId", () => ID) orderId: string,
    @Arg("numbers", () => [String], { nullable: true }) numbers: string[] | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.shutdown.confirmExecuted(ctx.viewer, orderId, numbers, currentMutation(ctx));
  }

  @Mutation(() => ShutdownOrder, { description: "The issuing authority or one above it: the numbers return to what they were when no order stands" })
  liftShutdownOrder(
    @Arg("orderId", () => ID) orderId: string,
    @Arg("reason") reason: string,
    @Arg("mistaken", () => Boolean, { nullable: true, description: "true: issued by mistake; the fraud quarantine and bars it imposed go too" })
    mistaken: boolean | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.shutdown.lift(ctx.viewer, orderId, reason, currentMutation(ctx), mistaken === true);
  }

  @Query(() => ShutdownOrderConnection, { description: "Orders visible to you, newest first" })
  shutdownOrders(@Arg("filter", () => ShutdownOrderFilter, { nullable: true }) filter: ShutdownOrderFilter | null, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.shutdown.list(ctx.viewer, filter, page);
  }

  @Query(() => [CarrierShutdownPerformance], {
    description:
      "POLICE, REGULATOR, CARRIER: per carrier, acknowledgement and execution times (median, 95th percentile) and lateness of the items of " +
      `the orders issued from \`from\` to \`to\` (days YYYY-MM-DD in China Standard Time, or ISO times; at most ${MAX_PERFORMANCE_DAYS.toLocaleString("en")} days), over the items you read`,
  })
  shutdownPerformance(@Arg("from") from: string, @Arg("to") to: string, @Ctx() ctx: RequestContext) {
    return ctx.services.shutdownPerformance.report(ctx.viewer, from, to);
  }

  @Subscription(() => ShutdownNotice, {
    description: "CARRIER: each new order naming your subtree's numbers, with only those numbers",
    subscribe: ({ context }) => (context as RequestContext).services.shutdown.notices((context as RequestContext).viewer),
  })
  shutdownOrderIssued(@Root() notice: ShutdownNotice): ShutdownNotice {
    return notice;
  }

  @FieldResolver(() => [ShutdownItem], {
    description: "Its numbers (a carrier sees only its own; a provincial bureau, outside its province, only each number, its carrier and state)",
  })
  items(@Root() order: ShutdownOrder, @Ctx() ctx: RequestContext) {
    return ctx.loaders.itemsByOrder.load(order.id);
  }

  @FieldResolver(() => Organization, { description: "The issuing authority" })
  issuedBy(@Root() order: ShutdownOrder, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(order.issuedById);
  }
}

@Resolver(() => ShutdownItem)
export class ShutdownItemResolver {
  @FieldResolver(() => Organization)
  carrier(@Root() item: ShutdownItem, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(item.carrierId);
  }
}

@Resolver(() => CarrierShutdownPerformance)
export class CarrierShutdownPerformanceResolver {
  @FieldResolver(() => Organization)
  carrier(@Root() row: CarrierShutdownPerformance, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(row.carrierId);
  }
}

import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { PageArgs } from "../../shared/pagination";
import { PhoneNumber } from "../numbers/number.entity";
import { ShutdownOrder } from "../shutdown/shutdown.entity";
import { Organization } from "../organizations/organization.entity";
import { Deposit, DepositConnection, DepositDimension, DepositSchedule, DepositTotalsRow } from "./deposit.entity";
import { DepositFilter, SetDepositScheduleInput } from "./deposit.inputs";

@Resolver()
export class DepositResolver {
  @Mutation(() => DepositSchedule, { description: "REGULATOR: the deposit per number from a day, national or a province's own" })
  setDepositSchedule(@Arg("input") input: SetDepositScheduleInput, @Ctx() ctx: RequestContext) {
    return ctx.services.deposits.setSchedule(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => [DepositSchedule], { description: "The deposit schedules, newest first" })
  depositSchedules(@Ctx() ctx: RequestContext) {
    return ctx.services.deposits.schedules();
  }

  @Mutation(() => PhoneNumber, { description: "CARRIER: the number's deposit received; a number waiting only for it goes into service" })
  recordDepositReceived(@Arg("number") number: string, @Arg("reference") reference: string, @Ctx() ctx: RequestContext) {
    return ctx.services.deposits.recordReceived(ctx.viewer, number, reference, currentMutation(ctx));
  }

  @Mutation(() => PhoneNumber, { description: "CARRIER: the number's released deposit paid back to the reseller" })
  recordDepositRefunded(@Arg("number") number: string, @Arg("reference") reference: string, @Ctx() ctx: RequestContext) {
    return ctx.services.deposits.recordRefunded(ctx.viewer, number, reference, currentMutation(ctx));
  }

  @Mutation(() => ShutdownOrder, {
    description: "The issuing POLICE or a REGULATOR: fraud confirmed on numbers the order stopped; their standing deposits are forfeited",
  })
  async confirmFraud(
    @Arg("orderId", () => ID) orderId: string,
    @Arg("numbers", () => [String]) numbers: string[],
    @Arg("decisionReference") decisionReference: string,
    @Ctx() ctx: RequestContext,
  ) {
    const id = await ctx.services.deposits.confirmFraud(ctx.viewer, orderId, numbers, decisionReference, currentMutation(ctx));
    return ctx.services.shutdown.get(ctx.viewer, id);
  }

  @Query(() => DepositConnection, { description: "Each party's own side: a reseller its obligations, a carrier what it holds, a regulator its reach" })
  deposits(
    @Arg("filter", () => DepositFilter, { nullable: true }) filter: DepositFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.deposits.list(ctx.viewer, filter, page);
  }

  @Query(() => [DepositTotalsRow], { description: "Deposits totalled by carrier group, province or reseller, with the forfeiture rate" })
  depositTotals(
    @Arg("groupBy", () => [DepositDimension]) groupBy: DepositDimension[],
    @Arg("filter", () => DepositFilter, { nullable: true }) filter: DepositFilter | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.deposits.totalsBy(ctx.viewer, groupBy, filter);
  }
}

@Resolver(() => Deposit)
export class DepositFieldResolver {
  @FieldResolver(() => Organization, { nullable: true, description: "The reseller that sold the number" })
  reseller(@Root() deposit: Deposit, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(deposit.resellerId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: "The carrier that holds it" })
  carrier(@Root() deposit: Deposit, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(deposit.carrierId);
  }
}

@Resolver(() => PhoneNumber)
export class NumberDepositResolver {
  @FieldResolver(() => Deposit, { nullable: true, description: "The number's latest deposit, when it is yours to see" })
  deposit(@Root() number: PhoneNumber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.depositByNumber.load(number.number);
  }
}

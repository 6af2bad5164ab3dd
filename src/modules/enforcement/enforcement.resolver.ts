import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { PhoneNumber } from "../numbers/number.entity";
import { Organization } from "../organizations/organization.entity";
import { AuditTrailEvent, HotNumber, Penalty, ReportReceipt } from "./enforcement.entity";
import { RecordPenaltyInput, ReportNumberInput } from "./enforcement.inputs";
import { DEFAULT_HOT_NUMBERS, MAX_HOT_NUMBERS } from "./reports.service";

@ObjectType()
export class PenaltyConnection extends ConnectionType(Penalty, "Penalty") {}

@ObjectType()
export class AuditEventConnection extends ConnectionType(AuditTrailEvent, "AuditEvent") {}

const organization = (ctx: RequestContext, id: string | null) => (id ? ctx.loaders.organizationById.load(id) : null);

@Resolver()
export class EnforcementResolver {
  @Mutation(() => ReportReceipt, { description: "Anyone: report a number (a few reports an hour from one address)" })
  reportNumber(@Arg("input") input: ReportNumberInput, @Ctx() ctx: RequestContext) {
    return ctx.services.reports.report(ctx.viewer, input, ctx.clientAddress, currentMutation(ctx));
  }

  @Query(() => [HotNumber], { description: "REGULATOR: the most-reported numbers within the complaint window (a provincial regulator: its province's)" })
  hotNumbers(
    @Arg("first", () => Int, { nullable: true, description: `${DEFAULT_HOT_NUMBERS} by default, at most ${MAX_HOT_NUMBERS}` }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.reports.hotNumbers(ctx.viewer, first);
  }

  @Mutation(() => PhoneNumber, { description: "REGULATOR or CARRIER: suspend a number in service (a carrier its own, a provincial regulator its province's)" })
  suspendNumber(@Arg("number") number: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.enforcement.suspend(ctx.viewer, number, reason, currentMutation(ctx));
  }

  @Mutation(() => PhoneNumber, {
    description: "REGULATOR or CARRIER: lift a suspension imposed by the caller's organisation or one below it: ACTIVE again when the subscriber is VERIFIED, else SUSPENDED for PAPERS",
  })
  liftSuspension(@Arg("number") number: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.enforcement.liftSuspension(ctx.viewer, number, reason, currentMutation(ctx));
  }

  @Mutation(() => Penalty, { description: "REGULATOR: record an administrative penalty; publish it now or later; blacklist its target" })
  recordPenalty(@Arg("input") input: RecordPenaltyInput, @Ctx() ctx: RequestContext) {
    return ctx.services.penalties.record(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => Penalty, { description: "REGULATOR: publish a penalty recorded unpublished" })
  publishPenalty(@Arg("penaltyId", () => ID) penaltyId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.penalties.publish(ctx.viewer, penaltyId, currentMutation(ctx));
  }

  @Query(() => PenaltyConnection, { description: "Penalties, newest decision first: the published ones (a regulator: all)" })
  penalties(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.penalties.list(ctx.viewer, page);
  }

  @Query(() => AuditEventConnection, { description: "REGULATOR: the audit events naming a target (a number in any accepted spelling, an id, a code), newest first" })
  auditTrail(@Arg("target") target: string, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.enforcement.auditTrail(ctx.viewer, target, page);
  }
}

@Resolver(() => HotNumber)
export class HotNumberResolver {
  @FieldResolver(() => Organization, { nullable: true, description: "null for a number the registry does not hold" })
  carrier(@Root() hot: HotNumber, @Ctx() ctx: RequestContext) {
    return organization(ctx, hot.carrierId);
  }

  @FieldResolver(() => Organization, { nullable: true })
  reseller(@Root() hot: HotNumber, @Ctx() ctx: RequestContext) {
    return organization(ctx, hot.resellerId);
  }
}

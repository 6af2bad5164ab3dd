import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { DNO_DEFAULT_PAGE, DNO_MAX_PAGE } from "./trunk-limits";
import { CallerCheckResult, DoNotOriginateEntry, Inspection, MarketingRefusal, TrunkApproval, TrunkLine } from "./trunk.entity";
import {
  CallerCheckInput,
  MAX_CALLER_CHECKS,
  RecordInspectionInput,
  RecordMarketingRefusalInput,
  RegisterTrunkLineInput,
  TrunkLineFilter,
} from "./trunk.inputs";

@ObjectType()
export class TrunkLineConnection extends ConnectionType(TrunkLine, "TrunkLine") {}

@ObjectType()
export class DoNotOriginateConnection extends ConnectionType(DoNotOriginateEntry, "DoNotOriginate") {}

@ObjectType()
export class MarketingRefusalConnection extends ConnectionType(MarketingRefusal, "MarketingRefusal") {}

@Resolver(() => TrunkLine)
export class TrunkResolver {
  @Mutation(() => TrunkLine, { description: "CARRIER: register a trunk you rent to a call centre, with the numbers it may present; it awaits approval" })
  registerTrunkLine(@Arg("input") input: RegisterTrunkLineInput, @Ctx() ctx: RequestContext) {
    return ctx.services.trunks.register(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => TrunkLine, { description: "CARRIER: one department's approval (one person, one department); the last required one puts the trunk into service" })
  approveTrunkLine(
    @Arg("trunkId", () => ID) trunkId: string,
    @Arg("department") department: string,
    @Arg("note", () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.trunks.approve(ctx.viewer, trunkId, department, note, currentMutation(ctx));
  }

  @Mutation(() => Inspection, { description: "CARRIER: record an on-site inspection of the trunk's call centre" })
  recordInspection(@Arg("trunkId", () => ID) trunkId: string, @Arg("input") input: RecordInspectionInput, @Ctx() ctx: RequestContext) {
    return ctx.services.trunks.recordInspection(ctx.viewer, trunkId, input, currentMutation(ctx));
  }

  @Mutation(() => TrunkLine, {
    description: "CARRIER (its subtree's) or REGULATOR (its province's; a national one any): take a trunk out of service; every call on it is then blocked",
  })
  suspendTrunkLine(@Arg("trunkId", () => ID) trunkId: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.trunks.suspend(ctx.viewer, trunkId, reason, currentMutation(ctx));
  }

  @Mutation(() => TrunkLine, {
    description:
      "CARRIER (its subtree's) or REGULATOR (its province's; a national one any): a SUSPENDED trunk back to PENDING_APPROVAL, " +
      "needing every department's approval again in a new round; refused while its call centre is blacklisted",
  })
  reinstateTrunkLine(@Arg("trunkId", () => ID) trunkId: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.trunks.reinstate(ctx.viewer, trunkId, reason, currentMutation(ctx));
  }

  @Query(() => TrunkLineConnection, { description: "Trunk lines visible to you (a carrier its subtree's, a call centre its own, a regulator its scope), in registration order" })
  trunkLines(@Arg("filter", () => TrunkLineFilter, { nullable: true }) filter: TrunkLineFilter | null, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.trunks.list(ctx.viewer, filter, page);
  }

  @FieldResolver(() => Organization)
  carrier(@Root() trunk: TrunkLine, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(trunk.carrierId);
  }

  @FieldResolver(() => Organization)
  callCenter(@Root() trunk: TrunkLine, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(trunk.callCenterId);
  }

  @FieldResolver(() => [String], { description: "The numbers the call centre may present on it, in national form" })
  callerNumbers(@Root() trunk: TrunkLine, @Ctx() ctx: RequestContext) {
    return ctx.loaders.callerNumbersByTrunk.load(trunk.id);
  }

  @FieldResolver(() => [TrunkApproval])
  approvals(@Root() trunk: TrunkLine, @Ctx() ctx: RequestContext) {
    return ctx.loaders.approvalsByTrunk.load(trunk.id);
  }

  @FieldResolver(() => [Inspection])
  inspections(@Root() trunk: TrunkLine, @Ctx() ctx: RequestContext) {
    return ctx.loaders.inspectionsByTrunk.load(trunk.id);
  }
}

@Resolver(() => MarketingRefusal)
export class CallerCheckResolver {
  @Query(() => [CallerCheckResult], {
    description:
      `CARRIER: for each call (trunk, caller, callee), ALLOW or BLOCK with a reason, in input order; up to ${MAX_CALLER_CHECKS.toLocaleString("en")} a call. ` +
      "A trunk outside your subtree is TRUNK_UNKNOWN. Send the checks as a variable, not inline.",
  })
  verifyCallers(
    // Validated by the service: class-validator on each of 1,000 objects is most of the cost of a batch.
    @Arg("checks", () => [CallerCheckInput], { validate: false }) checks: CallerCheckInput[],
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.callerChecks.verify(ctx.viewer, checks);
  }

  @Mutation(() => MarketingRefusal, {
    description: "CARRIER or CALL_CENTER: a person refused marketing calls from one call centre (a call centre: itself), or from all (callerOrgCode omitted); recorded once",
  })
  recordMarketingRefusal(@Arg("input") input: RecordMarketingRefusalInput, @Ctx() ctx: RequestContext) {
    return ctx.services.callerChecks.recordRefusal(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => DoNotOriginateConnection, {
    description:
      "Numbers no switch may present as a caller: every 400 number in the registry (FOUR_HUNDRED) and every stopped number (STOPPED), " +
      "each once, in number order; resume from any endCursor. Pages are larger here than elsewhere, for switches that load it in bulk: " +
      `first is ${DNO_DEFAULT_PAGE.toLocaleString("en")} by default, at most ${DNO_MAX_PAGE.toLocaleString("en")}.`,
  })
  doNotOriginate(
    @Arg("after", () => String, { nullable: true, description: "The endCursor of the previous page" }) after: string | null,
    @Arg("first", () => Int, { nullable: true, description: `Page size, ${DNO_DEFAULT_PAGE} by default, at most ${DNO_MAX_PAGE}` }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.callerChecks.doNotOriginate(ctx.viewer, after, first);
  }

  @Query(() => MarketingRefusalConnection, {
    description:
      "The refusals of marketing calls you must honour, in the order they were recorded; resume from any endCursor. " +
      "A call centre: refusals of its own calls and of all marketing calls. A carrier: those of the call centres renting its subtree's trunks, " +
      "those its subtree recorded, and those of all marketing calls.",
  })
  marketingRefusals(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.callerChecks.refusals(ctx.viewer, page);
  }

  @FieldResolver(() => Organization, { nullable: true, description: "The call centre whose marketing calls are refused; null: all marketing calls" })
  callerOrg(@Root() refusal: MarketingRefusal, @Ctx() ctx: RequestContext) {
    return refusal.callerOrgId ? ctx.loaders.organizationById.load(refusal.callerOrgId) : null;
  }
}

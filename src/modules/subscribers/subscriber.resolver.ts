import { Arg, Args, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { PhoneNumber } from "../numbers/number.entity";
import { Organization } from "../organizations/organization.entity";
import { TrunkLine } from "../trunks/trunk.entity";
import { RiskFlag, Subscriber, SubscriberDocument, VerificationCheck } from "./subscriber.entity";
import { AttachDocumentInput, RecordCheckInput, RegisterSubscriberInput, SubscriberFilter } from "./subscriber.inputs";

@ObjectType()
export class SubscriberConnection extends ConnectionType(Subscriber, "Subscriber") {}

@ObjectType({ description: "Everything held under one company or one legal representative" })
export class Holdings {
  @Field(() => [Subscriber])
  subscribers: Subscriber[];

  @Field(() => [PhoneNumber])
  numbers: PhoneNumber[];

  @Field(() => [Organization], { description: "The resellers that registered those subscribers" })
  resellers: Organization[];

  @Field(() => [TrunkLine], { description: "Trunk lines rented to call centres of those companies" })
  trunkLines: TrunkLine[];
}

const CASE_NUMBER = "POLICE: an open case of your bureau or the one above it, to see the number in full; every full read is audited";

@Resolver(() => Subscriber)
export class SubscriberResolver {
  @Mutation(() => PhoneNumber, { description: "RESELLER: hold a SPARE number wholesaled to you for a customer (at most 45 days, not extended)" })
  reserveNumber(@Arg("number") number: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.reserve(ctx.viewer, number, currentMutation(ctx));
  }

  @Mutation(() => Subscriber, { description: "RESELLER: register an enterprise with its legal representative and handler" })
  registerSubscriber(@Arg("input") input: RegisterSubscriberInput, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.register(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => SubscriberDocument, { description: "RESELLER: put a paper on file (its digest and where it is kept)" })
  attachDocument(@Arg("subscriberId", () => ID) subscriberId: string, @Arg("input") input: AttachDocumentInput, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.attachDocument(ctx.viewer, subscriberId, input, currentMutation(ctx));
  }

  @Mutation(() => VerificationCheck, { description: "RESELLER (call-back) or CARRIER (re-check): record a verification check" })
  recordCheck(@Arg("subscriberId", () => ID) subscriberId: string, @Arg("input") input: RecordCheckInput, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.recordCheck(ctx.viewer, subscriberId, input, currentMutation(ctx));
  }

  @Mutation(() => Subscriber, { description: "RESELLER: send a complete record to the carrier for approval" })
  submitSubscriber(@Arg("subscriberId", () => ID) subscriberId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.submit(ctx.viewer, subscriberId, currentMutation(ctx));
  }

  @Mutation(() => PhoneNumber, { description: "RESELLER: give a reserved or spare number to a subscriber; ACTIVE at once if it is VERIFIED" })
  assignNumber(@Arg("number") number: string, @Arg("subscriberId", () => ID) subscriberId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.assign(ctx.viewer, number, subscriberId, currentMutation(ctx));
  }

  @Mutation(() => PhoneNumber, { description: "RESELLER: give up a reservation before it lapses; the number is your SPARE stock again" })
  releaseReservation(@Arg("number") number: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.releaseReservation(ctx.viewer, number, currentMutation(ctx));
  }

  @Mutation(() => PhoneNumber, {
    description: "RESELLER: take back a number assigned by mistake, before approval only; it is your SPARE stock again. reason: 1-1000 characters, audited",
  })
  unassignNumber(@Arg("number") number: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.unassign(ctx.viewer, number, reason, currentMutation(ctx));
  }

  @Mutation(() => Subscriber, { description: "CARRIER: verify a submitted subscriber; its waiting numbers go ACTIVE" })
  approveSubscriber(@Arg("subscriberId", () => ID) subscriberId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.approve(ctx.viewer, subscriberId, currentMutation(ctx));
  }

  @Mutation(() => Subscriber, { description: "CARRIER: send a submitted subscriber back with the reason" })
  rejectSubscriber(@Arg("subscriberId", () => ID) subscriberId: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.reject(ctx.viewer, subscriberId, reason, currentMutation(ctx));
  }

  @Mutation(() => Subscriber, { description: "CARRIER or REGULATOR: papers forged or borrowed; every number is TERMINATED into quarantine" })
  revokeSubscriber(@Arg("subscriberId", () => ID) subscriberId: string, @Arg("reason") reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.revoke(ctx.viewer, subscriberId, reason, currentMutation(ctx));
  }

  @Mutation(() => RiskFlag, { description: "CARRIER: resolve a risk flag with a written justification, so approval may go ahead" })
  overrideRiskFlag(@Arg("flagId", () => ID) flagId: string, @Arg("justification") justification: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.overrideFlag(ctx.viewer, flagId, justification, currentMutation(ctx));
  }

  @Query(() => Subscriber, { nullable: true, description: "null when it does not exist or is not visible to you" })
  subscriber(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.get(ctx.viewer, id);
  }

  @Query(() => SubscriberConnection, { description: "Subscribers visible to you, in registration order" })
  subscribers(@Arg("filter", () => SubscriberFilter, { nullable: true }) filter: SubscriberFilter | null, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.list(ctx.viewer, filter, page);
  }

  @Query(() => Holdings, {
    description:
      "POLICE or REGULATOR: everything under one USCC or one legal representative's ID number that you may see. " +
      "A search by ID number names an open case of your bureau (POLICE) or states a purpose (REGULATOR), is audited and rate-limited per organisation",
  })
  async holdings(
    @Arg("uscc", () => String, { nullable: true }) uscc: string | null,
    @Arg("legalRepIdNumber", () => String, { nullable: true }) legalRepIdNumber: string | null,
    @Arg("caseNumber", () => String, { nullable: true, description: "POLICE: an open case of your bureau or the one above it; required to search by ID number" })
    caseNumber: string | null,
    @Arg("purpose", () => String, { nullable: true, description: "REGULATOR: why you search, 10-500 characters; required to search by ID number" })
    purpose: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Holdings> {
    const found = await ctx.services.subscribers.holdings(ctx.viewer, { uscc, legalRepIdNumber, caseNumber, purpose }, ctx.requestId);
    const [resellers, trunkLines] = await Promise.all([
      ctx.loaders.organizationById.loadMany(found.resellerIds),
      ctx.services.trunks.ofCompanies(ctx.viewer, found.usccs),
    ]);
    const failed = resellers.find((r) => r instanceof Error);
    if (failed) throw failed;
    return {
      subscribers: found.subscribers,
      numbers: found.numbers,
      // Those the viewer may not see load as null.
      resellers: resellers.filter((r): r is Organization => r !== null),
      trunkLines,
    };
  }

  @FieldResolver(() => String, { description: "Masked (first 6, last 4) unless you registered it, verify it, or state an open case" })
  legalRepIdNumber(@Root() s: Subscriber, @Arg("caseNumber", () => String, { nullable: true, description: CASE_NUMBER }) caseNumber: string | null, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.idNumber(ctx.viewer, s, "legalRepIdNumber", caseNumber, ctx.requestId);
  }

  @FieldResolver(() => String, { description: "Masked (first 6, last 4) unless you registered it, verify it, or state an open case" })
  handlerIdNumber(@Root() s: Subscriber, @Arg("caseNumber", () => String, { nullable: true, description: CASE_NUMBER }) caseNumber: string | null, @Ctx() ctx: RequestContext) {
    return ctx.services.subscribers.idNumber(ctx.viewer, s, "handlerIdNumber", caseNumber, ctx.requestId);
  }

  @FieldResolver(() => [SubscriberDocument])
  documents(@Root() s: Subscriber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.documentsBySubscriber.load(s.id);
  }

  @FieldResolver(() => [VerificationCheck])
  checks(@Root() s: Subscriber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.checksBySubscriber.load(s.id);
  }

  @FieldResolver(() => [RiskFlag])
  riskFlags(@Root() s: Subscriber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.flagsBySubscriber.load(s.id);
  }

  @FieldResolver(() => [PhoneNumber], { description: "Its numbers that you may see" })
  numbers(@Root() s: Subscriber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.numbersBySubscriber.load(s.id);
  }

  @FieldResolver(() => Organization)
  reseller(@Root() s: Subscriber, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(s.resellerId);
  }
}

/** A number's subscriber, for whoever sees the number. */
@Resolver(() => PhoneNumber)
export class NumberSubscriberResolver {
  @FieldResolver(() => Subscriber, { nullable: true })
  subscriber(@Root() number: PhoneNumber, @Ctx() ctx: RequestContext) {
    return number.subscriberId ? ctx.loaders.subscriberById.load(number.subscriberId) : null;
  }
}

@Resolver(() => VerificationCheck)
export class VerificationCheckResolver {
  @FieldResolver(() => Organization, { description: "The organisation that made the check" })
  organization(@Root() check: VerificationCheck, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(check.organizationId);
  }
}

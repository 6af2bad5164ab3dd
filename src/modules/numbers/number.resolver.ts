import { Arg, Args, Ctx, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { AllocationResult, BulkResult, NumberChange, PhoneNumber, SyncResult } from "./number.entity";
import { NumberFilter, PublishAllocationInput, SyncNumbersInput, WholesaleNumbersInput } from "./number.inputs";

@ObjectType()
export class NumberConnection extends ConnectionType(PhoneNumber, "Number") {}

@ObjectType()
export class NumberChangeConnection extends ConnectionType(NumberChange, "NumberChange") {}

const organization = (ctx: RequestContext, id: string | null) => (id ? ctx.loaders.organizationById.load(id) : null);

@Resolver(() => PhoneNumber)
export class NumberResolver {
  @Mutation(() => AllocationResult, { description: "CARRIER: create the SPARE numbers of a range allocated to you" })
  publishAllocation(@Arg("input") input: PublishAllocationInput, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.publish(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => SyncResult, { description: "CARRIER: bring the registry in step with your records, up to 10,000 numbers a call" })
  syncNumbers(@Arg("input") input: SyncNumbersInput, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.sync(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => BulkResult, { description: "CARRIER: give SPARE numbers to a reseller to sell" })
  wholesaleNumbers(@Arg("input") input: WholesaleNumbersInput, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.wholesale(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => NumberConnection, { description: "Numbers visible to you, in number order" })
  numbers(@Arg("filter", () => NumberFilter, { nullable: true }) filter: NumberFilter | null, @Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.list(ctx.viewer, filter, page);
  }

  @Query(() => PhoneNumber, { nullable: true, description: "null when it does not exist or is not visible to you" })
  number(@Arg("number") number: string, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.get(ctx.viewer, number);
  }

  @Query(() => NumberChangeConnection, { description: "Every change to your numbers after a sequence (\"0\": from the start), in order" })
  numberChanges(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.numbers.changes(ctx.viewer, page);
  }

  @FieldResolver(() => Organization)
  carrier(@Root() number: PhoneNumber, @Ctx() ctx: RequestContext) {
    return organization(ctx, number.carrierId);
  }

  @FieldResolver(() => Organization, { nullable: true })
  reseller(@Root() number: PhoneNumber, @Ctx() ctx: RequestContext) {
    return organization(ctx, number.resellerId);
  }
}

@Resolver(() => NumberChange)
export class NumberChangeResolver {
  @FieldResolver(() => Organization)
  carrier(@Root() change: NumberChange, @Ctx() ctx: RequestContext) {
    return organization(ctx, change.carrierId);
  }

  @FieldResolver(() => Organization, { nullable: true })
  reseller(@Root() change: NumberChange, @Ctx() ctx: RequestContext) {
    return organization(ctx, change.resellerId);
  }
}

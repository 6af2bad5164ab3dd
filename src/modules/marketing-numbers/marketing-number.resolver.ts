import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { MarketingNumber } from "./marketing-number.entity";
import { SetOfficialMarketingNumberInput } from "./marketing-number.inputs";

@Resolver()
export class MarketingNumberResolver {
  @Query(() => [MarketingNumber], { description: "Public: the carriers' official outbound marketing numbers" })
  officialMarketingNumbers(@Ctx() ctx: RequestContext): Promise<MarketingNumber[]> {
    return ctx.services.marketingNumbers.list();
  }

  @Mutation(() => MarketingNumber, { description: "REGULATOR (national): make a number a carrier group's official marketing number" })
  setOfficialMarketingNumber(@Arg("input") input: SetOfficialMarketingNumberInput, @Ctx() ctx: RequestContext) {
    return ctx.services.marketingNumbers.set(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => MarketingNumber, { description: "REGULATOR (national): retire an official marketing number" })
  retireOfficialMarketingNumber(@Arg("number") number: string, @Ctx() ctx: RequestContext) {
    return ctx.services.marketingNumbers.retire(ctx.viewer, number, currentMutation(ctx));
  }
}

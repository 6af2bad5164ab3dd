import { Arg, Args, Ctx, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { Campaign } from "./campaign.entity";
import { OpenCampaignInput } from "./campaign.inputs";

@ObjectType()
export class CampaignConnection extends ConnectionType(Campaign, "Campaign") {}

@Resolver(() => Campaign)
export class CampaignResolver {
  @Mutation(() => Campaign, { description: "REGULATOR: open a real-name verification campaign, national or for your province" })
  openCampaign(@Arg("input") input: OpenCampaignInput, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return ctx.services.campaigns.open(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => CampaignConnection, { description: "REGULATOR: campaigns you may see (a province's regulator: the national ones and its own), newest first" })
  campaigns(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.campaigns.list(ctx.viewer, page);
  }

  @FieldResolver(() => Organization, { description: "The regulator that opened it" })
  openedBy(@Root() campaign: Campaign, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(campaign.openedById);
  }
}

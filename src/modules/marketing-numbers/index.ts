import { Ctx, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../app/context";
import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";
import { MarketingNumber, OfficialMarketingNumber } from "./marketing-number.entity";
import { MarketingNumberService } from "./marketing-number.service";

@Resolver()
export class MarketingNumberResolver {
  @Query(() => [MarketingNumber], { description: "Public: the carriers' official outbound marketing numbers" })
  officialMarketingNumbers(@Ctx() ctx: RequestContext): Promise<MarketingNumber[]> {
    return ctx.services.marketingNumbers.list();
  }
}

const permissions: FieldPermissions = {
  Query: { officialMarketingNumbers: Permission.PUBLIC_READ },
  MarketingNumber: { "*": Permission.PUBLIC_READ },
};

export const marketingNumbersModule = {
  entities: [OfficialMarketingNumber],
  resolvers: [MarketingNumberResolver],
  permissions,
  loaders: {},
};

export { MarketingNumberService };

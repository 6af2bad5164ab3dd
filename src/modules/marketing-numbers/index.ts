import { Ctx, Query, Resolver } from "type-graphql";
import type { LoadersOf, ModuleDeps, RequestContext, ServicesOf } from "../../shared/context";
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
  services: ({ dataSource }: ModuleDeps) => ({ marketingNumbers: new MarketingNumberService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof marketingNumbersModule> {}
  interface RegistryLoaders extends LoadersOf<typeof marketingNumbersModule> {}
}

export { MarketingNumberService };

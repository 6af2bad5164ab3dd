import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { OfficialMarketingNumber } from "./marketing-number.entity";
import { marketingNumberPermissions } from "./marketing-number.permissions";
import { MarketingNumberResolver } from "./marketing-number.resolver";
import { MarketingNumberService } from "./marketing-number.service";

export const marketingNumbersModule = {
  entities: [OfficialMarketingNumber],
  resolvers: [MarketingNumberResolver],
  permissions: marketingNumberPermissions,
  services: ({ dataSource }: ModuleDeps) => ({ marketingNumbers: new MarketingNumberService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof marketingNumbersModule> {}
  interface RegistryLoaders extends LoadersOf<typeof marketingNumbersModule> {}
}

export { MarketingNumberService };

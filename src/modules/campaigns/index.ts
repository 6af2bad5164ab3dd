import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { Campaign } from "./campaign.entity";
import { campaignPermissions } from "./campaign.permissions";
import { CampaignResolver } from "./campaign.resolver";
import { CampaignService } from "./campaign.service";

export const campaignsModule = {
  entities: [Campaign],
  resolvers: [CampaignResolver],
  permissions: campaignPermissions,
  services: ({ dataSource }: ModuleDeps) => ({ campaigns: new CampaignService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof campaignsModule> {}
  interface RegistryLoaders extends LoadersOf<typeof campaignsModule> {}
}

export { Campaign, CampaignService };

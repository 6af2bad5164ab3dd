import { Campaign } from "./campaign.entity";
import { campaignPermissions } from "./campaign.permissions";
import { CampaignResolver } from "./campaign.resolver";
import { CampaignService } from "./campaign.service";

export const campaignsModule = {
  entities: [Campaign],
  resolvers: [CampaignResolver],
  permissions: campaignPermissions,
  loaders: {},
};

export { Campaign, CampaignService };

import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const campaignPermissions: FieldPermissions = {
  Query: {
    campaigns: Permission.CAMPAIGN_MANAGE,
  },
  Mutation: {
    openCampaign: Permission.CAMPAIGN_MANAGE,
  },
  Campaign: { "*": Permission.CAMPAIGN_MANAGE },
  CampaignTarget: { "*": Permission.CAMPAIGN_MANAGE },
  CampaignConnection: { "*": Permission.CAMPAIGN_MANAGE },
  CampaignEdge: { "*": Permission.CAMPAIGN_MANAGE },
};

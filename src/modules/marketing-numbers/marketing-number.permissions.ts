import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const marketingNumberPermissions: FieldPermissions = {
  Query: { officialMarketingNumbers: Permission.PUBLIC_READ },
  Mutation: {
    // A provincial regulator holds the permission too: the service refuses it (parties.ts, maintainsNationalLists).
    setOfficialMarketingNumber: Permission.MARKETING_NUMBER_MANAGE,
    retireOfficialMarketingNumber: Permission.MARKETING_NUMBER_MANAGE,
  },
  MarketingNumber: { "*": Permission.PUBLIC_READ },
};

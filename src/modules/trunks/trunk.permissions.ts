import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const trunkPermissions: FieldPermissions = {
  Query: {
    trunkLines: Permission.TRUNK_READ,
    verifyCallers: Permission.CALLER_VERIFY,
    doNotOriginate: Permission.DNO_READ,
    marketingRefusals: Permission.MARKETING_REFUSAL_READ,
  },
  Mutation: {
    registerTrunkLine: Permission.TRUNK_MANAGE,
    approveTrunkLine: Permission.TRUNK_APPROVE,
    recordInspection: Permission.TRUNK_MANAGE,
    suspendTrunkLine: Permission.TRUNK_SUSPEND,
    reinstateTrunkLine: Permission.TRUNK_SUSPEND,
    recordMarketingRefusal: Permission.MARKETING_REFUSAL,
  },
  TrunkLine: { "*": Permission.TRUNK_READ },
  TrunkLineConnection: { "*": Permission.TRUNK_READ },
  TrunkLineEdge: { "*": Permission.TRUNK_READ },
  TrunkApproval: { "*": Permission.TRUNK_READ },
  Inspection: { "*": Permission.TRUNK_READ },
  CallerCheckResult: { "*": Permission.CALLER_VERIFY },
  MarketingRefusal: { "*": Permission.MARKETING_REFUSAL_READ },
  MarketingRefusalConnection: { "*": Permission.MARKETING_REFUSAL_READ },
  MarketingRefusalEdge: { "*": Permission.MARKETING_REFUSAL_READ },
  DoNotOriginateConnection: { "*": Permission.DNO_READ },
  DoNotOriginateEdge: { "*": Permission.DNO_READ },
  DoNotOriginateEntry: { "*": Permission.DNO_READ },
};

import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const enforcementPermissions: FieldPermissions = {
  Query: {
    hotNumbers: Permission.COMPLIANCE_READ,
    auditTrail: Permission.COMPLIANCE_READ,
    penalties: Permission.PUBLIC_READ,
  },
  Mutation: {
    reportNumber: Permission.PUBLIC_READ,
    suspendNumber: Permission.NUMBER_SUSPEND,
    liftSuspension: Permission.NUMBER_SUSPEND,
    recordPenalty: Permission.PENALTY_MANAGE,
    publishPenalty: Permission.PENALTY_MANAGE,
  },
  ReportReceipt: { "*": Permission.PUBLIC_READ },
  HotNumber: { "*": Permission.COMPLIANCE_READ },
  // Which penalties a viewer sees is the service's: the published ones, or all for a regulator.
  Penalty: { "*": Permission.PUBLIC_READ },
  PenaltyConnection: { "*": Permission.PUBLIC_READ },
  PenaltyEdge: { "*": Permission.PUBLIC_READ },
  AuditEvent: { "*": Permission.COMPLIANCE_READ },
  AuditEventConnection: { "*": Permission.COMPLIANCE_READ },
  AuditEventEdge: { "*": Permission.COMPLIANCE_READ },
};

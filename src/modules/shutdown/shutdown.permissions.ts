import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const shutdownPermissions: FieldPermissions = {
  Query: { shutdownOrders: Permission.SHUTDOWN_READ, shutdownPerformance: Permission.SHUTDOWN_READ },
  Mutation: {
    issueShutdownOrder: Permission.SHUTDOWN_ISSUE,
    liftShutdownOrder: Permission.SHUTDOWN_ISSUE,
    acknowledgeShutdown: Permission.SHUTDOWN_EXECUTE,
    confirmShutdownExecuted: Permission.SHUTDOWN_EXECUTE,
  },
  Subscription: { shutdownOrderIssued: Permission.SHUTDOWN_EXECUTE },
  ShutdownOrder: { "*": Permission.SHUTDOWN_READ },
  ShutdownOrderConnection: { "*": Permission.SHUTDOWN_READ },
  ShutdownOrderEdge: { "*": Permission.SHUTDOWN_READ },
  ShutdownItem: { "*": Permission.SHUTDOWN_READ },
  ShutdownNotice: { "*": Permission.SHUTDOWN_EXECUTE },
  CarrierShutdownPerformance: { "*": Permission.SHUTDOWN_READ },
};

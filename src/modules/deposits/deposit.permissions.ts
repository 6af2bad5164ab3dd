import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const depositPermissions: FieldPermissions = {
  Query: {
    deposits: Permission.DEPOSIT_READ,
    depositTotals: Permission.DEPOSIT_READ,
    depositSchedules: Permission.DEPOSIT_READ,
  },
  Mutation: {
    // Which province, the service decides (parties: depositSchedulesWritable).
    setDepositSchedule: Permission.DEPOSIT_SCHEDULE,
    recordDepositReceived: Permission.DEPOSIT_RECORD,
    recordDepositRefunded: Permission.DEPOSIT_RECORD,
    confirmFraud: Permission.FRAUD_CONFIRM,
  },
  PhoneNumber: { deposit: Permission.DEPOSIT_READ },
  Deposit: { "*": Permission.DEPOSIT_READ },
  DepositConnection: { "*": Permission.DEPOSIT_READ },
  DepositEdge: { "*": Permission.DEPOSIT_READ },
  DepositTotals: { "*": Permission.DEPOSIT_READ },
  DepositTotalsRow: { "*": Permission.DEPOSIT_READ },
  DepositSchedule: { "*": Permission.DEPOSIT_READ },
};

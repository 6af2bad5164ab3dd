import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const numberPermissions: FieldPermissions = {
  Query: {
    numbers: Permission.NUMBER_READ,
    number: Permission.NUMBER_READ,
    numberChanges: Permission.NUMBER_READ,
  },
  Mutation: {
    publishAllocation: Permission.NUMBER_ALLOCATE,
    syncNumbers: Permission.NUMBER_ALLOCATE,
    wholesaleNumbers: Permission.NUMBER_ALLOCATE,
  },
  PhoneNumber: { "*": Permission.NUMBER_READ },
  NumberConnection: { "*": Permission.NUMBER_READ },
  NumberEdge: { "*": Permission.NUMBER_READ },
  NumberChange: { "*": Permission.NUMBER_READ },
  NumberChangeConnection: { "*": Permission.NUMBER_READ },
  NumberChangeEdge: { "*": Permission.NUMBER_READ },
  AllocationResult: { "*": Permission.NUMBER_ALLOCATE },
  SyncResult: { "*": Permission.NUMBER_ALLOCATE },
  BulkResult: { "*": Permission.NUMBER_ALLOCATE },
  NumberRejection: { "*": Permission.NUMBER_ALLOCATE },
};

import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const casePermissions: FieldPermissions = {
  Query: {
    cases: Permission.CASE_MANAGE,
  },
  Mutation: {
    openCase: Permission.CASE_MANAGE,
    closeCase: Permission.CASE_MANAGE,
  },
  Case: { "*": Permission.CASE_MANAGE },
  CaseConnection: { "*": Permission.CASE_MANAGE },
  CaseEdge: { "*": Permission.CASE_MANAGE },
};

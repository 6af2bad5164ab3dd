import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const apiClientPermissions: FieldPermissions = {
  Query: {
    apiClients: Permission.ORG_ADMIN,
  },
  Mutation: {
    createApiClient: Permission.ORG_ADMIN,
    rotateApiClientSecret: Permission.ORG_ADMIN,
    revokeApiClient: Permission.ORG_ADMIN,
  },
  ApiClient: { "*": Permission.ORG_ADMIN },
  ApiClientSecret: { "*": Permission.ORG_ADMIN },
  ApiClientConnection: { "*": Permission.ORG_ADMIN },
  ApiClientEdge: { "*": Permission.ORG_ADMIN },
};

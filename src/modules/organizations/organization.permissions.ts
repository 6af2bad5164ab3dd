import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";

export const organizationPermissions: FieldPermissions = {
  Query: {
    organization: Permission.ORGANIZATION_READ,
    organizations: Permission.ORGANIZATION_READ,
  },
  Mutation: {
    createOrganization: Permission.ORGANIZATION_MANAGE,
  },
  Organization: { "*": Permission.ORGANIZATION_READ },
  OrganizationConnection: { "*": Permission.ORGANIZATION_READ },
  OrganizationEdge: { "*": Permission.ORGANIZATION_READ },
};

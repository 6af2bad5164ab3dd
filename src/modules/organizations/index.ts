import DataLoader from "dataloader";
import { Organization } from "./organization.entity";
import { organizationPermissions } from "./organization.permissions";
import { OrganizationResolver } from "./organization.resolver";
import { OrganizationService } from "./organization.service";

export const organizationsModule = {
  entities: [Organization],
  resolvers: [OrganizationResolver],
  permissions: organizationPermissions,
  loaders: {
    organizationById: (services: { organizations: OrganizationService }) =>
      new DataLoader<string, Organization | null>((ids) => services.organizations.byIds(ids)),
  },
};

export { Organization, OrganizationService };

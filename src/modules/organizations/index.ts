import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import { Organization } from "./organization.entity";
import { organizationPermissions } from "./organization.permissions";
import { OrganizationResolver } from "./organization.resolver";
import { OrganizationService } from "./organization.service";

export const organizationsModule = {
  entities: [Organization],
  resolvers: [OrganizationResolver],
  permissions: organizationPermissions,
  loaders: {
    // null for an organisation the viewer could not fetch by organization(code): every nested field answers as the root does.
    organizationById: (services: { organizations: OrganizationService }, viewer: Viewer) =>
      new DataLoader<string, Organization | null>((ids) => services.organizations.byIds(viewer, ids)),
  },
};

export { Organization, OrganizationService };

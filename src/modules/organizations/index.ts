import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { Organization } from "./organization.entity";
import { organizationPermissions } from "./organization.permissions";
import { OrganizationResolver } from "./organization.resolver";
import { OrganizationService } from "./organization.service";

export const organizationsModule = {
  entities: [Organization],
  resolvers: [OrganizationResolver],
  permissions: organizationPermissions,
  services: ({ dataSource }: ModuleDeps) => ({ organizations: new OrganizationService(dataSource) }),
  loaders: {
    // null for an organisation the viewer could not fetch by organization(code): every nested field answers as the root does.
    organizationById: (services: { organizations: OrganizationService }, viewer: Viewer) =>
      new DataLoader<string, Organization | null>((ids) => services.organizations.byIds(viewer, ids)),
    // A federation router's references by code (src/app/federation.ts), under the same policy.
    organizationByCode: (services: { organizations: OrganizationService }, viewer: Viewer) =>
      new DataLoader<string, Organization | null>((codes) => services.organizations.byCodes(viewer, codes)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof organizationsModule> {}
  interface RegistryLoaders extends LoadersOf<typeof organizationsModule> {}
}

export { Organization, OrganizationService };

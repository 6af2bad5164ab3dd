import { OidcVerifier } from "../../shared/auth/oidc";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { apiClientPermissions } from "./api-client.permissions";
import { ApiClientResolver } from "./api-client.resolver";
import { ApiClientService, CLIENT_CACHE_MS, SECRET_PREFIX } from "./api-client.service";

export const apiClientsModule = {
  entities: [],
  resolvers: [ApiClientResolver],
  permissions: apiClientPermissions,
  // The credentials the registry accepts beside its own HS256 tokens: API clients' secrets, and single sign-on's tokens.
  services: ({ dataSource, config, log }: ModuleDeps) => ({
    apiClients: new ApiClientService(dataSource, config.piiKey, log),
    oidc: config.oidc ? new OidcVerifier(config.oidc) : null,
  }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof apiClientsModule> {}
  interface RegistryLoaders extends LoadersOf<typeof apiClientsModule> {}
}

export { ApiClientService, CLIENT_CACHE_MS, SECRET_PREFIX };

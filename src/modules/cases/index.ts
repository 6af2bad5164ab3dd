import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { Case } from "./case.entity";
import { casePermissions } from "./case.permissions";
import { CaseResolver } from "./case.resolver";
import { CaseService, findOpenCase } from "./case.service";

export const casesModule = {
  entities: [],
  resolvers: [CaseResolver],
  permissions: casePermissions,
  services: ({ dataSource }: ModuleDeps) => ({ cases: new CaseService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof casesModule> {}
  interface RegistryLoaders extends LoadersOf<typeof casesModule> {}
}

export { Case, CaseService, findOpenCase };

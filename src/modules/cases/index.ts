import { Case } from "./case.entity";
import { casePermissions } from "./case.permissions";
import { CaseResolver } from "./case.resolver";
import { CaseService, findOpenCase } from "./case.service";

export const casesModule = {
  entities: [],
  resolvers: [CaseResolver],
  permissions: casePermissions,
  loaders: {},
};

export { Case, CaseService, findOpenCase };

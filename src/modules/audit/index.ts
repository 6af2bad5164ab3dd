import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { AuditEvent } from "./audit-event.entity";
import { AuditService } from "./audit.service";

export const auditModule = {
  entities: [AuditEvent],
  resolvers: [],
  permissions: {},
  services: ({ dataSource }: ModuleDeps) => ({ audit: new AuditService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof auditModule> {}
  interface RegistryLoaders extends LoadersOf<typeof auditModule> {}
}

export { AuditService };
export { AuditedMutation } from "./audited-mutation";

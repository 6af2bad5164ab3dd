import { AuditEvent } from "./audit-event.entity";

export const auditModule = {
  entities: [AuditEvent],
  resolvers: [],
  permissions: {},
  loaders: {},
};

export { AuditService } from "./audit.service";
export { AuditedMutation } from "./audited-mutation";

import type { Logger } from "pino";
import type { Viewer } from "../shared/auth/viewer";
import type { AuditedMutation } from "../modules/audit/audited-mutation";
import type { Loaders, Services } from "./services";

/** What every resolver receives. Built per request; loaders memoise for that request only. */
export interface RequestContext {
  requestId: string;
  /** The client's address as the server sees it (for per-client limits); null over WebSocket. */
  clientAddress: string | null;
  viewer: Viewer;
  services: Services;
  loaders: Loaders;
  log: Logger;
  /** The current mutation field's unit of work; set by the audit middleware on Mutation fields. */
  mutation?: AuditedMutation;
}

/** The unit of work of the mutation being resolved. */
export function currentMutation(ctx: RequestContext): AuditedMutation {
  if (!ctx.mutation) throw new Error("a mutation's unit of work was requested outside a mutation");
  return ctx.mutation;
}

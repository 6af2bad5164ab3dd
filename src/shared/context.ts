import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Viewer } from "./auth/viewer";
import type { UnitOfWork } from "./unit-of-work";

/**
 * The services of the process, one instance each. Every module's manifest adds its own
 * (`declare module "../../shared/context" { interface RegistryServices extends ServicesOf<...> {} }`).
 */
export interface RegistryServices {
  config: Config;
  dataSource: DataSource;
}

/** A request's DataLoaders; every module's manifest adds its own, as for services. */
export interface RegistryLoaders {}

/** What every resolver receives. Built per request; loaders memoise for that request only. */
export interface RequestContext {
  requestId: string;
  /** The client's address as the server sees it (for per-client limits); null over WebSocket. */
  clientAddress: string | null;
  viewer: Viewer;
  services: RegistryServices;
  loaders: RegistryLoaders;
  log: Logger;
  /** Whether the request carries the federation router's credential (FEDERATION_ROUTER_TOKEN); HTTP only. */
  readonly routerCredential?: boolean;
  /** The current mutation field's unit of work; set by the audit middleware on Mutation fields. */
  mutation?: UnitOfWork;
}

/** The unit of work of the mutation being resolved. */
export function currentMutation(ctx: RequestContext): UnitOfWork {
  if (!ctx.mutation) throw new Error("a mutation's unit of work was requested outside a mutation");
  return ctx.mutation;
}

/** What a module's services are built from: services hold no state, so one that needs another makes its own. */
export interface ModuleDeps {
  dataSource: DataSource;
  config: Config;
  log: Logger;
}

/** The services a manifest builds, by name. */
export type ServicesOf<M extends { services: (deps: ModuleDeps) => object }> = ReturnType<M["services"]>;

/** The loaders a manifest's factories make, by name. */
export type LoadersOf<M extends { loaders: Record<string, (...args: never[]) => unknown> }> = {
  readonly [K in keyof M["loaders"]]: ReturnType<M["loaders"][K]>;
};

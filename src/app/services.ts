import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Viewer } from "../shared/auth/viewer";
import type { RegistryLoaders, RegistryServices } from "../shared/context";
import { MODULES } from "./modules";

export type Services = RegistryServices;
export type Loaders = RegistryLoaders;

/**
 * One instance of each service for the process, each built by its module's manifest; they hold no
 * request state.
 */
export function createServices(dataSource: DataSource, config: Config, log: Logger): Services {
  const services = { config, dataSource } as Services;
  for (const module of MODULES) Object.assign(services, module.services({ dataSource, config, log }));
  return services;
}

type LoaderFactory = (services: Services, viewer: Viewer) => unknown;

/**
 * A request's loaders, each made when a resolver first asks for it: most requests
 * (a look-up, a batch of caller checks) use none, and making all of them for every
 * request was a twentieth of the public look-up's CPU.
 */
class RequestLoaders {
  constructor(
    readonly services: Services,
    readonly viewer: Viewer,
  ) {}
}
for (const module of MODULES) {
  for (const [name, factory] of Object.entries(module.loaders) as [string, LoaderFactory][]) {
    Object.defineProperty(RequestLoaders.prototype, name, {
      get(this: RequestLoaders) {
        const loader = factory(this.services, this.viewer);
        Object.defineProperty(this, name, { value: loader });
        return loader;
      },
    });
  }
}

/** Fresh loaders for each request, so nothing is cached across viewers. */
export function createLoaders(services: Services, viewer: Viewer): Loaders {
  return new RequestLoaders(services, viewer) as unknown as Loaders;
}

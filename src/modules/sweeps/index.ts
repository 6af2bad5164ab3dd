import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { SweepService } from "./sweep.service";

export const sweepsModule = {
  entities: [],
  resolvers: [],
  permissions: {},
  services: ({ dataSource, config }: ModuleDeps) => ({ sweeps: new SweepService(dataSource, config) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof sweepsModule> {}
  interface RegistryLoaders extends LoadersOf<typeof sweepsModule> {}
}

export { SweepService };
export { SWEEP_STEPS, dayOf } from "./sweep.service";
export type { SweepReport } from "./sweep.service";
export { startSweepSchedule, changedAnything } from "./sweep-schedule";

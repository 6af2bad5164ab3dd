export { SweepService, SWEEP_STEPS, dayOf } from "./sweep.service";
export type { SweepReport } from "./sweep.service";
export { startSweepSchedule, changedAnything } from "./sweep-schedule";

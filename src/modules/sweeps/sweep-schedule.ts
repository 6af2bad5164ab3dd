import type { Logger } from "pino";
import type { SweepReport, SweepService } from "./sweep.service";

type SweepLog = Pick<Logger, "debug" | "info" | "error">;

/**
 * Runs the sweeps every `intervalSeconds` (0: never), one at a time in this process: a tick
 * that finds the previous sweep still running is skipped. Each run also refreshes the day's
 * compliance snapshot (the day's last run stands). Failures are logged, not thrown; the next
 * tick tries again. Returns a stop function that waits for a running sweep.
 */
export function startSweepSchedule(service: Pick<SweepService, "run">, intervalSeconds: number, log: SweepLog): () => Promise<void> {
  if (!(intervalSeconds > 0)) return async () => undefined;
  let running: Promise<void> | null = null;
  let stopped = false;

  const tick = () => {
    if (stopped || running) return;
    running = service
      .run(undefined, { snapshot: true })
      .then(
        (report) => {
          // As text: the logger's scrubbing walks objects, and a Date has no fields of its own.
          const at = report.at.toISOString();
          if (changedAnything(report)) log.info({ sweep: { ...report, at } }, "sweep changed numbers or subscribers");
          else log.debug({ at }, "sweep: nothing was due");
        },
        (error) => log.error({ err: error }, "sweep failed; the next run tries again"),
      )
      .finally(() => {
        running = null;
      });
  };

  // setInterval takes at most 2^31-1 ms (about 24.8 days); longer would fire every millisecond.
  const timer = setInterval(tick, Math.min(intervalSeconds * 1000, 2 ** 31 - 1));
  // A schedule alone does not keep the process alive.
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

export function changedAnything(report: SweepReport): boolean {
  const { at, ...counts } = report;
  void at;
  return Object.values(counts).some((n) => n > 0);
}

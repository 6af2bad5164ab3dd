import "reflect-metadata";
import type { DataSource } from "typeorm";
import { Config, loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { SWEEP_STEPS, SweepReport, SweepService } from "../modules/sweeps";
import { parseInstant } from "../shared/dates";
import { AsOfCommand, AsOfCommandIo, runAsOfCommand, runAsOfCommandAsMain } from "./as-of-command";

export { parseInstant };

const USAGE = `usage: npm run sweep -- [--now <ISO time>]
Runs every due sweep once (lapsed reservations, expired papers, campaign deadlines,
suspension → termination → aging → spare) and prints what each step changed.
--now sweeps as of that time, e.g. 2030-01-01T00:00:00Z (drills and tests); the default is the database clock.
On the embedded database, stop the server first: a PGlite data directory belongs to one process.`;

/** One line per step with its count, under the time swept as of. */
export function formatReport(report: SweepReport, source: "--now" | "database clock"): string[] {
  const width = Math.max(...SWEEP_STEPS.map((s) => s.label.length));
  const total = SWEEP_STEPS.reduce((sum, s) => sum + report[s.key], 0);
  return [
    `sweep as of ${report.at.toISOString()} (${source})`,
    ...SWEEP_STEPS.map((s) => `  ${s.label.padEnd(width)}  ${String(report[s.key]).padStart(8)}`),
    total === 0 ? "nothing was due" : `${total} changes, recorded in the audit log as one "sweep" event`,
  ];
}

export type SweepCommandIo = AsOfCommandIo<{ dataSource: DataSource; config: Pick<Config, "rules" | "piiKey">; close(): Promise<void> }>;

const SWEEP: AsOfCommand<Awaited<ReturnType<SweepCommandIo["open"]>>> = {
  name: "sweep",
  usage: USAGE,
  example: "2030-01-01T00:00:00Z",
  failure: "changed nothing",
  async run(database, now) {
    const report = await new SweepService(database.dataSource, database.config).run(now);
    return formatReport(report, now ? "--now" : "database clock");
  },
};

/**
 * `npm run sweep`: the exit code is 0 when the sweep ran (whether or not anything was due),
 * 1 when it failed (and changed nothing), 2 for a bad argument or configuration.
 */
export function sweepCommand(argv: string[], io: SweepCommandIo): Promise<number> {
  return runAsOfCommand(SWEEP, argv, io);
}

if (require.main === module) {
  runAsOfCommandAsMain(SWEEP, async () => {
    const config = loadConfig();
    const dataSource = await openDatabase(config);
    return { dataSource, config, close: () => dataSource.destroy() };
  });
}

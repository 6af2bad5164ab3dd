import "reflect-metadata";
import type { DataSource } from "typeorm";
import { Config, ConfigError, loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { SWEEP_STEPS, SweepReport, SweepService } from "../modules/sweeps";
import { parseInstant } from "../shared/dates";
import { parseArgs } from "./args";

export { parseInstant };

const USAGE = `usage: npm run sweep -- [--now <ISO time>]
Runs every due sweep once (lapsed reservations, expired papers, campaign deadlines,
suspension → termination → aging → spare) and prints what each step changed.
--now sweeps as of that time, e.g. 2030-01-01T00:00:00Z (drills and tests); the default is the database clock.
On the embedded database, stop the server first: a PGlite data directory belongs to one process.`;

export class UsageError extends Error {}

export function parseSweepArgs(argv: string[]): { now?: Date; help: boolean } {
  let args: Record<string, string>;
  try {
    args = parseArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const unknown = Object.keys(args).filter((name) => name !== "now" && name !== "help");
  if (unknown.length > 0) throw new UsageError(`unknown option --${unknown[0]}`);
  if (args.help) return { help: true };
  if (args.now === undefined) return { help: false };
  const now = parseInstant(args.now);
  if (!now) throw new UsageError(`--now must be an ISO-8601 time with its zone, such as 2030-01-01T00:00:00Z; got "${args.now}"`);
  return { now, help: false };
}

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

export interface SweepCommandIo {
  /** Opens the database the command sweeps; close() is called when it is done. */
  open(): Promise<{ dataSource: DataSource; config: Pick<Config, "rules" | "piiKey">; close(): Promise<void> }>;
  out(line: string): void;
  err(line: string): void;
}

/**
 * `npm run sweep`: the exit code is 0 when the sweep ran (whether or not anything was due),
 * 1 when it failed (and changed nothing), 2 for a bad argument or configuration.
 */
export async function sweepCommand(argv: string[], io: SweepCommandIo): Promise<number> {
  let args: { now?: Date; help: boolean };
  try {
    args = parseSweepArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  let database: Awaited<ReturnType<SweepCommandIo["open"]>>;
  try {
    database = await io.open();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`configuration error: ${error.message}`);
      return 2;
    }
    io.err(`sweep could not open the database: ${(error as Error).message}`);
    return 1;
  }
  try {
    const report = await new SweepService(database.dataSource, database.config).run(args.now);
    for (const line of formatReport(report, args.now ? "--now" : "database clock")) io.out(line);
    return 0;
  } catch (error) {
    io.err(`the sweep failed and changed nothing: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  sweepCommand(process.argv.slice(2), {
    async open() {
      const config = loadConfig();
      const dataSource = await openDatabase(config);
      return { dataSource, config, close: () => dataSource.destroy() };
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`sweep could not run: ${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

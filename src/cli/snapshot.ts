import "reflect-metadata";
import type { DataSource } from "typeorm";
import { ConfigError, loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { ComplianceSnapshotService, SnapshotRefused, SnapshotTaken } from "../modules/compliance/compliance-snapshots";
import { parseInstant } from "../shared/dates";
import { parseArgs } from "./args";

const USAGE = `usage: npm run snapshot -- [--now <ISO time>]
Takes the compliance snapshot of the day (its China Standard Time date) from the compliance figures as
they stand, replacing that day's earlier snapshot, and prints what it recorded. The server takes it on its
sweep schedule as well; complianceHistory and complianceReport(asOf) read the snapshots.
--now dates it as of that time, e.g. 2030-01-01T08:00:00+08:00 (drills, replays and tests; never a day
that has not begun); the default is the database clock.
On the embedded database, stop the server first: a PGlite data directory belongs to one process.`;

class UsageError extends Error {}

export function parseSnapshotArgs(argv: string[]): { now?: Date; help: boolean } {
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
  if (!now) throw new UsageError(`--now must be an ISO-8601 time with its zone, such as 2030-01-01T08:00:00+08:00; got "${args.now}"`);
  return { now, help: false };
}

/** What the snapshot recorded, in three lines. */
export function formatSnapshot(taken: SnapshotTaken, clock: "--now" | "database clock"): string[] {
  const rate = taken.inService > 0 ? `${((100 * taken.verified) / taken.inService).toFixed(2)}%` : "no numbers in service";
  return [
    `compliance snapshot of ${taken.day} (China Standard Time) as of ${taken.at.toISOString()} (${clock})`,
    `  ${taken.groups} groups (carrier, province, reseller); ${taken.inService} numbers in service, ${taken.verified} verified (${rate})`,
    `  this day's earlier snapshot, if any, is replaced; snapshots are kept for three years`,
  ];
}

export interface SnapshotCommandIo {
  /** Opens the database the command writes to; close() is called when it is done. */
  open(): Promise<{ dataSource: DataSource; close(): Promise<void> }>;
  out(line: string): void;
  err(line: string): void;
}

/**
 * `npm run snapshot`: the exit code is 0 when the snapshot was taken, 1 when it failed (and changed
 * nothing), 2 for a bad argument, a day that has not begun, or a bad configuration.
 */
export async function snapshotCommand(argv: string[], io: SnapshotCommandIo): Promise<number> {
  let args: { now?: Date; help: boolean };
  try {
    args = parseSnapshotArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  let database: Awaited<ReturnType<SnapshotCommandIo["open"]>>;
  try {
    database = await io.open();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`configuration error: ${error.message}`);
      return 2;
    }
    io.err(`snapshot could not open the database: ${(error as Error).message}`);
    return 1;
  }
  try {
    const taken = await new ComplianceSnapshotService(database.dataSource).take(args.now);
    for (const line of formatSnapshot(taken, args.now ? "--now" : "database clock")) io.out(line);
    return 0;
  } catch (error) {
    if (error instanceof SnapshotRefused) {
      io.err(`--now: ${error.message}`);
      return 2;
    }
    io.err(`the snapshot failed and changed nothing: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  snapshotCommand(process.argv.slice(2), {
    async open() {
      const dataSource = await openDatabase(loadConfig());
      return { dataSource, close: () => dataSource.destroy() };
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`snapshot could not run: ${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

import "reflect-metadata";
import type { DataSource } from "typeorm";
import { loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { ComplianceSnapshotService, SnapshotRefused, SnapshotTaken } from "../modules/compliance/compliance-snapshots";
import { AsOfCommand, AsOfCommandIo, runAsOfCommand, runAsOfCommandAsMain } from "./as-of-command";

const USAGE = `usage: npm run snapshot -- [--now <ISO time>]
Takes the compliance snapshot of the day (its China Standard Time date) from the compliance figures as
they stand, replacing that day's earlier snapshot, and prints what it recorded. The server takes it on its
sweep schedule as well; complianceHistory and complianceReport(asOf) read the snapshots.
--now dates it as of that time, e.g. 2030-01-01T08:00:00+08:00 (drills, replays and tests; never a day
that has not begun); the default is the database clock.
On the embedded database, stop the server first: a PGlite data directory belongs to one process.`;

/** What the snapshot recorded, in three lines. */
export function formatSnapshot(taken: SnapshotTaken, clock: "--now" | "database clock"): string[] {
  const rate = taken.inService > 0 ? `${((100 * taken.verified) / taken.inService).toFixed(2)}%` : "no numbers in service";
  return [
    `compliance snapshot of ${taken.day} (China Standard Time) as of ${taken.at.toISOString()} (${clock})`,
    `  ${taken.groups} groups (carrier, province, reseller); ${taken.inService} numbers in service, ${taken.verified} verified (${rate})`,
    `  this day's earlier snapshot, if any, is replaced; snapshots are kept for three years`,
  ];
}

export type SnapshotCommandIo = AsOfCommandIo<{ dataSource: DataSource; close(): Promise<void> }>;

const SNAPSHOT: AsOfCommand<Awaited<ReturnType<SnapshotCommandIo["open"]>>> = {
  name: "snapshot",
  usage: USAGE,
  example: "2030-01-01T08:00:00+08:00",
  failure: "changed nothing",
  async run(database, now) {
    const taken = await new ComplianceSnapshotService(database.dataSource).take(now);
    return formatSnapshot(taken, now ? "--now" : "database clock");
  },
  refusal: (error) => (error instanceof SnapshotRefused ? error.message : null),
};

/**
 * `npm run snapshot`: the exit code is 0 when the snapshot was taken, 1 when it failed (and changed
 * nothing), 2 for a bad argument, a day that has not begun, or a bad configuration.
 */
export function snapshotCommand(argv: string[], io: SnapshotCommandIo): Promise<number> {
  return runAsOfCommand(SNAPSHOT, argv, io);
}

if (require.main === module) {
  runAsOfCommandAsMain(SNAPSHOT, async () => {
    const dataSource = await openDatabase(loadConfig());
    return { dataSource, close: () => dataSource.destroy() };
  });
}

import "reflect-metadata";
import { loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { AuditService } from "../modules/audit";

/**
 * Checks the audit chain from the first event: sequence without gaps, each
 * event linked to the one before, each hash matching its content. Exit 0 when
 * the chain holds, 1 naming the first broken event.
 * On the embedded database, stop the server first: PGlite is one process's.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const dataSource = await openDatabase(config);
  try {
    const result = await new AuditService(dataSource).verify();
    if (result.ok) {
      process.stdout.write(`audit chain OK: ${result.events} events verified; head hash ${result.headHash}\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain BROKEN at event ${result.broken!.seq}: ${result.broken!.reason}\n` +
        `(${result.events} events before it verified)\n`,
    );
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`audit:verify could not run: ${error.message}\n`);
    process.exit(2);
  },
);

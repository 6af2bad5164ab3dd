import "reflect-metadata";
import type { DataSource } from "typeorm";
import { loadConfig } from "../config";
import { openDatabase } from "../db/data-source";
import { AuditService } from "../modules/audit";

/**
 * Checks the audit chain from the first event: sequence without gaps, each
 * event linked to the one before, each hash matching its content. Returns the
 * exit code: 0 when the chain holds, 1 naming the first broken event.
 */
export async function verifyAuditChain(dataSource: DataSource, write: (line: string) => void): Promise<number> {
  const result = await new AuditService(dataSource).verify();
  if (result.ok) {
    write(`audit chain OK: ${result.events} events verified; head hash ${result.headHash}`);
    return 0;
  }
  write(`audit chain BROKEN at event ${result.broken!.seq}: ${result.broken!.reason}`);
  write(`(${result.events} events before it verified; head of the verified part ${result.headHash})`);
  return 1;
}

// On the embedded database, stop the server first: a PGlite data directory belongs to one process.
async function main(): Promise<number> {
  const dataSource = await openDatabase(loadConfig());
  try {
    return await verifyAuditChain(dataSource, (line) => process.stdout.write(`${line}\n`));
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`audit:verify could not run: ${error.message}\n`);
      process.exit(2);
    },
  );
}

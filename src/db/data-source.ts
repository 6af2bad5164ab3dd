import "reflect-metadata";
import { DataSource, DataSourceOptions } from "typeorm";
import type { Config } from "../config";
import { ENTITIES } from "./entities";
import { MIGRATIONS } from "./migrations";
import { pgliteDriver } from "./pglite-pool";
import { isEmbedded } from "./pool-query";

export type DatabaseTarget = Pick<Config, "databaseUrl" | "dataDir" | "dbPoolSize">;

/** PostgreSQL over `pg` when a URL is given, otherwise the embedded PGlite (in dataDir, or in memory). */
export function createDataSource(target: DatabaseTarget): DataSource {
  const common = {
    type: "postgres",
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "schema_migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    logging: false,
    installExtensions: false,
    uuidExtension: "pgcrypto",
  } as const;
  const options: DataSourceOptions = target.databaseUrl
    ? { ...common, url: target.databaseUrl, poolSize: target.dbPoolSize, applicationName: "number-registry" }
    : { ...common, driver: pgliteDriver(target.dataDir ? { dataDir: target.dataDir } : {}) };
  return new DataSource(options);
}

export { isEmbedded };

// Several server instances may start at once on one PostgreSQL: one migrates, the others wait.
const MIGRATION_LOCK = 4_155_444_955;

/** Connects and brings the schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<DataSource> {
  const dataSource = createDataSource(target);
  await dataSource.initialize();
  if (isEmbedded(dataSource)) {
    // One process owns an embedded database, and its one session cannot be held while migrating.
    await dataSource.runMigrations({ transaction: "each" });
    return dataSource;
  }
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: "each" });
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}

import "reflect-metadata";
import { DataSource, DataSourceOptions } from "typeorm";
import type { Config } from "../config";
import { ENTITIES } from "./entities";
import { MIGRATIONS } from "./migrations";
import { pgliteDriver } from "./pglite-pool";

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

export function isEmbedded(dataSource: DataSource): boolean {
  return !(dataSource.options as { url?: string }).url;
}

/** Connects and brings the schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<DataSource> {
  const dataSource = createDataSource(target);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "each" });
  return dataSource;
}

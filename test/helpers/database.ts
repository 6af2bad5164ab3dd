import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DatabaseTarget } from "../../src/db/data-source";

export interface TestDatabase {
  target: DatabaseTarget;
  /** Removes the database (PostgreSQL); PGlite in memory goes with the process. */
  drop(): Promise<void>;
}

/**
 * A clean database for one test file: a new database on the server named by
 * TEST_DATABASE_URL, or an in-memory PGlite when it is unset.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { target: { databaseUrl: null, dataDir: null, dbPoolSize: 1 }, drop: async () => undefined };
  const name = `registry_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    target: { databaseUrl: url.toString(), dataDir: null, dbPoolSize: 5 },
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

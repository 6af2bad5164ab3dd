import type { Pool, QueryResultRow } from "pg";
import type { DataSource } from "typeorm";

/** Whether the data source is the embedded PGlite rather than a PostgreSQL server. */
export function isEmbedded(dataSource: DataSource): boolean {
  return !(dataSource.options as { url?: string }).url;
}

/**
 * A read the hot paths run thousands of times a second (the public look-up, caller
 * checks), as a named prepared statement on PostgreSQL: each pooled session parses
 * and plans it once, not on every call (the look-up's planning cost four times its
 * execution). The embedded database, one session in this process, runs it as it is.
 * `name` must be unique to `text` for the life of the process.
 */
export async function queryPrepared<T>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  if (isEmbedded(dataSource)) return dataSource.query(text, values);
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query<T & QueryResultRow>({ name, text, values });
  return result.rows;
}

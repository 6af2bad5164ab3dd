import type { Pool, QueryResultRow } from "pg";
import type { DataSource } from "typeorm";

/** Whether the data source is the embedded PGlite rather than a PostgreSQL server. */
export function isEmbedded(dataSource: DataSource): boolean {
  return !(dataSource.options as { url?: string }).url;
}

/**
 * A read on a hot path (the public look-up, caller checks), sent straight to the
 * driver's pool rather than through a TypeORM query runner. With a `name`, it is a
 * named prepared statement on PostgreSQL: each pooled session parses and plans it
 * once, which pays when planning costs more than running (the look-up's four-table
 * join planned in four times its execution). Without one, PostgreSQL plans each call
 * for its own parameters, which pays when a generic plan runs worse (a batch of
 * caller checks ran 25–45% longer on its generic plan). The embedded database, one
 * session in this process, runs the statement as it is. A name must be unique to its
 * text for the life of the process.
 */
export async function poolQuery<T>(dataSource: DataSource, query: { text: string; values: unknown[]; name?: string }): Promise<T[]> {
  if (isEmbedded(dataSource)) return dataSource.query(query.text, query.values);
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query<T & QueryResultRow>(query);
  return result.rows;
}

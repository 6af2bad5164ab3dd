import { PostgresQueryRunner } from "typeorm/driver/postgres/PostgresQueryRunner";

/**
 * What the server does on its own beside a request: the webhook worker's once-a-second look for endpoints,
 * the API clients' last-use flush. A count of a request's statements leaves these out.
 */
const BACKGROUND = /webhook|UPDATE api_clients c SET last_used_at/i;

/** Runs the work and counts the SQL statements it made the database run (background work aside). */
export async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const spy = jest.spyOn(PostgresQueryRunner.prototype, "query");
  try {
    const result = await work();
    return { result, statements: spy.mock.calls.filter(([sql]) => !BACKGROUND.test(String(sql))).length };
  } finally {
    spy.mockRestore();
  }
}

import { EventEmitter } from "node:events";
import type { PGliteOptions } from "@electric-sql/pglite";
import { PGliteDriver, getPGliteInstance } from "typeorm-pglite";
import { PGlitePool } from "typeorm-pglite/dist/pglite-pool";

type Callback = (error: unknown, result?: unknown) => void;

/**
 * PGlite is one PostgreSQL session. typeorm-pglite hands that session to every
 * query runner at once, so two concurrent transactions would interleave their
 * statements inside one BEGIN. This pool makes the session exclusive: a query
 * runner holds it from connect() until release(), like a pool of size one.
 */
class ExclusivePglitePool extends PGlitePool {
  private tail: Promise<void> = Promise.resolve();

  // TypeORM calls connect(callback) and later release(); the session is ours in between.
  // @ts-expect-error: the base class declares connect as returning a promise of void too, with another callback type
  override async connect(callback: (error: unknown, client: unknown, release: () => void) => void): Promise<void> {
    let unlock!: () => void;
    const turn = new Promise<void>((resolve) => (unlock = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    await previous;
    try {
      await getPGliteInstance();
    } catch (error) {
      unlock();
      callback(error, null, () => undefined);
      return;
    }
    let released = false;
    const client = new SessionClient(this);
    callback(null, client, () => {
      if (!released) {
        released = true;
        unlock();
      }
    });
  }

  /** A query with node-postgres's result shape (rowCount, command), which TypeORM reads. */
  async run(sql: string, parameters?: unknown[]): Promise<unknown> {
    const db = await getPGliteInstance();
    const hasParameters = Array.isArray(parameters) && parameters.length > 0;
    const result = hasParameters
      ? await db.query(sql, parameters)
      : ((await db.exec(sql)).at(-1) ?? { rows: [], fields: [] });
    const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
    return { ...result, rowCount: result.affectedRows ?? result.rows.length, command };
  }
}

class SessionClient extends EventEmitter {
  constructor(private readonly pool: ExclusivePglitePool) {
    super();
  }

  query(sql: string, parameters?: unknown[] | Callback, callback?: Callback): Promise<unknown> {
    const cb = typeof parameters === "function" ? parameters : callback;
    const params = typeof parameters === "function" ? undefined : parameters;
    const promise = this.pool.run(sql, params);
    if (cb) promise.then((r) => cb(null, r), (e) => cb(e));
    return promise;
  }
}

/** The object TypeORM's postgres driver uses in place of the `pg` module. */
export function pgliteDriver(options: PGliteOptions): unknown {
  new PGliteDriver(options); // registers the options (and the boolean serializer) for the one instance
  return { Pool: ExclusivePglitePool };
}

export { getPGliteInstance };

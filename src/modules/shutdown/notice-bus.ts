import { EventEmitter } from "node:events";
import { Client } from "pg";
import type { DataSource, EntityManager } from "typeorm";
import type { Logger } from "pino";
import { SqlParams } from "../../shared/policy";

const CHANNEL = "registry_shutdown_orders";

/**
 * How a committed shutdown order reaches every server instance at once.
 * On PostgreSQL it is NOTIFY, sent inside the order's transaction (so it goes
 * out when, and only if, the order commits) and heard by every instance on a
 * LISTEN connection of its own. The embedded database belongs to one process,
 * so there it is an in-process event after the commit, shared by every server
 * on that database. Carriers that were not connected replay orders from the
 * change feed, which names the order behind each FORCE_STOPPED change.
 */
export interface NoticeBus {
  /** Inside the order's transaction. */
  announce(tx: EntityManager, orderId: string): Promise<void>;
  /** After the order's transaction committed. */
  committed(orderId: string): void;
  /** Calls `handler` with each committed order's id; returns the way to stop. */
  listen(handler: (orderId: string) => void): () => void;
  /** Resolves once this instance hears orders (its LISTEN connection is open). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createNoticeBus(dataSource: DataSource, log: Logger): NoticeBus {
  const url = (dataSource.options as { url?: string }).url;
  return url ? new PostgresNoticeBus(url, log) : embeddedBus(dataSource);
}

const embeddedBuses = new WeakMap<DataSource, NoticeBus>();

function embeddedBus(dataSource: DataSource): NoticeBus {
  let bus = embeddedBuses.get(dataSource);
  if (!bus) {
    const events = new EventEmitter().setMaxListeners(0);
    bus = {
      announce: async () => undefined,
      committed: (orderId) => void events.emit(CHANNEL, orderId),
      listen(handler) {
        events.on(CHANNEL, handler);
        return () => void events.off(CHANNEL, handler);
      },
      ready: async () => undefined,
      close: async () => undefined,
    };
    embeddedBuses.set(dataSource, bus);
  }
  return bus;
}

class PostgresNoticeBus implements NoticeBus {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly url: string, private readonly log: Logger) {}

  async announce(tx: EntityManager, orderId: string): Promise<void> {
    const p = new SqlParams();
    await tx.query(`SELECT pg_notify(${p.add(CHANNEL)}, ${p.add(orderId)})`, p.values);
  }

  committed(): void {
    // NOTIFY delivers on commit, to this instance's listener as to every other.
  }

  listen(handler: (orderId: string) => void): () => void {
    this.events.on(CHANNEL, handler);
    void this.connect();
    return () => void this.events.off(CHANNEL, handler);
  }

  ready(): Promise<void> {
    return this.connect();
  }

  /** Opens the LISTEN connection; ready before the first order it should hear is issued. */
  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.url, application_name: "registry-notices" });
      client.on("notification", (message) => {
        if (message.channel === CHANNEL && message.payload) this.events.emit(CHANNEL, message.payload);
      });
      client.on("error", (error) => {
        this.log.warn({ err: error }, "shutdown notice connection lost; reconnecting (carriers replay from the change feed)");
        this.client = null;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        if (this.closed) await client.end();
        else this.client = client;
      } catch (error) {
        this.log.warn({ err: error }, "could not open the shutdown notice connection; retrying");
        await client.end().catch(() => undefined);
        this.scheduleReconnect();
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, 1000);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting;
    await this.client?.end().catch(() => undefined);
    this.client = null;
    this.events.removeAllListeners();
  }
}

import { EventEmitter } from "node:events";
import { Client } from "pg";
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import { SqlParams } from "../../shared/policy";

/** Sent at commit by the triggers on number_changes and registry_events (migration Webhooks), and by this module's mutations. */
export const WAKE_CHANNEL = "registry_webhooks";

/**
 * What wakes the delivery worker after a commit that may have given it work. On PostgreSQL, NOTIFY
 * registry_webhooks (sent inside the transaction, so it goes out when, and only if, it commits), heard on a
 * LISTEN connection of each instance's own. The embedded database belongs to one process: there a mutation
 * of this module says so after its commit, in process, to every server on that database; changes of numbers
 * are found by the worker's poll.
 */
export interface WakeSignal {
  /** Inside the transaction. */
  announce(tx: EntityManager): Promise<void>;
  /** After the transaction committed. */
  committed(): void;
  /** Calls `handler` on each wake-up; returns the way to stop. */
  listen(handler: () => void): () => void;
  close(): Promise<void>;
}

export function createWakeSignal(dataSource: DataSource, log: Logger): WakeSignal {
  const url = (dataSource.options as { url?: string }).url;
  return url ? new PostgresWakeSignal(url, log) : embeddedSignal(dataSource);
}

const embeddedSignals = new WeakMap<DataSource, WakeSignal>();

function embeddedSignal(dataSource: DataSource): WakeSignal {
  let signal = embeddedSignals.get(dataSource);
  if (!signal) {
    const events = new EventEmitter().setMaxListeners(0);
    signal = {
      announce: async () => undefined,
      committed: () => void events.emit(WAKE_CHANNEL),
      listen(handler) {
        events.on(WAKE_CHANNEL, handler);
        return () => void events.off(WAKE_CHANNEL, handler);
      },
      close: async () => undefined,
    };
    embeddedSignals.set(dataSource, signal);
  }
  return signal;
}

class PostgresWakeSignal implements WakeSignal {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly url: string, private readonly log: Logger) {}

  async announce(tx: EntityManager): Promise<void> {
    const p = new SqlParams();
    await tx.query(`SELECT pg_notify(${p.add(WAKE_CHANNEL)}, '')`, p.values);
  }

  committed(): void {
    // NOTIFY is delivered on commit, to this instance's listener as to every other.
  }

  listen(handler: () => void): () => void {
    this.events.on(WAKE_CHANNEL, handler);
    void this.connect();
    return () => void this.events.off(WAKE_CHANNEL, handler);
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.url, application_name: "registry-webhooks" });
      client.on("notification", (message) => {
        if (message.channel === WAKE_CHANNEL) this.events.emit(WAKE_CHANNEL);
      });
      client.on("error", (error) => {
        this.log.warn({ err: error }, "webhook wake-up connection lost; reconnecting (the worker polls meanwhile)");
        this.client = null;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${WAKE_CHANNEL}`);
        if (this.closed) await client.end();
        else this.client = client;
      } catch (error) {
        this.log.warn({ err: error }, "could not open the webhook wake-up connection; retrying (the worker polls meanwhile)");
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

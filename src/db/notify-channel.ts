import { EventEmitter } from "node:events";
import { Client } from "pg";
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import { SqlParams } from "../shared/policy";

/**
 * A message that reaches every server instance when, and only when, a transaction commits. On PostgreSQL
 * it is NOTIFY, sent inside the transaction and heard by each instance on a LISTEN connection of its own,
 * opened again a second after it is lost. The embedded database belongs to one process, so there it is an
 * in-process event the caller sends after the commit, shared by every server on that database.
 */
export interface NotifyChannel {
  /** Inside the transaction. */
  announce(tx: EntityManager, payload: string): Promise<void>;
  /** After the transaction committed. */
  committed(payload: string): void;
  /** Calls `handler` with each committed message; returns the way to stop. */
  listen(handler: (payload: string) => void): () => void;
  /** Resolves once this instance hears messages (its LISTEN connection is open). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface ChannelOptions {
  /** The NOTIFY channel: a plain identifier. */
  name: string;
  /** application_name of the LISTEN connection, as pg_stat_activity shows it. */
  application: string;
  /** What a lost or unopened connection means for the messages meanwhile, for the warning logged. */
  meanwhile: string;
}

const embedded = new WeakMap<DataSource, Map<string, NotifyChannel>>();

export function createNotifyChannel(dataSource: DataSource, log: Logger, options: ChannelOptions): NotifyChannel {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.name)) throw new Error(`"${options.name}" is not a channel name`);
  const url = (dataSource.options as { url?: string }).url;
  if (url) return new PostgresChannel(url, log, options);
  let channels = embedded.get(dataSource);
  if (!channels) embedded.set(dataSource, (channels = new Map()));
  let channel = channels.get(options.name);
  if (!channel) {
    const events = new EventEmitter().setMaxListeners(0);
    channel = {
      announce: async () => undefined,
      committed: (payload) => void events.emit(options.name, payload),
      listen(handler) {
        events.on(options.name, handler);
        return () => void events.off(options.name, handler);
      },
      ready: async () => undefined,
      close: async () => undefined,
    };
    channels.set(options.name, channel);
  }
  return channel;
}

class PostgresChannel implements NotifyChannel {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly options: ChannelOptions,
  ) {}

  async announce(tx: EntityManager, payload: string): Promise<void> {
    const p = new SqlParams();
    await tx.query(`SELECT pg_notify(${p.add(this.options.name)}, ${p.add(payload)})`, p.values);
  }

  committed(): void {
    // NOTIFY is delivered on commit, to this instance's listener as to every other.
  }

  listen(handler: (payload: string) => void): () => void {
    this.events.on(this.options.name, handler);
    void this.connect();
    return () => void this.events.off(this.options.name, handler);
  }

  ready(): Promise<void> {
    return this.connect();
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    const { name, application, meanwhile } = this.options;
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.url, application_name: application });
      client.on("notification", (message) => {
        if (message.channel === name) this.events.emit(name, message.payload ?? "");
      });
      client.on("error", (error) => {
        this.log.warn({ err: error, channel: name }, `${application} connection lost; reconnecting (${meanwhile})`);
        this.client = null;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${name}`);
        if (this.closed) await client.end();
        else this.client = client;
      } catch (error) {
        this.log.warn({ err: error, channel: name }, `could not open the ${application} connection; retrying (${meanwhile})`);
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

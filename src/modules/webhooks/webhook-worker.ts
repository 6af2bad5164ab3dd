import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { WebhookSettings } from "../../config";
import type { OrganizationKind } from "../../shared/auth/roles";
import type { ViewerOrganization } from "../../shared/auth/viewer";
import { PiiVault } from "../../shared/pii";
import { SqlParams } from "../../shared/policy";
import { planDeliveries, recordOverdueItems } from "./webhook-planner";
import { Attempt, postDelivery } from "./webhook-sender";
import type { WakeSignal } from "./webhook-signal";

/** How long a lease lasts unless renewed; the holder renews it on every round and every third of this. */
const LEASE_SECONDS = 15;
/** Endpoints sent to at once (each endpoint one delivery at a time, in its sequence). */
const CONCURRENT_SENDS = 8;
/** The longest wait between two attempts of one delivery. */
const MAX_BACKOFF_MS = 3_600_000;

/**
 * The delay before attempt `attempts + 1`, after `attempts` failed ones: the base doubling with each
 * failure, at most an hour, each a random 50-100% of that so endpoints that failed together do not all
 * come back at once.
 */
export function backoffMs(attempts: number, baseMs: number, random = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/** A length of time in words, for the reason an endpoint was disabled. */
export function durationInWords(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

interface Head {
  id: string;
  webhookId: string;
  due: boolean;
  waitMs: number;
}

interface Claimed {
  attempts: number;
  replay: boolean;
  event: string;
  body: string;
  url: string;
  secretSealed: string;
}

export interface WorkerDeps {
  dataSource: DataSource;
  settings: WebhookSettings;
  piiKey: Buffer;
  signal: WakeSignal;
  log: Logger;
  /** The organisation an endpoint receives as (the organisations service's forToken). */
  organizationOf(code: string, kind: OrganizationKind): Promise<ViewerOrganization | null>;
  /** Subscribes to committed shutdown orders (the shutdown module's notice bus), so their notices leave at once. */
  onShutdownOrder(handler: () => void): () => void;
}

/**
 * Delivers webhooks: one instance at a time across the servers on a database, the holder of the lease row
 * (webhook_worker_lease: taken when free or lapsed, renewed while held, released on stop; every claim of a
 * delivery checks it). A round plans deliveries from the sources (webhook-planner.ts), then sends each
 * endpoint's earliest pending delivery when it is due; a later delivery of an endpoint is never sent while
 * an earlier one is pending. Sending happens outside any transaction; each attempt's outcome is written in
 * a short transaction of its own. Rounds run when something commits (NOTIFY on PostgreSQL, the shutdown
 * notice bus, this module's mutations), when an attempt finishes or a retry falls due, and on a poll.
 */
export class WebhookWorker {
  private readonly id = randomUUID();
  private readonly vault: PiiVault;
  private leader = false;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly aborts = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => void)[] = [];
  private lastOverdueCheck = 0;

  constructor(private readonly deps: WorkerDeps) {
    this.vault = new PiiVault(deps.piiKey);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { settings, signal } = this.deps;
    const poll = setInterval(() => this.kick(), settings.pollMilliseconds);
    poll.unref();
    const renew = setInterval(() => void this.renewLease(), (LEASE_SECONDS * 1000) / 3);
    renew.unref();
    this.timers = [poll, renew];
    this.unlisten = [signal.listen(() => this.kick()), this.deps.onShutdownOrder(() => this.kick())];
    this.kick();
  }

  /** Stops: no new rounds or attempts, attempts in flight abandoned (their delivery is retried), the lease released. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const off of this.unlisten) off();
    this.aborts.abort();
    await this.running;
    await Promise.all(this.inFlight.values());
    await this.releaseLease().catch(() => undefined);
    await this.deps.signal.close();
  }

  /** Asks for a round soon; rounds never overlap (one asked for during a round runs after it). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error) => this.deps.log.error({ err: error }, "webhook round failed; the next one tries again"))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async round(): Promise<void> {
    const { dataSource } = this.deps;
    const [{ active, overdue }]: { active: boolean; overdue: boolean }[] = await dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM webhooks WHERE status = 'ACTIVE') AS active,
              EXISTS (SELECT 1 FROM webhooks WHERE status = 'ACTIVE' AND 'SHUTDOWN_ITEM_OVERDUE' = ANY(events)) AS overdue`,
    );
    // With no endpoint there is nothing to do, and nothing is written (not even the lease).
    if (!active) return this.releaseLease();
    if (!(await this.holdLease())) return;
    const now = Date.now();
    if (overdue && now - this.lastOverdueCheck >= this.deps.settings.pollMilliseconds * 5) {
      this.lastOverdueCheck = now;
      await recordOverdueItems(dataSource);
    }
    await planDeliveries(dataSource, this.deps.organizationOf);
    await this.dispatch();
  }

  private async holdLease(): Promise<boolean> {
    const p = new SqlParams();
    const rows: unknown[] = await this.deps.dataSource.query(
      // Through a CTE: TypeORM answers a bare UPDATE on PostgreSQL with [rows, count].
      `WITH held AS (
         UPDATE webhook_worker_lease SET holder = ${p.add(this.id)}, expires_at = now() + make_interval(secs => ${p.add(LEASE_SECONDS)})
          WHERE name = 'delivery' AND (holder = ${p.add(this.id)} OR holder IS NULL OR expires_at < now())
          RETURNING holder)
       SELECT holder FROM held`,
      p.values,
    );
    const held = rows.length > 0;
    if (held !== this.leader) this.deps.log.info({ worker: this.id, held }, held ? "delivering webhooks on this instance" : "another instance delivers webhooks");
    this.leader = held;
    return held;
  }

  /** Gives the lease up, so another instance may take it at once. */
  private async releaseLease(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    const p = new SqlParams();
    await this.deps.dataSource.query(
      `UPDATE webhook_worker_lease SET holder = NULL, expires_at = '-infinity' WHERE name = 'delivery' AND holder = ${p.add(this.id)}`,
      p.values,
    );
  }

  /** Keeps the lease while attempts are in flight and no round runs. */
  private async renewLease(): Promise<void> {
    if (this.stopped || !this.leader) return;
    try {
      await this.holdLease();
    } catch (error) {
      this.deps.log.warn({ err: error }, "could not renew the webhook lease");
    }
  }

  /** Starts an attempt for every endpoint whose earliest pending delivery is due and not in flight. */
  private async dispatch(): Promise<void> {
    const heads: Head[] = await this.deps.dataSource.query(
      `SELECT DISTINCT ON (d.webhook_id) d.id, d.webhook_id AS "webhookId", d.next_attempt_at <= now() AS due, greatest(0, ceil(extract(epoch FROM d.next_attempt_at - now()) * 1000))::int AS "waitMs"
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'PENDING' AND w.status = 'ACTIVE'
        ORDER BY d.webhook_id, d.sequence`,
    );
    let soonest: number | null = null;
    for (const head of heads) {
      if (this.stopped) return;
      if (this.inFlight.has(head.webhookId)) continue;
      if (!head.due) {
        soonest = soonest === null ? head.waitMs : Math.min(soonest, head.waitMs);
        continue;
      }
      if (this.inFlight.size >= CONCURRENT_SENDS) break;
      const attempt = this.attempt(head).finally(() => {
        this.inFlight.delete(head.webhookId);
        this.kick();
      });
      this.inFlight.set(head.webhookId, attempt);
    }
    // A retry falling due before the next poll gets a round of its own.
    if (soonest !== null && soonest < this.deps.settings.pollMilliseconds && !this.stopped) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.kick();
      }, soonest + 5);
      this.retryTimer.unref();
    }
  }

  private async attempt(head: Head): Promise<void> {
    const claimed = await this.claim(head.id);
    if (!claimed) return;
    const { settings, log } = this.deps;
    let result: Attempt;
    try {
      result = await postDelivery({
        url: claimed.url, event: claimed.event, deliveryId: head.id, body: claimed.body, secret: this.vault.decrypt(claimed.secretSealed),
        timeoutMs: settings.requestTimeoutMilliseconds, allowPrivate: settings.allowPrivateAddresses, signal: this.aborts.signal,
      });
    } catch (error) {
      log.error({ err: error, delivery: head.id }, "a webhook attempt could not be made");
      result = { statusCode: null, error: "the registry could not make the attempt", address: null, startedAt: new Date(), durationMs: 0 };
    }
    try {
      await this.record(head, claimed, result);
    } catch (error) {
      // The claim keeps the delivery PENDING: it is attempted again when its claim lapses.
      log.error({ err: error, delivery: head.id }, "could not record a webhook attempt");
    }
  }

  /**
   * Takes a due delivery for one attempt, while this instance holds the lease: counts the attempt, starts the
   * retry window on the first, and puts the next attempt past this one's timeout, so no other holder of the
   * lease sends it meanwhile. null when it is no longer due, or the lease is another's.
   */
  private async claim(deliveryId: string): Promise<Claimed | null> {
    const { settings } = this.deps;
    const p = new SqlParams();
    const rows: Claimed[] = await this.deps.dataSource.query(
      `WITH due AS (
         SELECT d.id, d.replay_pending, w.url, w.secret_sealed FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.status = 'ACTIVE'
          WHERE d.id = ${p.add(deliveryId)} AND d.status = 'PENDING' AND d.next_attempt_at <= now()
            AND EXISTS (SELECT 1 FROM webhook_worker_lease l WHERE l.name = 'delivery' AND l.holder = ${p.add(this.id)} AND l.expires_at > now())
            FOR UPDATE OF d),
     claimed AS (
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, last_attempt_at = now(),
              next_attempt_at = now() + make_interval(secs => ${p.add((settings.requestTimeoutMilliseconds + 5000) / 1000)}),
              retry_until = coalesce(d.retry_until, now() + make_interval(secs => ${p.add(settings.retryWindowSeconds)})),
              replay_pending = false
         FROM due WHERE d.id = due.id
       RETURNING d.attempts, due.replay_pending AS replay, d.event, d.body, due.url, due.secret_sealed AS "secretSealed")
     SELECT * FROM claimed`,
      p.values,
    );
    return rows[0] ?? null;
  }

  /** The attempt on record; the delivery DELIVERED, retried later, or given up with its endpoint disabled. */
  private async record(head: Head, claimed: Claimed, result: Attempt): Promise<void> {
    const { settings } = this.deps;
    const delay = backoffMs(claimed.attempts, settings.retryBaseMilliseconds);
    const delivered = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    await this.deps.dataSource.transaction(async (tx) => {
      const a = new SqlParams();
      await tx.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, replay, started_at, duration_ms, address, status_code, error)
         VALUES (${a.add(head.id)}, ${a.add(claimed.attempts)}, ${a.add(claimed.replay)}, ${a.add(result.startedAt)}, ${a.add(result.durationMs)},
                 ${a.add(result.address)}, ${a.add(result.statusCode)}, ${a.add(result.error)})
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        a.values,
      );
      if (delivered) {
        const d = new SqlParams();
        await tx.query(
          `WITH done AS (
             -- A replay asked for while this attempt was in flight sends it once more.
             UPDATE webhook_deliveries SET status = CASE WHEN replay_pending THEN 'PENDING' ELSE 'DELIVERED' END, delivered_at = now(),
                    last_status_code = ${d.add(result.statusCode)}, last_error = NULL, next_attempt_at = now()
              WHERE id = ${d.add(head.id)} AND status = 'PENDING' RETURNING webhook_id)
           UPDATE webhooks SET last_delivered_at = now() WHERE id IN (SELECT webhook_id FROM done)`,
          d.values,
        );
        return;
      }
      const f = new SqlParams();
      const [row]: { givenUp: boolean; since: Date }[] = await tx.query(
        `WITH failed AS (
           UPDATE webhook_deliveries
              SET last_status_code = ${f.add(result.statusCode)}, last_error = ${f.add(result.error)},
                  next_attempt_at = least(now() + make_interval(secs => ${f.add(delay / 1000)}), retry_until),
                  status = CASE WHEN now() >= retry_until THEN 'FAILED' ELSE status END
            WHERE id = ${f.add(head.id)} AND status = 'PENDING'
            RETURNING status = 'FAILED' AS "givenUp", retry_until - make_interval(secs => ${f.add(settings.retryWindowSeconds)}) AS since)
         SELECT * FROM failed`,
        f.values,
      );
      if (!row?.givenUp) return;
      const why = result.statusCode !== null ? `the last attempt got HTTP ${result.statusCode}` : `the last attempt failed: ${result.error}`;
      const reason = `not delivered for ${durationInWords(settings.retryWindowSeconds)} (delivery ${head.id}, first tried ${new Date(row.since).toISOString()}); ${why}`;
      await disableEndpoint(tx, head.webhookId, reason.slice(0, 1000));
      this.deps.log.warn({ webhook: head.webhookId, delivery: head.id }, "webhook disabled: its retry window ran out");
    });
  }
}

/** Disables an endpoint with the reason its owner sees; its deliveries still pending are cancelled. */
export async function disableEndpoint(tx: { query(sql: string, params?: unknown[]): Promise<unknown> }, webhookId: string, reason: string): Promise<void> {
  const p = new SqlParams();
  await tx.query(
    `UPDATE webhooks SET status = 'DISABLED', disabled_at = now(), disabled_reason = ${p.add(reason)} WHERE id = ${p.add(webhookId)} AND status = 'ACTIVE'`,
    p.values,
  );
  const c = new SqlParams();
  await tx.query(`UPDATE webhook_deliveries SET status = 'CANCELLED' WHERE webhook_id = ${c.add(webhookId)} AND status = 'PENDING'`, c.values);
}

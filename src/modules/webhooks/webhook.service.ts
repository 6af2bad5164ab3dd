import type { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { badInput, conflict, notFound } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { PiiVault } from "../../shared/pii";
import { SqlParams, integrationsVisible } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { groupByIds } from "../../shared/dates";
import { hostOf, parseEndpointUrl, refusedAddress, resolveHost } from "./webhook-addresses";
import { Webhook, WebhookDelivery, WebhookDeliveryAttempt } from "./webhook.entity";
import { CreateWebhookInput } from "./webhook.inputs";
import type { WakeSignal } from "./webhook-signal";
import { disableEndpoint } from "./webhook-worker";

const WEBHOOK_KIND = "webhook";
const DELIVERY_KIND = "webhook-delivery";
/** Active endpoints one organisation may have. */
export const MAX_ACTIVE_WEBHOOKS = 20;

// Never the secret.
const WEBHOOK_COLUMNS = `w.id, w.seq::text AS seq, w.organization_id AS "organizationId", w.url, w.events, w.status, w.disabled_reason AS "disabledReason",
  w.disabled_at AS "disabledAt", w.created_at AS "createdAt", w.last_delivered_at AS "lastDeliveredAt"`;
const DELIVERY_COLUMNS = `d.id, d.webhook_id AS "webhookId", d.sequence::int AS sequence, d.sequence::text AS seq, d.event, d.cursor::text AS cursor, d.status,
  d.created_at AS "createdAt", CASE WHEN d.status = 'PENDING' THEN d.next_attempt_at END AS "nextAttemptAt", d.delivered_at AS "deliveredAt",
  d.attempts AS "attemptCount", d.last_status_code AS "lastStatusCode", d.last_error AS "lastError"`;

type Queryable = Pick<EntityManager, "query">;

/**
 * An organisation's webhooks: registered, listed, disabled, and their delivery log, each path reaching only
 * what integrationsVisible lets the viewer reach (ADMIN every organisation's, an administrator its own's).
 * Delivering is the worker's (webhook-worker.ts); a mutation here only records and wakes it.
 */
export class WebhookService {
  private readonly vault: PiiVault;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    readonly signal: WakeSignal,
  ) {
    this.vault = new PiiVault(config.piiKey);
  }

  async create(viewer: Viewer, input: CreateWebhookInput, mutation: UnitOfWork): Promise<Webhook> {
    const organization = organizationOf(viewer);
    const parsed = parseEndpointUrl(input.url);
    if (!parsed.ok) throw badInput(parsed.reason, { argument: "input.url" });
    const { url } = parsed;
    // Checked before the transaction: resolving a name takes the time the network takes.
    if (!this.config.webhooks.allowPrivateAddresses) {
      const host = hostOf(url);
      const resolved = await resolveHost(host);
      if ("error" in resolved) throw badInput(`url: ${resolved.error}`, { argument: "input.url" });
      const refused = refusedAddress(resolved.addresses, false);
      if (refused !== null) {
        throw badInput(`url: ${host} is (or resolves to) ${refused}, a private, loopback, link-local, multicast or reserved address: webhooks go to public addresses only`, {
          argument: "input.url",
        });
      }
    }
    const events = [...new Set(input.events)];
    const sealed = this.vault.encrypt(input.secret);
    mutation.target(organization.code);
    const webhook = await mutation.run(async (tx) => {
      const c = new SqlParams();
      const [{ active }]: { active: number }[] = await tx.query(
        `SELECT count(*)::int AS active FROM webhooks WHERE organization_id = ${c.add(organization.id)} AND status = 'ACTIVE'`,
        c.values,
      );
      if (active >= MAX_ACTIVE_WEBHOOKS) {
        throw conflict(`your organisation has ${MAX_ACTIVE_WEBHOOKS} active webhooks already: disable one first`, { reason: "TOO_MANY_WEBHOOKS" });
      }
      // Deliveries start with what commits after this: the sources' heads now are the cursors.
      const p = new SqlParams();
      const [row]: Webhook[] = await tx.query(
        `WITH w AS (
           INSERT INTO webhooks (organization_id, url, events, secret_sealed, created_by, changes_cursor, events_cursor)
           VALUES (${p.add(organization.id)}, ${p.add(url.href)}, ${p.add(events)}::text[], ${p.add(sealed)}, ${p.add(viewer.subject)},
                   (SELECT coalesce(max(seq), 0) FROM number_changes), (SELECT coalesce(max(seq), 0) FROM registry_events))
           RETURNING *)
         SELECT ${WEBHOOK_COLUMNS} FROM w`,
        p.values,
      );
      await this.signal.announce(tx);
      return { result: row, targets: [row.id] };
    });
    this.signal.committed();
    return webhook;
  }

  /** The webhooks the viewer reaches, newest first, disabled ones included. */
  async list(viewer: Viewer, args: PageArgs): Promise<Connection<Webhook>> {
    const page = toPage(args, WEBHOOK_KIND);
    const p = new SqlParams();
    return listBySeq<Webhook>((sql, values) => this.dataSource.query(sql, values), {
      from: "webhooks w", alias: "w", columns: WEBHOOK_COLUMNS, where: [integrationsVisible(viewer, "w", p)], params: p.values, page, kind: WEBHOOK_KIND,
      descending: true,
    });
  }

  async disable(viewer: Viewer, webhookId: string, mutation: UnitOfWork): Promise<Webhook> {
    const organization = organizationOf(viewer);
    if (isUuid(webhookId)) mutation.target(webhookId);
    const webhook = await mutation.run(async (tx) => {
      const current = await this.visibleWebhook(tx, viewer, webhookId, true);
      if (current.status !== "ACTIVE") throw conflict(`webhook ${webhookId} was disabled already: ${current.disabledReason}`, { reason: "WEBHOOK_DISABLED" });
      await disableEndpoint(tx, webhookId, `disabled by ${viewer.subject} of ${organization.code}`);
      return { result: await this.visibleWebhook(tx, viewer, webhookId), targets: [webhookId] };
    });
    return webhook;
  }

  /** One endpoint's deliveries, newest first; NOT_FOUND for an endpoint the viewer does not reach. */
  async deliveries(viewer: Viewer, webhookId: string, args: PageArgs): Promise<Connection<WebhookDelivery>> {
    const page = toPage(args, DELIVERY_KIND);
    await this.visibleWebhook(this.dataSource, viewer, webhookId);
    const p = new SqlParams();
    const where = [`d.webhook_id = ${p.add(webhookId)}`, `EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND ${integrationsVisible(viewer, "w", p)})`];
    // Paged by the endpoint's own sequence, as listBySeq pages a table's seq.
    return listBySeq<WebhookDelivery & { seq: string }>((sql, values) => this.dataSource.query(sql, values), {
      from: "(SELECT x.*, x.sequence AS seq FROM webhook_deliveries x) d", alias: "d", columns: DELIVERY_COLUMNS, where, params: p.values, page,
      kind: DELIVERY_KIND, descending: true,
    });
  }

  /**
   * Sends a delivery again, as it was (same id, sequence, cursor and body, freshly signed), in its place in
   * the endpoint's sequence: before any later one still pending. A pending one is attempted at once.
   */
  async replay(viewer: Viewer, deliveryId: string, mutation: UnitOfWork): Promise<WebhookDelivery> {
    organizationOf(viewer);
    if (isUuid(deliveryId)) mutation.target(deliveryId);
    const delivery = await mutation.run(async (tx) => {
      const p = new SqlParams();
      const [found]: { webhookId: string; webhookStatus: string }[] = isUuid(deliveryId)
        ? await tx.query(
            `SELECT d.webhook_id AS "webhookId", w.status AS "webhookStatus"
               FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
              WHERE d.id = ${p.add(deliveryId)} AND ${integrationsVisible(viewer, "w", p)}
                FOR UPDATE OF d`,
            p.values,
          )
        : [];
      if (!found) throw notFound(`no webhook delivery ${deliveryId}`);
      if (found.webhookStatus !== "ACTIVE") throw conflict("the delivery's webhook is disabled: register a new one", { reason: "WEBHOOK_DISABLED" });
      const u = new SqlParams();
      await tx.query(
        `UPDATE webhook_deliveries
            SET status = 'PENDING', next_attempt_at = now(), replay_pending = true,
                retry_until = CASE WHEN status = 'PENDING' THEN retry_until END
          WHERE id = ${u.add(deliveryId)}`,
        u.values,
      );
      await this.signal.announce(tx);
      const d = new SqlParams();
      const [row]: WebhookDelivery[] = await tx.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = ${d.add(deliveryId)}`, d.values);
      return { result: row, targets: [deliveryId, found.webhookId] };
    });
    this.signal.committed();
    return delivery;
  }

  /** The attempts of these deliveries, oldest first, of the endpoints the viewer reaches. */
  async attemptsOf(viewer: Viewer, deliveryIds: readonly string[]): Promise<WebhookDeliveryAttempt[][]> {
    const p = new SqlParams();
    const rows: WebhookDeliveryAttempt[] = await this.dataSource.query(
      `SELECT a.delivery_id AS "deliveryId", a.attempt, a.replay, a.started_at AS "startedAt", a.duration_ms AS "durationMs", a.address,
              a.status_code AS "statusCode", a.error
         FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhooks w ON w.id = d.webhook_id
        WHERE a.delivery_id = ANY(${p.add(deliveryIds)}::uuid[]) AND ${integrationsVisible(viewer, "w", p)}
        ORDER BY a.delivery_id, a.attempt`,
      p.values,
    );
    return groupByIds(deliveryIds, rows, (r) => r.deliveryId);
  }

  /** A webhook the viewer reaches; NOT_FOUND otherwise (one it does not reach is answered as one that does not exist). */
  private async visibleWebhook(db: Queryable, viewer: Viewer, webhookId: string, lock = false): Promise<Webhook> {
    const p = new SqlParams();
    const [row]: Webhook[] = isUuid(webhookId)
      ? await db.query(
          `SELECT ${WEBHOOK_COLUMNS} FROM webhooks w WHERE w.id = ${p.add(webhookId)} AND ${integrationsVisible(viewer, "w", p)}${lock ? " FOR UPDATE OF w" : ""}`,
          p.values,
        )
      : [];
    if (!row) throw notFound(`no webhook ${webhookId}`);
    return row;
  }
}

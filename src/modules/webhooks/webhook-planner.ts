import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { permissionsOf } from "../../shared/auth/permissions";
import { KIND_OF_ROLE, OrganizationKind, Role } from "../../shared/auth/roles";
import type { Viewer, ViewerOrganization } from "../../shared/auth/viewer";
import {
  SqlParams, numberChangesVisible, shutdownItemDetailVisible, shutdownItemsVisible, shutdownOrdersVisible, trunkLinesVisible,
} from "../../shared/policy";
import { WebhookEvent } from "./webhook.entity";

/*
 * Turns what happened in the registry into an endpoint's deliveries, in order, each with the content its
 * organisation may see (the same visibility policies every other path uses, applied to a viewer built for
 * that organisation). Two ordered, append-only sources are read after cursors kept on the endpoint:
 *   - the change feed (number_changes, commit-ordered by the numbers lock): NUMBER_CHANGED in batches of up
 *     to 500 changes, and SHUTDOWN_ORDER_ISSUED when the last of an order's SHUTDOWN rows is reached;
 *   - the registry event log (registry_events, commit-ordered by its own lock): TRUNK_BLACKLISTED and
 *     SHUTDOWN_ITEM_OVERDUE.
 * A window's deliveries and the endpoint's new cursors are written in one transaction, so each change or
 * event becomes a delivery once, however often or wherever the planning runs. The planner runs only in the
 * delivery worker, outside any mutation.
 */

/** Changes in one NUMBER_CHANGED delivery (a sync of a million numbers is 2,000 deliveries, not a million). */
export const CHANGES_PER_DELIVERY = 500;
const ORDERS_PER_WINDOW = 50;
const EVENTS_PER_WINDOW = 200;
/** Deliveries planned ahead of the one being sent: an endpoint that is down leaves the rest in the sources. */
export const PLANNED_AHEAD = 20;
/** Windows planned for one endpoint in one round, so one busy endpoint does not hold up the others. */
const WINDOWS_PER_ROUND = 10;

const ROLE_OF_KIND = new Map(
  (Object.entries(KIND_OF_ROLE) as [Exclude<Role, Role.PUBLIC>, OrganizationKind][]).map(([role, kind]) => [kind, role]),
);

/** The role that acts for an organisation of this kind (KIND_OF_ROLE read backwards). */
export function roleOfKind(kind: OrganizationKind): Exclude<Role, Role.PUBLIC> {
  return ROLE_OF_KIND.get(kind)!;
}

/** The viewer an organisation's endpoints receive as: its kind's role, without administration. */
export function viewerOf(organization: ViewerOrganization): Viewer {
  const role = roleOfKind(organization.kind);
  return { subject: "webhooks", role, organization, permissions: permissionsOf(role) };
}

interface Draft {
  event: WebhookEvent;
  cursor: string;
  data: unknown;
}

interface Endpoint {
  id: string;
  organizationId: string;
  events: WebhookEvent[];
  changesCursor: string;
  eventsCursor: string;
  lastSequence: string;
  status: string;
}

interface ChangeRow {
  sequence: string;
  number: string;
  status: string;
  previousStatus: string | null;
  cause: string;
  province: string | null;
  at: Date;
  orderId: string | null;
}

interface EventRow {
  seq: string;
  kind: WebhookEvent.TRUNK_BLACKLISTED | WebhookEvent.SHUTDOWN_ITEM_OVERDUE;
  at: Date;
  blacklistSubject: "COMPANY" | "LEGAL_REPRESENTATIVE" | null;
  trunkIds: string[] | null;
  orderId: string | null;
  number: string | null;
  deadline: string | null;
  deadlineAt: Date | null;
}

const big = (text: string) => BigInt(text);
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export interface PlanResult {
  /** Deliveries written. */
  planned: number;
}

/**
 * Plans every active endpoint that is behind either source, a few windows each. `organizationOf` gives the
 * organisation an endpoint receives as (null: it no longer exists as one, and nothing is planned).
 */
export async function planDeliveries(
  dataSource: DataSource,
  organizationOf: (code: string, kind: OrganizationKind) => Promise<ViewerOrganization | null>,
): Promise<PlanResult> {
  const [heads]: { changes: string; events: string }[] = await dataSource.query(
    `SELECT (SELECT coalesce(max(seq), 0) FROM number_changes)::text AS changes, (SELECT coalesce(max(seq), 0) FROM registry_events)::text AS events`,
  );
  const p = new SqlParams();
  const behind: { id: string; code: string; kind: OrganizationKind; pending: number }[] = await dataSource.query(
    `SELECT w.id, o.code, o.kind,
            (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'PENDING')::int AS pending
       FROM webhooks w JOIN organizations o ON o.id = w.organization_id
      WHERE w.status = 'ACTIVE' AND (w.changes_cursor < ${p.add(heads.changes)}::bigint OR w.events_cursor < ${p.add(heads.events)}::bigint)
      ORDER BY w.seq`,
    p.values,
  );
  let planned = 0;
  for (const endpoint of behind) {
    if (endpoint.pending >= PLANNED_AHEAD) continue;
    // Outside the window's transaction: the embedded database has one session, held by a transaction.
    const organization = await organizationOf(endpoint.code, endpoint.kind);
    if (!organization) continue;
    const viewer = viewerOf(organization);
    let pending = endpoint.pending;
    for (let window = 0; window < WINDOWS_PER_ROUND && pending < PLANNED_AHEAD; window++) {
      const result = await dataSource.transaction((tx) => planWindow(tx, endpoint.id, viewer, heads));
      planned += result.planned;
      pending += result.planned;
      if (result.caughtUp) break;
    }
  }
  return { planned };
}

/** One window of one endpoint: its deliveries and its new cursors, in the caller's transaction. */
async function planWindow(tx: EntityManager, webhookId: string, viewer: Viewer, heads: { changes: string; events: string }): Promise<{ planned: number; caughtUp: boolean }> {
  const l = new SqlParams();
  const [endpoint]: Endpoint[] = await tx.query(
    `SELECT id, organization_id AS "organizationId", events, changes_cursor::text AS "changesCursor", events_cursor::text AS "eventsCursor",
            last_sequence::text AS "lastSequence", status
       FROM webhooks WHERE id = ${l.add(webhookId)} FOR UPDATE`,
    l.values,
  );
  if (!endpoint || endpoint.status !== "ACTIVE") return { planned: 0, caughtUp: true };
  const wants = new Set(endpoint.events);
  const drafts: Draft[] = [];

  let changesCursor = endpoint.changesCursor;
  if (big(changesCursor) < big(heads.changes)) {
    const fromFeed = await feedWindow(tx, viewer, wants, changesCursor, heads.changes);
    drafts.push(...fromFeed.drafts);
    changesCursor = fromFeed.until;
  }
  let eventsCursor = endpoint.eventsCursor;
  if (big(eventsCursor) < big(heads.events)) {
    const fromLog = await logWindow(tx, viewer, wants, eventsCursor, heads.events);
    drafts.push(...fromLog.drafts);
    eventsCursor = fromLog.until;
  }

  const first = big(endpoint.lastSequence) + 1n;
  const createdAt = new Date().toISOString();
  const ids = drafts.map(() => randomUUID());
  const sequences = drafts.map((_, i) => String(first + BigInt(i)));
  const bodies = drafts.map((d, i) =>
    JSON.stringify({ id: ids[i], webhookId, event: d.event, sequence: Number(sequences[i]), cursor: d.cursor, createdAt, data: d.data }),
  );
  if (drafts.length > 0) {
    const d = new SqlParams();
    await tx.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, sequence, event, cursor, body)
       SELECT u.id, ${d.add(webhookId)}::uuid, u.sequence, u.event, u.cursor, u.body
         FROM unnest(${d.add(ids)}::uuid[], ${d.add(sequences)}::bigint[], ${d.add(drafts.map((x) => x.event))}::text[],
                     ${d.add(drafts.map((x) => x.cursor))}::bigint[], ${d.add(bodies)}::text[]) AS u(id, sequence, event, cursor, body)`,
      d.values,
    );
  }
  const u = new SqlParams();
  await tx.query(
    `UPDATE webhooks SET changes_cursor = ${u.add(changesCursor)}::bigint, events_cursor = ${u.add(eventsCursor)}::bigint,
            last_sequence = last_sequence + ${u.add(drafts.length)}::bigint
      WHERE id = ${u.add(webhookId)}`,
    u.values,
  );
  return { planned: drafts.length, caughtUp: changesCursor === heads.changes && eventsCursor === heads.events };
}

/**
 * The change feed after `after` up to `head`, as far as one window goes: the endpoint's changes (its
 * organisation's scope) in batches, each shutdown order's notice right after its last change, and the
 * position the window reached.
 */
async function feedWindow(tx: EntityManager, viewer: Viewer, wants: Set<WebhookEvent>, after: string, head: string): Promise<{ drafts: Draft[]; until: string }> {
  let until = head;
  let changes: ChangeRow[] = [];
  if (wants.has(WebhookEvent.NUMBER_CHANGED)) {
    const p = new SqlParams();
    const visible = numberChangesVisible(viewer, "c", p);
    if (visible !== "FALSE") {
      changes = await tx.query(
        `SELECT c.seq::text AS sequence, c.number, c.status, c.previous_status AS "previousStatus", c.cause, c.province, c.at, c.order_id AS "orderId"
           FROM number_changes c
          WHERE c.seq > ${p.add(after)}::bigint AND c.seq <= ${p.add(head)}::bigint AND ${visible}
          ORDER BY c.seq LIMIT ${CHANGES_PER_DELIVERY}`,
        p.values,
      );
      if (changes.length === CHANGES_PER_DELIVERY) until = changes[changes.length - 1].sequence;
    }
  }

  // Orders whose last SHUTDOWN row lies in this window: each is announced once, in the window holding its end.
  let orders: { orderId: string; last: string }[] = [];
  const notices = new Map<string, unknown>();
  if (wants.has(WebhookEvent.SHUTDOWN_ORDER_ISSUED)) {
    const p = new SqlParams();
    orders = await tx.query(
      `SELECT c.order_id AS "orderId", max(c.seq)::text AS last
         FROM number_changes c
        WHERE c.cause = 'SHUTDOWN' AND c.order_id IS NOT NULL AND c.seq > ${p.add(after)}::bigint
        GROUP BY c.order_id HAVING max(c.seq) <= ${p.add(until)}::bigint
        ORDER BY max(c.seq) LIMIT ${ORDERS_PER_WINDOW}`,
      p.values,
    );
    if (orders.length === ORDERS_PER_WINDOW) {
      until = orders[orders.length - 1].last;
      changes = changes.filter((c) => big(c.sequence) <= big(until));
    }
    const q = new SqlParams();
    const ordersVisible = shutdownOrdersVisible(viewer, "o", q);
    if (orders.length > 0 && ordersVisible !== "FALSE") {
      const rows: { orderId: string; caseNumber: string; reason: string; issuedAt: Date; acknowledgementDeadline: Date; executionDeadline: Date; numbers: string[] }[] =
        await tx.query(
          `SELECT o.id AS "orderId", o.case_number AS "caseNumber", o.reason, o.issued_at AS "issuedAt",
                  o.acknowledgement_deadline AS "acknowledgementDeadline", o.execution_deadline AS "executionDeadline",
                  array_agg(i.number ORDER BY i.number) AS numbers
             FROM shutdown_orders o JOIN shutdown_items i ON i.order_id = o.id
            WHERE o.id = ANY(${q.add(orders.map((o) => o.orderId))}::uuid[]) AND ${ordersVisible} AND ${shutdownItemsVisible(viewer, "i", q)}
            GROUP BY o.id`,
          q.values,
        );
      for (const r of rows) {
        notices.set(r.orderId, {
          orderId: r.orderId, caseNumber: r.caseNumber, reason: r.reason, issuedAt: iso(r.issuedAt),
          acknowledgementDeadline: iso(r.acknowledgementDeadline), executionDeadline: iso(r.executionDeadline), numbers: r.numbers,
        });
      }
    }
  }

  const drafts: Draft[] = [];
  let next = 0;
  const flushThrough = (position: bigint | null) => {
    const batch: ChangeRow[] = [];
    while (next < changes.length && (position === null || big(changes[next].sequence) <= position)) batch.push(changes[next++]);
    if (batch.length === 0) return;
    drafts.push({
      event: WebhookEvent.NUMBER_CHANGED,
      cursor: batch[batch.length - 1].sequence,
      data: {
        changes: batch.map((c) => ({
          sequence: c.sequence, number: c.number, status: c.status, previousStatus: c.previousStatus, cause: c.cause, province: c.province,
          at: iso(c.at), orderId: c.orderId,
        })),
      },
    });
  };
  for (const order of orders) {
    flushThrough(big(order.last));
    const notice = notices.get(order.orderId);
    if (notice) drafts.push({ event: WebhookEvent.SHUTDOWN_ORDER_ISSUED, cursor: order.last, data: notice });
  }
  flushThrough(null);
  return { drafts, until };
}

/** The event log after `after` up to `head`, as far as one window goes: the endpoint's events, as its organisation sees them. */
async function logWindow(tx: EntityManager, viewer: Viewer, wants: Set<WebhookEvent>, after: string, head: string): Promise<{ drafts: Draft[]; until: string }> {
  const kinds = [WebhookEvent.TRUNK_BLACKLISTED, WebhookEvent.SHUTDOWN_ITEM_OVERDUE].filter((k) => wants.has(k));
  if (kinds.length === 0) return { drafts: [], until: head };
  const p = new SqlParams();
  const events: EventRow[] = await tx.query(
    `SELECT e.seq::text AS seq, e.kind, e.at, e.trunk_ids AS "trunkIds", e.order_id AS "orderId", e.number, e.deadline, e.deadline_at AS "deadlineAt",
            CASE WHEN b.uscc IS NOT NULL THEN 'COMPANY' WHEN b.legal_rep_id_hash IS NOT NULL THEN 'LEGAL_REPRESENTATIVE' END AS "blacklistSubject"
       FROM registry_events e LEFT JOIN blacklist b ON b.id = e.blacklist_id
      WHERE e.seq > ${p.add(after)}::bigint AND e.seq <= ${p.add(head)}::bigint AND e.kind = ANY(${p.add(kinds)}::text[])
      ORDER BY e.seq LIMIT ${EVENTS_PER_WINDOW}`,
    p.values,
  );
  const until = events.length === EVENTS_PER_WINDOW ? events[events.length - 1].seq : head;

  // The trunks each blacklisting caught, as far as the organisation sees trunk lines.
  const trunks = new Map<string, unknown>();
  const trunkIds = [...new Set(events.flatMap((e) => e.trunkIds ?? []))];
  const t = new SqlParams();
  const trunksVisible = trunkLinesVisible(viewer, "t", t);
  if (trunkIds.length > 0 && trunksVisible !== "FALSE") {
    const rows: { id: string; status: string; purpose: string; province: string | null; carrierCode: string; callCenterCode: string }[] = await tx.query(
      `SELECT t.id, t.status, t.purpose, t.province, ca.code AS "carrierCode", cc.code AS "callCenterCode"
         FROM trunk_lines t JOIN organizations ca ON ca.id = t.carrier_id JOIN organizations cc ON cc.id = t.call_center_id
        WHERE t.id = ANY(${t.add(trunkIds)}::uuid[]) AND ${trunksVisible}`,
      t.values,
    );
    for (const r of rows) trunks.set(r.id, r);
  }

  // The overdue items, as far as the organisation sees shutdown items and their lateness.
  const items = new Map<string, { state: string; carrierCode: string; caseNumber: string }>();
  const overdue = events.filter((e) => e.kind === WebhookEvent.SHUTDOWN_ITEM_OVERDUE);
  const q = new SqlParams();
  const ordersVisible = shutdownOrdersVisible(viewer, "o", q);
  if (overdue.length > 0 && ordersVisible !== "FALSE") {
    const rows: { orderId: string; number: string; state: string; carrierCode: string; caseNumber: string }[] = await tx.query(
      `SELECT i.order_id AS "orderId", i.number, i.state, ca.code AS "carrierCode", o.case_number AS "caseNumber"
         FROM unnest(${q.add(overdue.map((e) => e.orderId))}::uuid[], ${q.add(overdue.map((e) => e.number))}::text[]) AS k(order_id, number)
         JOIN shutdown_items i ON i.order_id = k.order_id AND i.number = k.number
         JOIN shutdown_orders o ON o.id = i.order_id JOIN organizations ca ON ca.id = i.carrier_id
         LEFT JOIN numbers n ON n.number = i.number
        WHERE ${ordersVisible} AND ${shutdownItemsVisible(viewer, "i", q)} AND ${shutdownItemDetailVisible(viewer, "n", q)}`,
      q.values,
    );
    for (const r of rows) items.set(`${r.orderId}/${r.number}`, r);
  }

  const drafts: Draft[] = [];
  let group: { key: string; draft: Draft; items: unknown[] } | null = null;
  for (const e of events) {
    if (e.kind === WebhookEvent.TRUNK_BLACKLISTED) {
      group = null;
      const caught = (e.trunkIds ?? []).map((id) => trunks.get(id)).filter((x) => x !== undefined);
      if (caught.length === 0) continue;
      drafts.push({ event: e.kind, cursor: e.seq, data: { blacklistedAt: iso(e.at), subject: e.blacklistSubject, trunkLines: caught } });
      continue;
    }
    const item = items.get(`${e.orderId}/${e.number}`);
    if (!item) continue;
    // Items of one order that passed one deadline together go in one delivery.
    const key = `${e.orderId}/${e.deadline}`;
    if (group && group.key === key) {
      group.items.push({ number: e.number, carrierCode: item.carrierCode, state: item.state });
      group.draft.cursor = e.seq;
      continue;
    }
    const groupItems = [{ number: e.number, carrierCode: item.carrierCode, state: item.state }];
    const draft: Draft = {
      event: e.kind, cursor: e.seq,
      data: { orderId: e.orderId, caseNumber: item.caseNumber, deadline: e.deadline, deadlineAt: iso(e.deadlineAt), items: groupItems },
    };
    drafts.push(draft);
    group = { key, draft, items: groupItems };
  }
  return { drafts, until };
}

/**
 * Records the items that passed a deadline without its step, once per item and deadline, in the event log:
 * acknowledgement (still NOTIFIED) and execution (not EXECUTED), while the order stands. Run by the delivery
 * worker; returns how many it recorded.
 */
export async function recordOverdueItems(dataSource: DataSource): Promise<number> {
  const rows: unknown[] = await dataSource.query(
    `WITH recorded AS (
       INSERT INTO registry_events (kind, order_id, number, deadline, deadline_at)
       SELECT 'SHUTDOWN_ITEM_OVERDUE', i.order_id, i.number, d.deadline, d.at
         FROM shutdown_items i JOIN shutdown_orders o ON o.id = i.order_id
        CROSS JOIN LATERAL (VALUES ('ACKNOWLEDGEMENT', o.acknowledgement_deadline, i.state = 'NOTIFIED'),
                                   ('EXECUTION', o.execution_deadline, true)) AS d(deadline, at, late)
        WHERE i.state <> 'EXECUTED' AND o.status = 'IN_EFFECT' AND d.late AND d.at < now()
          AND NOT EXISTS (SELECT 1 FROM registry_events e
                           WHERE e.kind = 'SHUTDOWN_ITEM_OVERDUE' AND e.order_id = i.order_id AND e.number = i.number AND e.deadline = d.deadline)
        ORDER BY d.at, o.seq, d.deadline, i.number
       ON CONFLICT (order_id, number, deadline) WHERE kind = 'SHUTDOWN_ITEM_OVERDUE' DO NOTHING
       RETURNING 1)
     SELECT count(*)::int AS n FROM recorded`,
  );
  return (rows[0] as { n: number }).n;
}

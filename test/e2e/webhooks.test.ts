import { ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Role } from "../../src/shared/auth/roles";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { postDelivery } from "../../src/modules/webhooks/webhook-sender";
import { backoffMs } from "../../src/modules/webhooks/webhook-worker";
import { As, TestApp, codes, startTestApp } from "../helpers/app";
import { until } from "../helpers/subscriptions";

// Issue 17: webhooks. Receivers are HTTP servers on 127.0.0.1, so the registry runs with WEBHOOK_ALLOW_PRIVATE_ADDRESSES.

// A retry window of seconds, not 24 hours, so that giving up can be seen (the three failures of the first test take well under one).
const ENV = { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true", WEBHOOK_POLL_MS: "100", WEBHOOK_RETRY_BASE_MS: "50", WEBHOOK_RETRY_WINDOW_SECONDS: "4" };

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT_LN_ADMIN = { ...CT_LN, admin: true } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const CM_ADMIN = { ...CM, admin: true } as const;
const CC_X_ADMIN = { org: "CC-X", role: Role.CALL_CENTER, admin: true } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  id url events status disabledReason createdAt lastDeliveredAt organization { code } } }`;
const LIST = `{ webhooks(first: 100) { totalCount edges { node { id url events status disabledReason lastDeliveredAt organization { code } } } } }`;
const DISABLE = `mutation($id: ID!) { disableWebhook(id: $id) { id status disabledReason disabledAt } }`;
const DELIVERIES = `query($id: ID!, $after: String) { webhookDeliveries(webhookId: $id, first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id event sequence cursor status attemptCount lastStatusCode lastError deliveredAt nextAttemptAt
                 attempts { attempt replay startedAt durationMs address statusCode error } } } } }`;
const REPLAY = `mutation($id: ID!) { replayWebhookDelivery(deliveryId: $id) { id status sequence } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;
const PENALTY = `mutation($input: RecordPenaltyInput!) { recordPenalty(input: $input) { id blacklisted } }`;

const SECRET = "whsec-test-0123456789abcdef0123456789abcdef";
const uscc = (body: string) => body + usccCheckCharacter(body);
const USCC_X = uscc("91210102MA0WHX01X");
const USCC_Y = uscc("91440300MA0WHY02X");

/** What a receiver got: each request as sent, and what it answered. */
interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  status: number;
}

interface Receiver {
  url: string;
  requests: Received[];
  /** The deliveries the receiver accepted (answered 2xx), in the order it accepted them. */
  accepted(): any[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

/** An HTTP receiver on 127.0.0.1 answering each request with `answer(n)` (n counts from 0). */
async function receiver(answer: (n: number) => number = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const status = answer(requests.length);
      requests.push({ headers: req.headers, raw, body: JSON.parse(raw), status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/registry`,
    requests,
    accepted: () => requests.filter((q) => q.status < 300).map((q) => q.body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  receivers.push(r);
  return r;
}

/** Whether a request carries the registry's signature over its timestamp and body, made with `secret`. */
function signedWith(request: Received, secret: string): boolean {
  const timestamp = String(request.headers["x-registry-timestamp"]);
  const expected = `v1=${createHmac("sha256", secret).update(`${timestamp}.${request.raw}`).digest("hex")}`;
  return request.headers["x-registry-signature"] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

let app: TestApp;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}, on: TestApp = app) {
  const body = await on.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

async function webhook(as: As, url: string, events: string[], on: TestApp = app): Promise<string> {
  return (await ok(as, CREATE, { input: { url, events, secret: SECRET } }, on)).createWebhook.id;
}

/** Waits until the worker has planned an endpoint up to both sources' heads and sent everything it planned. */
async function settled(webhookId: string, on: TestApp = app): Promise<void> {
  const check = async () => {
    const [row] = await on.dataSource.query(
      `SELECT w.changes_cursor >= (SELECT coalesce(max(seq), 0) FROM number_changes) AND w.events_cursor >= (SELECT coalesce(max(seq), 0) FROM registry_events)
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'PENDING') AS done
         FROM webhooks w WHERE w.id = $1`,
      [webhookId],
    );
    return row?.done === true;
  };
  const deadline = Date.now() + 10_000;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await check()).toBe(true);
}

/** The change feed's sequences a viewer sees after `after`. */
async function feedAfter(as: As, after: string): Promise<{ sequence: string; number: string }[]> {
  const out: { sequence: string; number: string }[] = [];
  let cursor = after;
  for (;;) {
    const { numberChanges } = await ok(as, `query($a: String) { numberChanges(after: $a, first: 500) { pageInfo { hasNextPage endCursor } edges { node { sequence number } } } }`, { a: cursor });
    out.push(...numberChanges.edges.map((e: any) => e.node));
    if (!numberChanges.pageInfo.hasNextPage) return out;
    cursor = numberChanges.pageInfo.endCursor;
  }
}

const changesCursorOf = async (id: string) => (await app.dataSource.query(`SELECT changes_cursor::text AS c FROM webhooks WHERE id = $1`, [id]))[0].c as string;
const order = (numbers: string[], caseNumber: string) => ({
  input: { numbers, caseNumber, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "webhooks test" },
});

beforeAll(async () => {
  app = await startTestApp({ env: ENV });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "CC-X", name: "Call centre X", kind: "CALL_CENTER", province: "21", uscc: USCC_X },
    { code: "CC-Y", name: "Call centre Y", kind: "CALL_CENTER", province: "44", uscc: USCC_Y },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001000000", rangeEnd: "4001000099" }) { created } }`);
  await ok(CM, `mutation { publishAllocation(input: { rangeStart: "4006000000", rangeEnd: "4006000099", province: "44" }) { created } }`);
});

afterAll(async () => {
  await app.close();
  await Promise.all(receivers.map((r) => r.close()));
});

describe("who manages webhooks", () => {
  it("an organisation's administrators and ADMIN; a token not marked admin, or a call centre's, is FORBIDDEN", async () => {
    const r = await receiver();
    for (const as of [CT_LN, MPS, CC_X_ADMIN, null]) {
      expect(codes(await app.exec(as, CREATE, { input: { url: r.url, events: ["NUMBER_CHANGED"], secret: SECRET } }))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, LIST))).toEqual(["FORBIDDEN"]);
    }
    const id = await webhook(CT_LN_ADMIN, r.url, ["NUMBER_CHANGED"]);
    const { webhooks } = await ok(CT_LN_ADMIN, LIST);
    expect(webhooks.edges.map((e: any) => e.node)).toContainEqual({
      id, url: r.url, events: ["NUMBER_CHANGED"], status: "ACTIVE", disabledReason: null, lastDeliveredAt: null, organization: { code: "CT-LN" },
    });
    expect((await ok(ADMIN, LIST)).webhooks.edges.map((e: any) => e.node.id)).toContain(id);
    // The secret is never returned, and kept only sealed.
    expect(codes(await app.exec(CT_LN_ADMIN, `{ webhooks { edges { node { secret } } } }`))).toEqual(["BAD_USER_INPUT"]);
    const [{ secret_sealed: sealed }] = await app.dataSource.query(`SELECT secret_sealed FROM webhooks WHERE id = $1`, [id]);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(SECRET);
    await ok(CT_LN_ADMIN, DISABLE, { id });
  });

  it("an administrator of another organisation neither sees, reads the log of, disables nor replays a webhook", async () => {
    const r = await receiver();
    const id = await webhook(CT_LN_ADMIN, r.url, ["NUMBER_CHANGED"]);
    await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000090"], resellerCode: "RS-A" }) { updated } }`);
    await until(() => r.accepted().length > 0, 10_000);
    const delivery = r.accepted()[0].id;

    expect((await ok(CM_ADMIN, LIST)).webhooks.edges.map((e: any) => e.node.id)).not.toContain(id);
    expect(codes(await app.exec(CM_ADMIN, DELIVERIES, { id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CM_ADMIN, DISABLE, { id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CM_ADMIN, REPLAY, { id: delivery }))).toEqual(["NOT_FOUND"]);
    // A carrier that is not an administrator: FORBIDDEN before any row is looked at.
    expect(codes(await app.exec(CT_LN, DELIVERIES, { id }))).toEqual(["FORBIDDEN"]);
    // Malformed and unknown ids are not found, as a webhook of another organisation.
    for (const other of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      expect(codes(await app.exec(CT_LN_ADMIN, DISABLE, { id: other }))).toEqual(["NOT_FOUND"]);
      expect(codes(await app.exec(CT_LN_ADMIN, DELIVERIES, { id: other }))).toEqual(["NOT_FOUND"]);
      expect(codes(await app.exec(CT_LN_ADMIN, REPLAY, { id: other }))).toEqual(["NOT_FOUND"]);
    }
    // Its own administrators and ADMIN do.
    expect((await ok(CT_LN_ADMIN, DELIVERIES, { id })).webhookDeliveries.totalCount).toBe(1);
    expect((await ok(ADMIN, DELIVERIES, { id })).webhookDeliveries.totalCount).toBe(1);
    await ok(CT_LN_ADMIN, DISABLE, { id });
  });

  it("bad input is BAD_USER_INPUT naming the problem, and writes nothing but the attempt's audit event", async () => {
    const r = await receiver();
    const [{ n: before }] = await app.dataSource.query(`SELECT count(*)::int AS n FROM webhooks`);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: "ftp://127.0.0.1/x", events: ["NUMBER_CHANGED"], secret: SECRET }, /http or https/],
      [{ url: "not a url", events: ["NUMBER_CHANGED"], secret: SECRET }, /not an absolute URL/],
      [{ url: "http://user:pw@127.0.0.1/", events: ["NUMBER_CHANGED"], secret: SECRET }, /user name or password/],
      [{ url: `http://127.0.0.1/${"a".repeat(2100)}`, events: ["NUMBER_CHANGED"], secret: SECRET }, /at most 2048/],
      [{ url: r.url, events: [], secret: SECRET }, /at least one event/],
      [{ url: r.url, events: ["NUMBER_CHANGED", "NUMBER_CHANGED"], secret: SECRET }, /at most once/],
      [{ url: r.url, events: ["NUMBER_CHANGED"], secret: "short" }, /32-256 characters/],
      [{ url: r.url, events: ["NUMBER_CHANGED"], secret: "s".repeat(257) }, /32-256 characters/],
    ];
    for (const [input, message] of cases) {
      const body = await app.exec(CT_LN_ADMIN, CREATE, { input });
      expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
      expect(body.errors![0].message).toMatch(message);
    }
    const [{ n: after }] = await app.dataSource.query(`SELECT count(*)::int AS n FROM webhooks`);
    expect(after).toBe(before);
  });

  it("private, loopback, link-local and other non-public addresses are refused unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES", async () => {
    const strict = await app.withServer({ ...ENV, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "false" });
    try {
      for (const url of [
        "http://127.0.0.1:8080/", "http://localhost/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://10.1.2.3/",
        "https://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/", "http://2130706433/",
        "http://0x7f.1/", "http://[fe80::1]/", "http://[fc00::1]/", "http://224.0.0.1/", "http://[::]/", "http://[64:ff9b::a00:1]/", "http://100.64.0.1/",
      ]) {
        const body = await strict.exec(CT_LN_ADMIN, CREATE, { input: { url, events: ["NUMBER_CHANGED"], secret: SECRET } });
        expect([url, codes(body)]).toEqual([url, ["BAD_USER_INPUT"]]);
        expect(body.errors![0].message).toMatch(/public addresses only/);
      }
    } finally {
      await strict.close();
    }
  });

  it("the address is checked again when sending: a private address is refused without connecting", async () => {
    const r = await receiver();
    const attempt = await postDelivery({
      url: r.url, event: "NUMBER_CHANGED", deliveryId: "00000000-0000-4000-8000-000000000000", body: "{}", secret: SECRET, timeoutMs: 2000, allowPrivate: false,
    });
    expect(attempt).toMatchObject({ statusCode: null, address: "127.0.0.1" });
    expect(attempt.error).toMatch(/refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, which is not a public address/);
    expect(r.requests).toEqual([]);
    // Redirects are not followed.
    const redirect = http.createServer((_req, res) => res.writeHead(302, { location: "http://169.254.169.254/" }).end());
    await new Promise<void>((resolve) => redirect.listen(0, "127.0.0.1", resolve));
    try {
      const moved = await postDelivery({
        url: `http://127.0.0.1:${(redirect.address() as AddressInfo).port}/`, event: "NUMBER_CHANGED", deliveryId: "x", body: "{}", secret: SECRET,
        timeoutMs: 2000, allowPrivate: true,
      });
      expect(moved).toMatchObject({ statusCode: 302, error: "HTTP 302: a redirect to http://169.254.169.254/, not followed" });
    } finally {
      await new Promise((resolve) => redirect.close(resolve));
    }
  });
});

describe("deliveries", () => {
  it("a receiver failing three times then succeeding gets every event once, in order by cursor, signed; another carrier's never", async () => {
    const ct = await receiver((n) => (n < 3 ? 500 : 200));
    const cm = await receiver();
    const ctHook = await webhook(CT_LN_ADMIN, ct.url, ["NUMBER_CHANGED", "SHUTDOWN_ORDER_ISSUED"]);
    const cmHook = await webhook(CM_ADMIN, cm.url, ["SHUTDOWN_ORDER_ISSUED", "NUMBER_CHANGED"]);
    const ctFrom = await changesCursorOf(ctHook);
    const cmFrom = await changesCursorOf(cmHook);

    await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000001", "4001000002", "4001000003"], resellerCode: "RS-A" }) { updated } }`);
    await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001001000", rangeEnd: "4001002199" }) { created } }`);
    await ok(CM, `mutation { publishAllocation(input: { rangeStart: "4006001000", rangeEnd: "4006001009", province: "44" }) { created } }`);
    const { issueShutdownOrder } = await ok(MPS, ISSUE, order(["4001000004", "4001000005", "4006000004"], "WH-2026-1"));
    await settled(ctHook);
    await settled(cmHook);

    // Every request signed with the endpoint's secret, its headers naming the body's event and id.
    for (const request of [...ct.requests, ...cm.requests]) {
      expect(signedWith(request, SECRET)).toBe(true);
      expect(request.headers["content-type"]).toBe("application/json");
      expect([request.headers["x-registry-event"], request.headers["x-registry-delivery"]]).toEqual([request.body.event, request.body.id]);
    }
    // The first delivery came four times, the same body each time; then each delivery once.
    expect(ct.requests.slice(0, 4).map((q) => q.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(ct.requests.slice(0, 4).map((q) => q.raw)).size).toBe(1);
    const accepted = ct.accepted();
    expect(new Set(accepted.map((d) => d.id)).size).toBe(accepted.length);
    expect(accepted.map((d) => d.sequence)).toEqual(accepted.map((_, i) => i + 1));
    expect(ct.requests.length).toBe(accepted.length + 3);

    // NUMBER_CHANGED: exactly the carrier's changes since the webhook was made, each once, in order, at most 500 a delivery.
    const batches = accepted.filter((d) => d.event === "NUMBER_CHANGED");
    const delivered = batches.flatMap((d) => d.data.changes);
    expect(delivered.map((c: any) => c.sequence)).toEqual((await feedAfter(CT_LN, ctFrom)).map((c) => c.sequence));
    expect(delivered).toHaveLength(3 + 1200 + 2);
    expect(batches.every((d) => d.data.changes.length <= 500 && d.cursor === d.data.changes.at(-1).sequence)).toBe(true);
    const cursors = batches.map((d) => BigInt(d.cursor));
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1])).toBe(true);
    expect(delivered.some((c: any) => c.number.startsWith("4006"))).toBe(false);

    // SHUTDOWN_ORDER_ISSUED: only the carrier's own items, after the changes that stopped them.
    const notices = accepted.filter((d) => d.event === "SHUTDOWN_ORDER_ISSUED");
    expect(notices.map((d) => d.data)).toEqual([expect.objectContaining({ orderId: issueShutdownOrder.id, numbers: ["4001000004", "4001000005"], reason: "TELECOM_FRAUD" })]);
    const stops = delivered.filter((c: any) => c.cause === "SHUTDOWN").map((c: any) => c.sequence);
    // The notice's cursor is the order's last change in the feed (another carrier's, here), past the carrier's own.
    expect(BigInt(notices[0].cursor)).toBeGreaterThanOrEqual(BigInt(stops.at(-1)));
    expect(accepted.indexOf(notices[0])).toBeGreaterThan(accepted.findIndex((d) => d.data.changes?.some((c: any) => c.sequence === stops.at(-1))));

    // The other carrier: its own numbers only.
    const cmChanges = cm.accepted().filter((d) => d.event === "NUMBER_CHANGED").flatMap((d) => d.data.changes);
    expect(cmChanges.map((c: any) => c.sequence)).toEqual((await feedAfter(CM, cmFrom)).map((c) => c.sequence));
    expect(cmChanges.every((c: any) => c.number.startsWith("4006"))).toBe(true);
    expect(cm.accepted().filter((d) => d.event === "SHUTDOWN_ORDER_ISSUED").map((d) => d.data.numbers)).toEqual([["4006000004"]]);

    // The delivery log: the first delivery's four attempts with their answers and timing.
    const { webhookDeliveries } = await ok(CT_LN_ADMIN, DELIVERIES, { id: ctHook });
    expect(webhookDeliveries.totalCount).toBe(accepted.length);
    const first = webhookDeliveries.edges.map((e: any) => e.node).find((d: any) => d.sequence === 1);
    expect(first).toMatchObject({ id: accepted[0].id, event: "NUMBER_CHANGED", status: "DELIVERED", attemptCount: 4, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(first.attempts.map((a: any) => [a.attempt, a.statusCode, a.error, a.replay, a.address])).toEqual([
      [1, 500, "HTTP 500", false, "127.0.0.1"], [2, 500, "HTTP 500", false, "127.0.0.1"], [3, 500, "HTTP 500", false, "127.0.0.1"], [4, 200, null, false, "127.0.0.1"],
    ]);
    expect(first.attempts.every((a: any) => a.durationMs >= 0 && a.startedAt)).toBe(true);
    const { webhooks } = await ok(CT_LN_ADMIN, LIST);
    expect(webhooks.edges.find((e: any) => e.node.id === ctHook).node.lastDeliveredAt).not.toBeNull();

    await ok(CT_LN_ADMIN, DISABLE, { id: ctHook });
    await ok(CM_ADMIN, DISABLE, { id: cmHook });
  });

  it("TRUNK_BLACKLISTED: a carrier hears of its own trunks caught by a blacklisting, never of another carrier's", async () => {
    const ct = await receiver();
    const cm = await receiver();
    const ctHook = await webhook(CT_LN_ADMIN, ct.url, ["TRUNK_BLACKLISTED"]);
    const cmHook = await webhook(CM_ADMIN, cm.url, ["TRUNK_BLACKLISTED", "NUMBER_CHANGED"]);
    const trunk = async (carrier: string, callCenter: string) =>
      (await app.dataSource.query(
        `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, required_departments, registered_by)
         SELECT c.id, cc.id, 30, 'MARKETING', c.province, ARRAY['SALES'], 'test' FROM organizations c, organizations cc
          WHERE c.code = $1 AND cc.code = $2 RETURNING id`,
        [carrier, callCenter],
      ))[0].id as string;
    const tx = await trunk("CT-LN", "CC-X");
    const ty = await trunk("CM", "CC-Y");
    const penalty = (targetUscc: string) => ({
      input: {
        targetName: "A call centre", targetKind: "ORGANIZATION", targetUscc, facts: "Spoofed caller numbers.", legalBasis: "Telecommunications Regulations, Article 57",
        fineCny: 500000, decisionDate: "2025-06-30", publish: true, blacklist: true,
      },
    });

    await ok(MIIT, PENALTY, penalty(USCC_X));
    await settled(ctHook);
    await settled(cmHook);
    expect(ct.accepted().map((d) => [d.event, d.data.subject, d.data.trunkLines])).toEqual([
      ["TRUNK_BLACKLISTED", "COMPANY", [{ id: tx, status: "PENDING_APPROVAL", purpose: "MARKETING", province: "21", carrierCode: "CT-LN", callCenterCode: "CC-X" }]],
    ]);
    expect(cm.accepted()).toEqual([]);

    await ok(MIIT, PENALTY, penalty(USCC_Y));
    await settled(ctHook);
    await settled(cmHook);
    expect(ct.accepted()).toHaveLength(1);
    expect(cm.accepted().map((d) => [d.event, d.data.trunkLines.map((t: any) => t.id)])).toEqual([["TRUNK_BLACKLISTED", [ty]]]);
    expect(cm.accepted()[0].cursor).toMatch(/^\d+$/);
    await ok(CT_LN_ADMIN, DISABLE, { id: ctHook });
    await ok(CM_ADMIN, DISABLE, { id: cmHook });
  });

  it("SHUTDOWN_ITEM_OVERDUE: once per item and deadline, each carrier its own items", async () => {
    const ct = await receiver();
    const cm = await receiver();
    const ctHook = await webhook(CT_LN_ADMIN, ct.url, ["SHUTDOWN_ITEM_OVERDUE"]);
    const cmHook = await webhook(CM_ADMIN, cm.url, ["SHUTDOWN_ITEM_OVERDUE"]);
    const overdueNow = (orderId: string) =>
      app.dataSource.query(`UPDATE shutdown_orders SET acknowledgement_deadline = issued_at, execution_deadline = issued_at WHERE id = $1`, [orderId]);

    const { issueShutdownOrder: first } = await ok(MPS, ISSUE, order(["4001000010", "4001000011", "4006000010"], "WH-2026-2"));
    // CT-LN acknowledges in time: only its execution is late; CM's item misses both deadlines.
    await ok(CT_LN, `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id } }`, { id: first.id });
    await overdueNow(first.id);
    await until(() => ct.accepted().length >= 1 && cm.accepted().length >= 2, 10_000);
    await settled(ctHook);
    await settled(cmHook);

    // A second order, late too: the first order's items are not reported again.
    const { issueShutdownOrder: second } = await ok(MPS, ISSUE, order(["4001000012"], "WH-2026-3"));
    await overdueNow(second.id);
    await until(() => ct.accepted().length >= 3, 10_000);
    await settled(ctHook);
    await settled(cmHook);

    const seen = (r: Receiver) => r.accepted().map((d) => [d.event, d.data.orderId, d.data.deadline, d.data.items.map((i: any) => i.number)]);
    expect(seen(ct)).toEqual([
      ["SHUTDOWN_ITEM_OVERDUE", first.id, "EXECUTION", ["4001000010", "4001000011"]],
      ["SHUTDOWN_ITEM_OVERDUE", second.id, "ACKNOWLEDGEMENT", ["4001000012"]],
      ["SHUTDOWN_ITEM_OVERDUE", second.id, "EXECUTION", ["4001000012"]],
    ]);
    expect(seen(cm)).toEqual([
      ["SHUTDOWN_ITEM_OVERDUE", first.id, "ACKNOWLEDGEMENT", ["4006000010"]],
      ["SHUTDOWN_ITEM_OVERDUE", first.id, "EXECUTION", ["4006000010"]],
    ]);
    expect(ct.accepted()[0].data.items[0]).toEqual({ number: "4001000010", carrierCode: "CT-LN", state: "ACKNOWLEDGED" });
    await ok(CT_LN_ADMIN, DISABLE, { id: ctHook });
    await ok(CM_ADMIN, DISABLE, { id: cmHook });
  });

  it("replay sends a delivery again as it was, audited; a disabled webhook gets nothing more", async () => {
    const r = await receiver();
    const id = await webhook(CT_LN_ADMIN, r.url, ["NUMBER_CHANGED"]);
    await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000020"], resellerCode: "RS-A" }) { updated } }`);
    await until(() => r.accepted().length === 1, 10_000);
    const [delivery] = r.accepted();

    const { replayWebhookDelivery } = await ok(CT_LN_ADMIN, REPLAY, { id: delivery.id });
    expect(replayWebhookDelivery).toEqual({ id: delivery.id, status: "PENDING", sequence: 1 });
    await until(() => r.requests.length === 2, 10_000);
    expect(r.requests[1].raw).toBe(r.requests[0].raw);
    expect(signedWith(r.requests[1], SECRET)).toBe(true);
    await settled(id);
    const node = (await ok(CT_LN_ADMIN, DELIVERIES, { id })).webhookDeliveries.edges[0].node;
    expect(node).toMatchObject({ status: "DELIVERED", attemptCount: 2 });
    expect(node.attempts.map((a: any) => [a.attempt, a.replay, a.statusCode])).toEqual([[1, false, 200], [2, true, 200]]);
    const [audit] = await app.dataSource.query(
      `SELECT outcome, org_code AS "orgCode", targets FROM audit_events WHERE operation = 'replayWebhookDelivery' AND $1 = ANY(targets) ORDER BY seq DESC LIMIT 1`,
      [delivery.id],
    );
    expect(audit).toMatchObject({ outcome: "SUCCESS", orgCode: "CT-LN" });

    const { disableWebhook } = await ok(CT_LN_ADMIN, DISABLE, { id });
    expect(disableWebhook).toMatchObject({ id, status: "DISABLED", disabledReason: "disabled by ct-ln-admin of CT-LN" });
    expect(codes(await app.exec(CT_LN_ADMIN, DISABLE, { id }))).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(CT_LN_ADMIN, REPLAY, { id: delivery.id }))).toEqual(["CONFLICT"]);
    // A change after it was disabled reaches a live endpoint, and not this one.
    const live = await receiver();
    const liveHook = await webhook(CT_LN_ADMIN, live.url, ["NUMBER_CHANGED"]);
    await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000021"], resellerCode: "RS-A" }) { updated } }`);
    await settled(liveHook);
    expect(live.accepted()).toHaveLength(1);
    expect(r.requests).toHaveLength(2);
    await ok(CT_LN_ADMIN, DISABLE, { id: liveHook });
  });

  it("two server instances deliver each delivery once (the lease)", async () => {
    const b = await app.withServer(ENV);
    try {
      const r = await receiver();
      const id = await webhook(CM_ADMIN, r.url, ["NUMBER_CHANGED"], b);
      for (let i = 0; i < 5; i++) {
        const on = i % 2 === 0 ? app : b;
        await ok(CM, `mutation($n: [String!]!) { wholesaleNumbers(input: { numbers: $n, resellerCode: "RS-A" }) { updated } }`, {
          n: [String(4006000050 + i)],
        }, on);
      }
      await settled(id);
      const accepted = r.accepted();
      expect(accepted.flatMap((d) => d.data.changes.map((c: any) => c.number))).toEqual(["4006000050", "4006000051", "4006000052", "4006000053", "4006000054"]);
      expect(r.requests.length).toBe(accepted.length);
      expect(new Set(accepted.map((d) => d.id)).size).toBe(accepted.length);
      expect(accepted.map((d) => d.sequence)).toEqual(accepted.map((_, i) => i + 1));
      const [{ holders }] = await app.dataSource.query(`SELECT count(*)::int AS holders FROM webhook_worker_lease WHERE holder IS NOT NULL AND expires_at > now()`);
      expect(holders).toBe(1);
      await ok(CM_ADMIN, DISABLE, { id }, b);
    } finally {
      await b.close();
    }
  });
});

describe("the example receiver (examples/webhook-receiver)", () => {
  it("runs as the README says, verifies the registry's signatures, refuses a forged request, and remembers what it processed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "webhook-receiver-"));
    const stateFile = path.join(dir, "state.json");
    let out = "";
    const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, "../../examples/webhook-receiver/server.js")], {
      env: { PATH: process.env.PATH, WEBHOOK_SECRET: SECRET, PORT: "0", STATE_FILE: stateFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk) => (out += chunk));
    child.stderr!.on("data", (chunk) => (out += chunk));
    try {
      await until(() => /listening on (http:\/\/\S+)/.test(out), 10_000);
      const url = /listening on (http:\/\/\S+)/.exec(out)![1];
      const id = await webhook(CT_LN_ADMIN, url, ["NUMBER_CHANGED", "SHUTDOWN_ORDER_ISSUED"]);
      await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000030"], resellerCode: "RS-A" }) { updated } }`);
      await until(() => out.includes("4001000030 SPARE -> SPARE (WHOLESALE)"), 10_000);
      await settled(id);
      expect(out).toContain("4001000030 SPARE -> SPARE (WHOLESALE)");
      const node = (await ok(CT_LN_ADMIN, DELIVERIES, { id })).webhookDeliveries.edges[0].node;
      expect(node).toMatchObject({ status: "DELIVERED", lastStatusCode: 204 });
      const state = JSON.parse(readFileSync(stateFile, "utf8"));
      expect(state[id]).toEqual({ sequence: 1, cursors: { NUMBER_CHANGED: expect.stringMatching(/^\d+$/) } });

      // Signed with another secret, or stale: 401, and nothing handled.
      const body = JSON.stringify({ id: "forged", webhookId: id, event: "NUMBER_CHANGED", sequence: 2, cursor: "1", data: { changes: [] } });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const forged = await fetch(url, {
        method: "POST", body, headers: {
          "content-type": "application/json", "x-registry-timestamp": timestamp,
          "x-registry-signature": `v1=${createHmac("sha256", "another secret entirely, 32 chars").update(`${timestamp}.${body}`).digest("hex")}`,
        },
      });
      expect(forged.status).toBe(401);
      const stale = String(Math.floor(Date.now() / 1000) - 3600);
      const old = await fetch(url, {
        method: "POST", body, headers: {
          "content-type": "application/json", "x-registry-timestamp": stale,
          "x-registry-signature": `v1=${createHmac("sha256", SECRET).update(`${stale}.${body}`).digest("hex")}`,
        },
      });
      expect(old.status).toBe(401);
      expect(JSON.parse(readFileSync(stateFile, "utf8"))[id].sequence).toBe(1);
      await ok(CT_LN_ADMIN, DISABLE, { id });
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("retries", () => {
  it("backoff doubles from the base, with jitter, at most an hour", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 5000, () => 1))).toEqual([5000, 10000, 20000, 40000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 5000, () => 0))).toEqual([2500, 5000, 10000, 20000]);
    expect(backoffMs(40, 5000, () => 1)).toBe(3_600_000);
  });

  it("a receiver that keeps failing is retried with growing delays, then its webhook is disabled with the reason; later deliveries are never sent", async () => {
    const r = await receiver(() => 503);
    const id = await webhook(CT_LN_ADMIN, r.url, ["NUMBER_CHANGED"]);
    await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001003000", rangeEnd: "4001003009" }) { created } }`);
    await until(() => r.requests.length > 0, 10_000);
    await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001003010", rangeEnd: "4001003019" }) { created } }`);

    let status = "ACTIVE";
    let reason = "";
    const deadline = Date.now() + 15_000;
    while (status === "ACTIVE" && Date.now() < deadline) {
      const node = (await ok(CT_LN_ADMIN, LIST)).webhooks.edges.find((e: any) => e.node.id === id).node;
      ({ status } = node);
      reason = node.disabledReason ?? "";
      if (status === "ACTIVE") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe("DISABLED");
    expect(reason).toMatch(/^not delivered for 4 seconds \(delivery [0-9a-f-]{36}, first tried .+\); the last attempt got HTTP 503$/);

    const log = (await ok(CT_LN_ADMIN, DELIVERIES, { id })).webhookDeliveries.edges.map((e: any) => e.node);
    const [later, first] = log;
    expect(first).toMatchObject({ sequence: 1, status: "FAILED", lastStatusCode: 503, lastError: "HTTP 503" });
    expect(later).toMatchObject({ sequence: 2, status: "CANCELLED", attemptCount: 0, attempts: [] });
    // In sequence: only the first delivery was ever sent, once per recorded attempt.
    expect(r.requests.every((q) => q.body.id === first.id)).toBe(true);
    expect(r.requests).toHaveLength(first.attemptCount);
    expect(first.attemptCount).toBeGreaterThanOrEqual(4);
    // The waits grow: the k-th retry waits at least half of 50 ms · 2^(k-1) (jitter is 50-100%). Lower bounds
    // only: a busy machine starts an attempt late, never early, so an observed gap is never below its wait. The
    // last wait may be cut short by the end of the retry window.
    const starts = first.attempts.map((a: any) => Date.parse(a.startedAt));
    const gaps = starts.slice(1).map((s: number, i: number) => s - starts[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    gaps.slice(0, -1).forEach((gap: number, i: number) => expect(gap).toBeGreaterThanOrEqual(25 * 2 ** i - 5));
  });
});

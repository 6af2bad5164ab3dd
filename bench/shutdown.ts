/**
 * Shutdown benchmark: how fast an emergency shutdown order reaches a carrier
 * connected to another server instance, and how long an order of 10,000 numbers
 * takes to issue.
 *
 *   npm run bench:shutdown -- [--orders 200] [--big 10000] [--database-url URL]
 *
 * Two API servers (dist/src/main.js, production mode) run on one scratch database
 * of the PostgreSQL server at --database-url (or BENCH_DATABASE_URL). A carrier
 * subscribes to shutdownOrderIssued over graphql-ws on instance B; the police issue
 * orders of one number each on instance A, one after another. For each order the
 * benchmark notes when it sent the mutation, when the response came back (the order
 * had committed), and when the notice arrived on B:
 *   - send → notice is an upper bound of commit → notice (the commit is in between);
 *   - response → notice is negative when the notice beat the HTTP response.
 * Then one order of --big numbers: its issue time (send → response) and when its
 * notice, with every number, arrived on B.
 *
 * Beside the subscription, the carrier's webhook: an HTTP receiver in this process
 * (127.0.0.1, so the servers run with WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true) registered
 * for SHUTDOWN_ORDER_ISSUED, each delivery's signature checked. For each order the
 * benchmark notes when its webhook arrived: send → webhook bounds commit → webhook
 * from above, as for the subscription; every order's figure is printed, then the median.
 *
 * Targets: p99 of commit → notice under 200 ms; commit → webhook under 1 s;
 * 10,000 numbers issued in under 2 s.
 * Results: docs/BENCHMARKS.md.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "graphql-ws/client";
import WebSocket from "ws";
import { Role } from "../src/shared/auth/roles";
import { signToken } from "../src/shared/auth/tokens";
import { CREATE_ORG, adminUrl, fmt, gql, positiveInt, quantile, scratchDatabase, serverSecrets, startServer, stopServer, token } from "./lib";

const ORDERS = positiveInt("orders", 200);
const BIG = positiveInt("big", 10_000);
const FIRST = 4001000000;

const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;
const order = (numbers: string[], caseNumber: string) => ({
  input: { numbers, caseNumber, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "benchmark" },
});

interface Notice {
  orderId: string;
  numbers: string[];
  at: number;
}

async function main(): Promise<void> {
  const db = await scratchDatabase(adminUrl());
  const secrets = serverSecrets();
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  let dispose: (() => Promise<void>) | undefined;
  try {
    // The webhook receiver is on 127.0.0.1.
    const webhookEnv = { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true" };
    servers.push(await startServer(db.url, secrets, webhookEnv)); // A applies the migrations
    servers.push(await startServer(db.url, secrets, webhookEnv));
    const [a, b] = servers;
    console.log(`instance A pid ${a.pid} ${a.base}, instance B pid ${b.pid} ${b.base}, database ${db.name}`);

    const admin = await token(secrets.jwtSecret, "PLATFORM", Role.ADMIN);
    await gql(a.graphql, admin, CREATE_ORG, { input: { code: "BENCH-CT", name: "Bench Carrier", kind: "CARRIER", province: "21" } });
    await gql(a.graphql, admin, CREATE_ORG, { input: { code: "BENCH-PSB", name: "Bench Police", kind: "POLICE", province: "21" } });
    const carrier = await token(secrets.jwtSecret, "BENCH-CT", Role.CARRIER);
    const police = await token(secrets.jwtSecret, "BENCH-PSB", Role.POLICE);
    const total = ORDERS + BIG;
    await gql(a.graphql, carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, {
      s: String(FIRST), e: String(FIRST + total - 1),
    });

    // The carrier listens on B.
    const notices = new Map<string, Notice>();
    const waiters = new Map<string, (n: Notice) => void>();
    const client = createClient({ url: b.ws, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${carrier}` }, lazy: false, retryAttempts: 0 });
    dispose = () => client.dispose() as Promise<void>;
    await new Promise<void>((resolve, reject) => {
      client.on("connected", () => resolve());
      client.on("closed", (e) => reject(new Error(`subscription closed: ${(e as { code?: number }).code}`)));
    });
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ shutdownOrderIssued: Omit<Notice, "at"> }>(
        { query: "subscription { shutdownOrderIssued { orderId numbers } }" },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(JSON.stringify(errors)));
            const notice = { ...data!.shutdownOrderIssued, at: performance.now() };
            notices.set(notice.orderId, notice);
            waiters.get(notice.orderId)?.(notice);
          },
          error: reject,
          complete: () => undefined,
        },
      );
      setTimeout(resolve, 300); // subscribed server-side
    });
    // The carrier's webhook, registered by one of its administrators, beside the subscription.
    const webhookSecret = `bench-${Math.random().toString(36).slice(2)}-${"s".repeat(32)}`;
    const hooks = new Map<string, Notice>();
    const hookWaiters = new Map<string, (n: Notice) => void>();
    const badSignatures: string[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const at = performance.now();
        const raw = Buffer.concat(chunks).toString("utf8");
        const timestamp = String(req.headers["x-registry-timestamp"]);
        const expected = `v1=${createHmac("sha256", webhookSecret).update(`${timestamp}.${raw}`).digest("hex")}`;
        if (req.headers["x-registry-signature"] !== expected) badSignatures.push(String(req.headers["x-registry-delivery"]));
        res.writeHead(204).end();
        const body = JSON.parse(raw);
        if (body.event !== "SHUTDOWN_ORDER_ISSUED") return;
        const notice = { orderId: body.data.orderId, numbers: body.data.numbers, at };
        hooks.set(notice.orderId, notice);
        hookWaiters.get(notice.orderId)?.(notice);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const stopReceiver = () => new Promise<void>((resolve) => receiver.close(() => resolve()));
    const closeSubscription = dispose;
    dispose = async () => {
      await closeSubscription?.();
      await stopReceiver();
    };
    const carrierAdmin = await signToken(secrets.jwtSecret, { sub: "bench-ct-admin", org: "BENCH-CT", role: Role.CARRIER, admin: true }, 6 * 3600);
    await gql(a.graphql, carrierAdmin, `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }`, {
      input: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/registry`, events: ["SHUTDOWN_ORDER_ISSUED"], secret: webhookSecret },
    });
    const webhookOf = (orderId: string, ms = 10_000) =>
      new Promise<Notice>((resolve, reject) => {
        const seen = hooks.get(orderId);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no webhook for order ${orderId} within ${ms} ms`)), ms);
        hookWaiters.set(orderId, (n) => { clearTimeout(timer); resolve(n); });
      });

    const noticeOf = (orderId: string, ms = 10_000) =>
      new Promise<Notice>((resolve, reject) => {
        const seen = notices.get(orderId);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no notice for order ${orderId} within ${ms} ms`)), ms);
        waiters.set(orderId, (n) => { clearTimeout(timer); resolve(n); });
      });

    // 200 single-number orders on A, one after another.
    const sendToNotice: number[] = [];
    const responseToNotice: number[] = [];
    const roundTrip: number[] = [];
    const sendToWebhook: number[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const number = String(FIRST + i);
      const sent = performance.now();
      const { issueShutdownOrder } = await gql(a.graphql, police, ISSUE, order([number], `BENCH-${i}`));
      const responded = performance.now();
      const notice = await noticeOf(issueShutdownOrder.id);
      if (notice.numbers.length !== 1 || notice.numbers[0] !== number) throw new Error(`order ${i}: notice for ${notice.numbers}`);
      const hook = await webhookOf(issueShutdownOrder.id);
      if (hook.numbers.length !== 1 || hook.numbers[0] !== number) throw new Error(`order ${i}: webhook for ${hook.numbers}`);
      sendToWebhook.push(hook.at - sent);
      sendToNotice.push(notice.at - sent);
      responseToNotice.push(notice.at - responded);
      roundTrip.push(responded - sent);
    }

    // One order of BIG numbers.
    const big = Array.from({ length: BIG }, (_, i) => String(FIRST + ORDERS + i));
    const sent = performance.now();
    const { issueShutdownOrder } = await gql(a.graphql, police, ISSUE, order(big, "BENCH-BIG"));
    const responded = performance.now();
    const bigNotice = await noticeOf(issueShutdownOrder.id, 30_000);
    if (bigNotice.numbers.length !== BIG) throw new Error(`the big order's notice named ${bigNotice.numbers.length} numbers, not ${BIG}`);
    const bigHook = await webhookOf(issueShutdownOrder.id, 30_000);
    if (bigHook.numbers.length !== BIG) throw new Error(`the big order's webhook named ${bigHook.numbers.length} numbers, not ${BIG}`);

    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const line = (label: string, xs: number[]) => {
      const s = sorted(xs);
      console.log(`${label.padEnd(34)} p50 ${fmt(quantile(s, 0.5), 1).padStart(7)} ms   p99 ${fmt(quantile(s, 0.99), 1).padStart(7)} ms   max ${fmt(s[s.length - 1], 1).padStart(7)} ms`);
    };
    console.log(`\norders                             ${ORDERS} of one number each, issued on A, notices on B`);
    line("send → notice (≥ commit → notice)", sendToNotice);
    line("response → notice", responseToNotice);
    line("issue round trip (A)", roundTrip);
    const p99 = quantile(sorted(sendToNotice), 0.99);
    console.log(`commit → notice p99                < ${fmt(p99, 1)} ms   target < 200 ms   ${p99 < 200 ? "PASS" : "MISS"}`);
    console.log(`\nwebhook (SHUTDOWN_ORDER_ISSUED to 127.0.0.1), send → webhook (≥ commit → webhook) of each order, in ms:`);
    for (let i = 0; i < sendToWebhook.length; i += 20) console.log(`  ${sendToWebhook.slice(i, i + 20).map((x) => fmt(x, 1)).join(" ")}`);
    line("send → webhook", sendToWebhook);
    const hookMedian = quantile(sorted(sendToWebhook), 0.5);
    console.log(`commit → webhook median             < ${fmt(hookMedian, 1)} ms   max < ${fmt(Math.max(...sendToWebhook), 1)} ms   target < 1,000 ms   ${Math.max(...sendToWebhook) < 1000 ? "PASS" : "MISS"}`);
    if (badSignatures.length > 0) throw new Error(`${badSignatures.length} webhook deliveries had a bad signature: ${badSignatures.slice(0, 3).join(", ")}`);
    const issueMs = responded - sent;
    console.log(`order of ${fmt(BIG)} numbers: issued in ${fmt(issueMs, 0)} ms (target < 2,000 ms: ${issueMs < 2000 ? "PASS" : "MISS"}); notice with all ${fmt(BIG)} numbers on B ${fmt(bigNotice.at - sent, 0)} ms after sending, webhook ${fmt(bigHook.at - sent, 0)} ms`);
  } finally {
    await dispose?.().catch(() => undefined);
    for (const server of servers) await stopServer(server).catch(() => undefined);
    await db.drop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}

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
 * Targets: p99 of commit → notice under 200 ms; 10,000 numbers issued in under 2 s.
 * Results: docs/BENCHMARKS.md.
 */
import { createClient } from "graphql-ws/client";
import WebSocket from "ws";
import { Role } from "../src/shared/auth/roles";
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
    servers.push(await startServer(db.url, secrets)); // A applies the migrations
    servers.push(await startServer(db.url, secrets));
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
    for (let i = 0; i < ORDERS; i++) {
      const number = String(FIRST + i);
      const sent = performance.now();
      const { issueShutdownOrder } = await gql(a.graphql, police, ISSUE, order([number], `BENCH-${i}`));
      const responded = performance.now();
      const notice = await noticeOf(issueShutdownOrder.id);
      if (notice.numbers.length !== 1 || notice.numbers[0] !== number) throw new Error(`order ${i}: notice for ${notice.numbers}`);
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
    const issueMs = responded - sent;
    console.log(`order of ${fmt(BIG)} numbers: issued in ${fmt(issueMs, 0)} ms (target < 2,000 ms: ${issueMs < 2000 ? "PASS" : "MISS"}); notice with all ${fmt(BIG)} numbers on B ${fmt(bigNotice.at - sent, 0)} ms after sending`);
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

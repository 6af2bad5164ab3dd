/**
 * Caller-authentication benchmark: checks per second through verifyCallers over HTTP,
 * against the same decisions computed by one SQL query per batch sent straight to
 * PostgreSQL, in one run.
 *
 *   npm run bench:verify -- [--numbers 1000000] [--trunks 1000] [--seconds 20] [--concurrency 3] [--database-url URL] [--keep]
 *
 * A scratch database on the PostgreSQL server at --database-url (or BENCH_DATABASE_URL),
 * the API (dist/src/main.js) in production mode on it. The data: --numbers registry
 * numbers (publishAllocation through the API), 1,000 of them force-stopped by a
 * shutdown order (through the API); then by SQL, --trunks call centres, each with its
 * company's two verified subscribers whose fixed lines are its caller numbers (one in 50
 * has the second revoked, one in 50 expired), one ACTIVE trunk each with its three
 * approvals (every third for MARKETING), 2% more trunks SUSPENDED, 2% of the call centres'
 * companies blacklisted (every call on their trunks is CALL_CENTER_BLACKLISTED), and refusals of
 * marketing: 1,000 people from all callers, two for each MARKETING trunk's call centre.
 *
 * Batches of 1,000 random checks, mixed: about 55% clean calls (ALLOW) and 5% of each
 * BLOCK reason (a third of the callees who refused all marketing are called on MARKETING
 * trunks, the rest are ALLOWed: refusals bind MARKETING trunks only). Each batch's expected decisions are known from how its checks were made.
 * Both sides run --seconds with --concurrency requests (or queries) in flight:
 *   - API: POST verifyCallers with the batch as a variable, as a carrier's switch would;
 *   - SQL: the service's query (VERIFY_CALLERS_SQL, imported from the service itself)
 *     with the same parameters over pg, unnamed like the service's, the floor the API is
 *     measured against.
 * A sample of batches is compared three ways: API, SQL and expected.
 *
 * Targets: at least 50,000 checks/s through the API, and at least 50% of the direct SQL rate.
 * Results: docs/BENCHMARKS.md.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import { cpus, loadavg } from "node:os";
import { Pool } from "pg";
import { VERIFY_CALLERS_SQL } from "../src/modules/trunks/verify-callers.sql";
import { Role } from "../src/shared/auth/roles";
import { usccCheckCharacter } from "../src/shared/identity/uscc";
import { CREATE_ORG, adminUrl, backendSeconds, backendSecondsSince, cpuSeconds, fmt, gql, positiveInt, quantile, scratchDatabase, serverSecrets, startServer, stopServer, token } from "./lib";

const NUMBERS = positiveInt("numbers", 1_000_000);
const TRUNKS = positiveInt("trunks", 1_000);
const SECONDS = positiveInt("seconds", 20);
const CONCURRENCY = positiveInt("concurrency", 3);
// Keeps the scratch database (and prints its URL) to look at plans afterwards.
const KEEP = process.argv.includes("--keep");
const BATCH = 1_000;
const BATCHES = 200;
const SAMPLE = 20;
const FIRST = 4_000_000_000;
const FORCE_STOPPED = Math.min(1_000, NUMBERS);
const CARRIER = "BENCH-CT";
const DEPARTMENTS = ["SALES", "SECURITY", "LEGAL"];
// Call centre i's company is blacklisted for i % 50 == BLACKLISTED (none of them revoked, expired or with a suspended trunk).
const BLACKLISTED = 9;

const VERIFY = `query($checks: [CallerCheckInput!]!) { verifyCallers(checks: $checks) { decision reason } }`;

/** A small seeded generator, so every run draws the same checks. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const uscc = (i: number) => {
  const body = `91210102MA${pad(i, 6)}X`;
  return body + usccCheckCharacter(body);
};
// Call centre i's two fixed lines: the first always verified; the second revoked for i % 50 == 1, expired for i % 50 == 2.
const line = (i: number, k: 0 | 1) => `0241${k}${pad(i, 6)}`;
const refusedAll = (j: number) => `1372000${pad(j, 4)}`;
const refusedFor = (i: number, k: number) => `1371${pad(i, 4)}00${k}`;

interface Trunk {
  id: string;
  cc: number;
  purpose: string;
  status: string;
}

interface Check {
  trunkId: string;
  callerNumber: string;
  calleeNumber: string;
}

type Expected = string | null;

function makeBatches(trunks: Trunk[], stopped: string[]) {
  const next = random(20251124);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  // A blacklisted call centre's trunks block every call, whatever else the check was made to be.
  const blacklisted = trunks.filter((t) => t.status === "ACTIVE" && t.cc % 50 === BLACKLISTED);
  const active = trunks.filter((t) => t.status === "ACTIVE" && t.cc % 50 !== BLACKLISTED);
  const suspended = trunks.filter((t) => t.status === "SUSPENDED");
  const marketing = active.filter((t) => t.purpose === "MARKETING");
  const revoked = active.filter((t) => t.cc % 50 === 1);
  const expired = active.filter((t) => t.cc % 50 === 2);
  const person = () => `139${pad(Math.floor(next() * 1e8), 8)}`;
  const registry = () => String(FIRST + Math.floor(next() * NUMBERS));
  const kinds: [number, () => [Check, Expected]][] = [
    [55, () => { const t = pick(active); return [{ trunkId: t.id, callerNumber: line(t.cc, 0), calleeNumber: person() }, null]; }],
    [5, () => [{ trunkId: randomUUID(), callerNumber: line(1, 0), calleeNumber: person() }, "TRUNK_UNKNOWN"]],
    [5, () => { const t = pick(blacklisted); return [{ trunkId: t.id, callerNumber: line(t.cc, 0), calleeNumber: person() }, "CALL_CENTER_BLACKLISTED"]; }],
    [5, () => { const t = pick(suspended); return [{ trunkId: t.id, callerNumber: line(t.cc, 0), calleeNumber: person() }, "TRUNK_NOT_ACTIVE"]; }],
    [5, () => { const t = pick(active); return [{ trunkId: t.id, callerNumber: next() < 0.5 ? registry() : pick(stopped), calleeNumber: person() }, "CALLER_IS_400"]; }],
    [5, () => { const t = pick(active); const other = pick(active.filter((o) => o.cc !== t.cc).slice(0, 50)); return [{ trunkId: t.id, callerNumber: line(other.cc, 0), calleeNumber: person() }, "CALLER_NOT_AUTHORISED"]; }],
    [5, () => { const t = pick(revoked); return [{ trunkId: t.id, callerNumber: line(t.cc, 1), calleeNumber: person() }, "CALLER_STOPPED"]; }],
    [5, () => { const t = pick(expired); return [{ trunkId: t.id, callerNumber: line(t.cc, 1), calleeNumber: person() }, "CALLER_SUSPENDED"]; }],
    // Refusals bind MARKETING trunks only: the same callee on another trunk is a clean call.
    [5, () => { const t = pick(active); return [{ trunkId: t.id, callerNumber: line(t.cc, 0), calleeNumber: refusedAll(Math.floor(next() * 1000)) }, t.purpose === "MARKETING" ? "CALLEE_ON_DO_NOT_CALL" : null]; }],
    [5, () => { const t = pick(marketing); return [{ trunkId: t.id, callerNumber: line(t.cc, 0), calleeNumber: refusedFor(t.cc, Math.floor(next() * 2)) }, "CALLEE_REFUSED_MARKETING"]; }],
  ];
  const weight = kinds.reduce((s, [w]) => s + w, 0);
  const one = (): [Check, Expected] => {
    let r = next() * weight;
    for (const [w, make] of kinds) if ((r -= w) < 0) return make();
    return kinds[0][1]();
  };
  return Array.from({ length: BATCHES }, () => {
    const made = Array.from({ length: BATCH }, one);
    const checks = made.map(([c]) => c);
    return {
      checks,
      expected: made.map(([, e]) => e),
      body: JSON.stringify({ query: VERIFY, variables: { checks } }),
      // What the service sends for this batch: the ids (all UUIDs here) and numbers already in national form.
      params: [checks.map((c) => c.trunkId), checks.map((c) => c.callerNumber), checks.map((c) => c.calleeNumber), `/${CARRIER}/`],
    };
  });
}

type Batch = ReturnType<typeof makeBatches>[number];

/** Runs `send` with `concurrency` in flight for `seconds`; returns checks/s and each batch's latency. */
async function drive(seconds: number, send: (batch: Batch) => Promise<void>, batches: Batch[]) {
  const latencies: number[] = [];
  let sent = 0;
  let turn = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const batch = batches[turn++ % batches.length];
        const t0 = performance.now();
        await send(batch);
        latencies.push(performance.now() - t0);
        sent += batch.checks.length;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // The benchmark's own CPU (building requests, reading answers) shares the machine with the server and the database.
  const clientCpu = (used.user + used.system) / 1e6 / elapsed;
  return { rate: sent / elapsed, latencies: latencies.sort((a, b) => a - b), elapsed, batches: latencies.length, clientCpu };
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const db = await scratchDatabase(adminUrl());
  const secrets = serverSecrets();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const pool = new Pool({ connectionString: db.url, max: CONCURRENCY + 1 });
  try {
    server = await startServer(db.url, secrets);
    console.log(`API pid ${server.pid} ${server.base}, database ${db.name}`);
    const admin = await token(secrets.jwtSecret, "PLATFORM", Role.ADMIN);
    await gql(server.graphql, admin, CREATE_ORG, { input: { code: CARRIER, name: "Bench Carrier", kind: "CARRIER", province: "21" } });
    await gql(server.graphql, admin, CREATE_ORG, { input: { code: "BENCH-RS", name: "Bench Reseller", kind: "RESELLER", province: "21" } });
    await gql(server.graphql, admin, CREATE_ORG, { input: { code: "BENCH-PSB", name: "Bench Police", kind: "POLICE", province: "21" } });
    const carrier = await token(secrets.jwtSecret, CARRIER, Role.CARRIER);
    const police = await token(secrets.jwtSecret, "BENCH-PSB", Role.POLICE);

    let t0 = performance.now();
    await gql(server.graphql, carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, {
      s: String(FIRST), e: String(FIRST + NUMBERS - 1),
    });
    const stopped = Array.from({ length: FORCE_STOPPED }, (_, i) => String(FIRST + Math.floor((i * NUMBERS) / FORCE_STOPPED)));
    await gql(server.graphql, police, `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`, {
      input: { numbers: stopped, caseNumber: "BENCH-1", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "SPOOFING", note: "benchmark" },
    });
    console.log(`${fmt(NUMBERS)} numbers published and ${fmt(FORCE_STOPPED)} force-stopped through the API in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    t0 = performance.now();
    const ids = Array.from({ length: TRUNKS }, (_, i) => i);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const [{ rows: [{ id: carrierId }] }, { rows: [{ id: resellerId }] }] = [
        await client.query(`SELECT id FROM organizations WHERE code = $1`, [CARRIER]),
        await client.query(`SELECT id FROM organizations WHERE code = 'BENCH-RS'`),
      ];
      await client.query(
        `INSERT INTO organizations (code, name, kind, province, path, uscc)
         SELECT 'BENCH-CC-' || lpad(i::text, 5, '0'), 'Bench Call Centre ' || i, 'CALL_CENTER', '21', '/BENCH-CC-' || lpad(i::text, 5, '0') || '/', u
           FROM unnest($1::int[], $2::text[]) AS c (i, u)`,
        [ids, ids.map(uscc)],
      );
      // Two subscribers per company, one per fixed line; the second revoked or expired for some.
      const subscribers = ids.flatMap((i) => [[i, 0, "VERIFIED"], [i, 1, i % 50 === 1 ? "REVOKED" : i % 50 === 2 ? "EXPIRED" : "VERIFIED"]] as const);
      await client.query(
        `INSERT INTO subscribers (reseller_id, name, uscc, legal_rep_name, legal_rep_id_sealed, legal_rep_id_hash, handler_name, handler_id_sealed,
                                  handler_id_hash, landline, address, business_scope, declared_use, identity_status, verified_at, verified_by)
         SELECT $1, 'Bench Call Centre ' || i, u, 'Bench Representative', 'sealed', repeat('a', 64), 'Bench Handler', 'sealed', repeat('b', 64),
                l, 'Shenyang', 'Call-centre services', 'Outbound calls', s, now(), $2
           FROM unnest($3::int[], $4::text[], $5::text[], $6::text[]) AS x (i, u, l, s)`,
        [resellerId, carrierId, subscribers.map(([i]) => i), subscribers.map(([i]) => uscc(i)), subscribers.map(([i, k]) => line(i, k)), subscribers.map(([, , s]) => s)],
      );
      // One ACTIVE trunk per call centre with its three approvals; 2% more, SUSPENDED.
      const extra = ids.filter((i) => i % 50 === 7);
      await client.query(
        `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, status, required_departments, registered_by, activated_at,
                                  suspended_at, suspended_by, suspension_reason)
         SELECT $1, o.id, 30, CASE WHEN x.i % 3 = 0 THEN 'MARKETING' WHEN x.i % 3 = 1 THEN 'CUSTOMER_SERVICE' ELSE 'NOTIFICATION' END, '21',
                x.status, $4, 'bench', now(),
                CASE WHEN x.status = 'SUSPENDED' THEN now() END, CASE WHEN x.status = 'SUSPENDED' THEN 'bench' END,
                CASE WHEN x.status = 'SUSPENDED' THEN 'benchmark' END
           FROM unnest($2::int[], $3::text[]) AS x (i, status)
           JOIN organizations o ON o.code = 'BENCH-CC-' || lpad(x.i::text, 5, '0')`,
        [carrierId, [...ids, ...extra], [...ids.map(() => "ACTIVE"), ...extra.map(() => "SUSPENDED")], DEPARTMENTS],
      );
      await client.query(
        `INSERT INTO trunk_approvals (trunk_id, department, approved_by, organization_id)
         SELECT t.id, d, 'bench-' || lower(d), $1 FROM trunk_lines t, unnest(t.required_departments) d`,
        [carrierId],
      );
      await client.query(
        `INSERT INTO trunk_caller_numbers (trunk_id, caller_number)
         SELECT t.id, s.landline FROM trunk_lines t JOIN organizations o ON o.id = t.call_center_id JOIN subscribers s ON s.uscc = o.uscc`,
      );
      await client.query(`INSERT INTO blacklist (uscc, reason) SELECT u, 'bench' FROM unnest($1::text[]) AS u`, [
        ids.filter((i) => i % 50 === BLACKLISTED).map(uscc),
      ]);
      // Refusals: 1,000 people refused all marketing; two people each refused each MARKETING trunk's call centre.
      const mine = ids.filter((i) => i % 3 === 0).flatMap((i) => [[i, 0], [i, 1]] as const);
      await client.query(
        `INSERT INTO marketing_refusals (callee_number, caller_org_id, recorded_by, recorded_by_actor)
         SELECT callee, o.id, $1, 'bench' FROM unnest($2::text[], $3::text[]) AS r (callee, code) LEFT JOIN organizations o ON o.code = r.code`,
        [carrierId, [...Array.from({ length: 1000 }, (_, j) => refusedAll(j)), ...mine.map(([i, k]) => refusedFor(i, k))],
          [...Array.from({ length: 1000 }, () => null), ...mine.map(([i]) => `BENCH-CC-${pad(i, 5)}`)]],
      );
      await client.query("COMMIT");
      await client.query("ANALYZE");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const { rows: trunkRows } = await pool.query(
      `SELECT t.id, substring(o.code from 10)::int AS cc, t.purpose, t.status FROM trunk_lines t JOIN organizations o ON o.id = t.call_center_id`,
    );
    const counts = (await pool.query(
      `SELECT (SELECT count(*) FROM trunk_lines WHERE status = 'ACTIVE')::int AS active, (SELECT count(*) FROM trunk_lines WHERE status = 'SUSPENDED')::int AS suspended,
              (SELECT count(*) FROM trunk_caller_numbers)::int AS callers, (SELECT count(*) FROM subscribers)::int AS subscribers,
              (SELECT count(*) FROM marketing_refusals)::int AS refusals`,
    )).rows[0];
    console.log(`by SQL in ${fmt((performance.now() - t0) / 1000, 1)} s: ${fmt(TRUNKS)} call centres, ${fmt(counts.subscribers)} subscribers, ` +
      `${fmt(counts.active)} ACTIVE and ${fmt(counts.suspended)} SUSPENDED trunks, ${fmt(counts.callers)} caller numbers, ${fmt(counts.refusals)} refusals`);

    const batches = makeBatches(trunkRows as Trunk[], stopped);
    // node:http on kept-alive connections, one per batch in flight: the client's own CPU shares the machine
    // with the server and the database, and fetch cost about twice as much per batch.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const target = new URL(server.graphql);
    const api = (batch: Batch) =>
      new Promise<void>((resolve, reject) => {
        const request = http.request(
          {
            agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST",
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(batch.body), authorization: `Bearer ${carrier}` },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              if (res.statusCode === 200 && text.startsWith('{"data":{"verifyCallers":[')) resolve();
              else reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            });
            res.on("error", reject);
          },
        );
        request.on("error", reject);
        request.end(batch.body);
      });
    // Unnamed, as the service sends it: planned for each batch's own parameters (a generic plan ran slower).
    const sql = async (batch: Batch) => {
      await pool.query(VERIFY_CALLERS_SQL, batch.params);
    };

    // Agreement on a sample: the API, the query and what each check was made to be.
    let compared = 0;
    let apiVsSql = 0;
    let vsExpected = 0;
    const byReason = new Map<string, number>();
    for (const batch of batches.slice(0, SAMPLE)) {
      const { verifyCallers } = await gql(server.graphql, carrier, VERIFY, { checks: batch.checks });
      const { rows } = await pool.query(VERIFY_CALLERS_SQL, batch.params);
      for (let i = 0; i < batch.checks.length; i++) {
        const fromApi = verifyCallers[i].reason as string | null;
        if ((verifyCallers[i].decision === "ALLOW") !== (fromApi === null)) throw new Error(`check ${i}: ${JSON.stringify(verifyCallers[i])}`);
        compared += 1;
        if (fromApi === rows[i].reason) apiVsSql += 1;
        if (fromApi === batch.expected[i]) vsExpected += 1;
        byReason.set(fromApi ?? "ALLOW", (byReason.get(fromApi ?? "ALLOW") ?? 0) + 1);
      }
    }
    console.log(`sample of ${fmt(compared)} checks: API = SQL for ${fmt(apiVsSql)}, API = expected for ${fmt(vsExpected)}` +
      ` (${[...byReason].sort().map(([r, n]) => `${r} ${fmt((100 * n) / compared, 1)}%`).join(", ")})`);

    // Warm both paths, then measure each for SECONDS.
    await drive(2, sql, batches);
    await drive(2, api, batches);
    console.log(`load average before measuring: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    const cpuBefore = cpuSeconds(server.pid);
    let backendsBefore = backendSeconds(db.name);
    const viaApi = await drive(SECONDS, api, batches);
    const serverCpuSeconds = cpuSeconds(server.pid) - cpuBefore;
    const serverCpu = serverCpuSeconds / viaApi.elapsed;
    const apiDatabaseSeconds = backendSecondsSince(db.name, backendsBefore);
    backendsBefore = backendSeconds(db.name);
    const direct = await drive(SECONDS, sql, batches);
    const sqlDatabaseSeconds = backendSecondsSince(db.name, backendsBefore);
    agent.destroy();
    // PostgreSQL's CPU, in % of a core and per batch: the same query on both sides should cost it the same.
    const database = (seconds: number, run: typeof direct) =>
      `PostgreSQL CPU ${fmt((100 * seconds) / run.elapsed)}% (${fmt((1000 * seconds) / run.batches, 1)} ms a batch)`;

    const ratio = viaApi.rate / direct.rate;
    const lat = (l: number[]) => `batch p50 ${fmt(quantile(l, 0.5), 1)} ms, p99 ${fmt(quantile(l, 0.99), 1)} ms`;
    console.log(`\nbatches of ${fmt(BATCH)} checks, ${CONCURRENCY} in flight, ${SECONDS} s each`);
    console.log(`verifyCallers over HTTP   ${fmt(viaApi.rate).padStart(9)} checks/s   ${lat(viaApi.latencies)}   ` +
      `API process CPU ${fmt(serverCpu * 100)}% (${fmt((1000 * serverCpuSeconds) / viaApi.batches, 1)} ms a batch), ` +
      `${database(apiDatabaseSeconds, viaApi)}, benchmark CPU ${fmt(viaApi.clientCpu * 100)}%`);
    console.log(`the same query over pg    ${fmt(direct.rate).padStart(9)} checks/s   ${lat(direct.latencies)}   ${database(sqlDatabaseSeconds, direct)}, benchmark CPU ${fmt(direct.clientCpu * 100)}%`);
    console.log(`API / SQL                 ${fmt(ratio * 100, 1)}%`);
    console.log(`target ≥ 50,000 checks/s through the API: ${viaApi.rate >= 50_000 ? "PASS" : "MISS"}`);
    console.log(`target ≥ 50% of the direct SQL rate:      ${ratio >= 0.5 ? "PASS" : "MISS"}`);
    console.log(`decisions agree on the sample:            ${apiVsSql === compared && vsExpected === compared ? "PASS" : "MISS"}`);
    if (apiVsSql !== compared || vsExpected !== compared) process.exitCode = 1;
  } finally {
    await pool.end().catch(() => undefined);
    if (server) await stopServer(server).catch(() => undefined);
    if (KEEP) console.log(`kept ${db.url}`);
    else await db.drop();
  }
}

if (require.main === module) {
  main()
    // A kept database leaves the admin connection open: leave anyway.
    .then(() => KEEP && process.exit())
    .catch((error) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exitCode = 1;
    });
}

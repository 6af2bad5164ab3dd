/**
 * Sync benchmark: how fast a carrier can load numbers through the public API
 * (the syncNumbers mutation over HTTP) compared with the floor of what the same
 * PostgreSQL server can ingest (COPY ... FROM STDIN into a plain table), and how
 * much memory the API server needs while it does.
 *
 *   npm run bench:sync -- [--numbers 1000000] [--database-url URL] [--batch 10000] [--concurrency 1]
 *
 * --database-url (or BENCH_DATABASE_URL; default postgres://postgres@127.0.0.1:5432/postgres)
 * is an admin URL of a running PostgreSQL server. The benchmark creates a scratch
 * database registry_bench_<random> there, runs the API server (dist/src/main.js)
 * against it on a free port, and drops the database at the end, also on failure.
 *
 * Targets: API rate >= 40% of the COPY rate; peak server RSS < 400 MB.
 * Results and how to read them: docs/BENCHMARKS.md.
 */
import { spawn, ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Role } from "../src/shared/auth/roles";
import { signToken } from "../src/shared/auth/tokens";

const FIRST_NUMBER = 4001000000;
const CARRIER = "BENCH-CT";
const RESELLER = "BENCH-RS";
const PROVINCE = "21";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const N = Number(arg("numbers", "1000000"));
const BATCH = Number(arg("batch", "10000"));
const CONCURRENCY = Number(arg("concurrency", "1"));
const ADMIN_URL = arg("database-url", process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");
for (const [k, v] of Object.entries({ numbers: N, batch: BATCH, concurrency: CONCURRENCY })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
}

/** Row i of the data set: consecutive numbers, all SPARE, every 10th wholesaled to the reseller. */
const row = (i: number) => ({ number: String(FIRST_NUMBER + i), status: "SPARE", resellerCode: i % 10 === 0 ? RESELLER : null });

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

const procKb = (pid: number, field: "VmRSS" | "VmHWM"): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
};

async function gql(url: string, token: string, query: string, variables: object): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: any;
  try { body = JSON.parse(text); } catch { throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`); }
  if (!res.ok || body.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

async function waitReady(base: string, server: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode} before it was ready`);
    try { if ((await fetch(`${base}/readyz`)).status === 200) return; } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the server was not ready within 120 s");
}

const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created updated unchanged rejected { number reason } } }`;

/** Loads all N rows through syncNumbers, CONCURRENCY requests in flight; returns seconds. */
async function apiLoad(url: string, token: string): Promise<number> {
  const batches = Math.ceil(N / BATCH);
  let next = 0;
  const worker = async () => {
    for (let b = next++; b < batches; b = next++) {
      const numbers = [];
      for (let i = b * BATCH; i < Math.min(N, (b + 1) * BATCH); i++) {
        const r = row(i);
        numbers.push({ number: r.number, status: r.status, province: PROVINCE, ...(r.resellerCode ? { resellerCode: r.resellerCode } : {}) });
      }
      const { syncNumbers: s } = await gql(url, token, SYNC, { input: { idempotencyKey: `bench-${b}`, numbers } });
      if (s.created !== numbers.length || s.rejected.length > 0) {
        throw new Error(`batch ${b}: created ${s.created}/${numbers.length}, updated ${s.updated}, unchanged ${s.unchanged}, ` +
          `rejected ${s.rejected.length} ${JSON.stringify(s.rejected.slice(0, 3))}`);
      }
      if ((b + 1) % 10 === 0) process.stdout.write(`  api: ${Math.min(N, (b + 1) * BATCH)} numbers\n`);
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function* csvChunks(line: (i: number) => string): Generator<string> {
  for (let start = 0; start < N; start += BATCH) {
    let chunk = "";
    for (let i = start; i < Math.min(N, start + BATCH); i++) chunk += line(i);
    yield chunk;
  }
}

async function copyInto(db: Client, table: string, columns: string, line: (i: number) => string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await pipeline(Readable.from(csvChunks(line)), db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN (FORMAT csv)`)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
  if (rows[0].n !== N) throw new Error(`COPY loaded ${rows[0].n} rows into ${table}, expected ${N}`);
  return seconds;
}

/**
 * Loads the same rows with COPY, twice; returns seconds for each.
 * - plain: into a table with a primary key on number and nothing else (the baseline);
 * - shaped: into empty copies of the registry's own numbers and number_changes tables
 *   (CREATE TABLE ... (LIKE ... INCLUDING ALL): the same columns, CHECK constraints and
 *   indexes, no foreign keys or triggers), one row in each per number, as a sync writes them.
 *   This is the least the database itself needs for the rows a sync must keep.
 */
async function copyLoad(dbUrl: string): Promise<{ plain: number; shaped: number }> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query(`CREATE TABLE scratch_numbers (number text PRIMARY KEY, status text NOT NULL, reseller_code text, province text NOT NULL)`);
    const plain = await copyInto(db, "scratch_numbers", "number, status, reseller_code, province",
      (i) => { const r = row(i); return `${r.number},${r.status},${r.resellerCode ?? ""},${PROVINCE}\n`; });

    const [{ carrier, reseller }] = (await db.query(
      `SELECT (SELECT id FROM organizations WHERE code = $1) AS carrier, (SELECT id FROM organizations WHERE code = $2) AS reseller`,
      [CARRIER, RESELLER],
    )).rows;
    await db.query(`CREATE TABLE shaped_numbers (LIKE numbers INCLUDING ALL)`);
    await db.query(`CREATE TABLE shaped_changes (LIKE number_changes INCLUDING ALL)`);
    const shapedLine = (suffix: string) => (i: number) => {
      const r = row(i);
      return `${r.number},${carrier},${r.resellerCode ? reseller : ""},${r.status},${PROVINCE}${suffix}\n`;
    };
    const columns = "number, carrier_id, reseller_id, status, province";
    const shaped = (await copyInto(db, "shaped_numbers", columns, shapedLine(""))) +
      (await copyInto(db, "shaped_changes", `${columns}, cause`, shapedLine(",SYNC")));
    return { plain, shaped };
  } finally {
    await db.end();
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  process.kill(server.pid!, "SIGTERM");
  const timer = setTimeout(() => server.exitCode === null && process.kill(server.pid!, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const dbName = `registry_bench_${randomBytes(4).toString("hex")}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  let server: ChildProcess | undefined;
  try {
    const port = await freePort();
    const secret = randomBytes(32).toString("hex");
    server = spawn(process.execPath, [path.join(__dirname, "..", "src", "main.js")], {
      env: {
        ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production",
        JWT_SECRET: secret, PII_ENCRYPTION_KEY: randomBytes(32).toString("base64"), SEED_DEMO: "false",
        // A 10,000-item batch is about 0.6 MB of JSON, under the default 2 MiB body limit.
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, server);
    const pid = server.pid!;
    console.log(`server pid ${pid} on ${base}, database ${dbName}; ${N} numbers, batch ${BATCH}, concurrency ${CONCURRENCY}`);

    const adminToken = await signToken(secret, { sub: "bench-admin", org: "PLATFORM", role: Role.ADMIN }, 3600);
    const createOrg = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`;
    await gql(`${base}/graphql`, adminToken, createOrg, { input: { code: CARRIER, name: "Bench Carrier", kind: "CARRIER", province: PROVINCE } });
    await gql(`${base}/graphql`, adminToken, createOrg, { input: { code: RESELLER, name: "Bench Reseller", kind: "RESELLER" } });
    const carrierToken = await signToken(secret, { sub: "bench-carrier", org: CARRIER, role: Role.CARRIER }, 6 * 3600);

    const rssBefore = procKb(pid, "VmRSS");
    let rssMaxSampled = rssBefore;
    const sampler = setInterval(() => {
      try { rssMaxSampled = Math.max(rssMaxSampled, procKb(pid, "VmRSS")); } catch { /* exited */ }
    }, 100);
    let apiSeconds: number;
    try {
      apiSeconds = await apiLoad(`${base}/graphql`, carrierToken);
    } finally {
      clearInterval(sampler);
    }
    const hwm = procKb(pid, "VmHWM");
    await stopServer(server);

    const copy = await copyLoad(dbUrl);

    const apiRate = N / apiSeconds, copyRate = N / copy.plain, ratio = (100 * apiRate) / copyRate;
    const shapedRate = N / copy.shaped;
    const mb = (kb: number) => kb / 1024;
    const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
    console.log(`\nnumbers                ${fmt(N)} (batch ${BATCH}, concurrency ${CONCURRENCY})`);
    console.log(`API (syncNumbers)      ${fmt(apiSeconds, 2)} s  ${fmt(apiRate)} numbers/s`);
    console.log(`COPY (baseline)        ${fmt(copy.plain, 2)} s  ${fmt(copyRate)} numbers/s`);
    console.log(`COPY, registry-shaped  ${fmt(copy.shaped, 2)} s  ${fmt(shapedRate)} numbers/s  (${fmt((100 * shapedRate) / copyRate, 1)} % of the baseline)`);
    console.log(`API / COPY             ${fmt(ratio, 1)} %   target >= 40 %   ${ratio >= 40 ? "PASS" : "MISS"}`);
    console.log(`API / shaped COPY      ${fmt((100 * apiRate) / shapedRate, 1)} %`);
    console.log(`server RSS             ${fmt(mb(rssBefore), 1)} MB before load, ${fmt(mb(rssMaxSampled), 1)} MB max sampled, ${fmt(mb(hwm), 1)} MB peak (VmHWM)`);
    console.log(`peak RSS               ${fmt(mb(hwm), 1)} MB   target < 400 MB   ${mb(hwm) < 400 ? "PASS" : "MISS"}`);
  } finally {
    if (server) await stopServer(server).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => console.error(`could not drop ${dbName}: ${e.message}`));
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

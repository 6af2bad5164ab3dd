/**
 * Sync benchmark: how fast a carrier can load numbers through the public API
 * (the syncNumbers mutation over HTTP) compared with the floor of what the same
 * PostgreSQL server can ingest (COPY ... FROM STDIN into a plain table), and how
 * much memory the API server needs while it does.
 *
 *   npm run bench:sync -- [--numbers 1000000] [--database-url URL] [--batch 10000] [--concurrency 1] [--runs 3] [--bulk-only]
 *
 * Then the bulk path (POST /bulk/numbers: one CSV of N new numbers streamed in one request, COPY into
 * staging, set-based checks, createNumbers) against its floor, the registry-shaped COPY of the same N rows,
 * --runs times each, alternating, in the same run: every run with its ratio, and the median of the ratios.
 * Targets (issue 18): the bulk path >= 70% of the shaped COPY; server RSS < 300 MB (--bulk-only leaves out
 * the syncNumbers load, so the server's peak is the bulk path's own: `--numbers 5000000 --runs 1 --bulk-only`).
 *
 * --database-url (or BENCH_DATABASE_URL; default postgres://postgres@127.0.0.1:5432/postgres)
 * is an admin URL of a running PostgreSQL server. The benchmark creates a scratch
 * database registry_bench_<random> there, runs the API server (dist/src/main.js)
 * against it on a free port, and drops the database at the end, also on failure.
 *
 * Targets: API rate >= 40% of the COPY rate; peak server RSS < 400 MB.
 * Results and how to read them: docs/BENCHMARKS.md.
 */
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Role } from "../src/shared/auth/roles";
import {
  CREATE_ORG, adminUrl, fmt, gql, median, positiveInt, procKb, scratchDatabase, serverSecrets, startServer, stopServer, token,
} from "./lib";

const FIRST_NUMBER = 4001000000;
const CARRIER = "BENCH-CT";
const RESELLER = "BENCH-RS";
const PROVINCE = "21";

const N = positiveInt("numbers", 1_000_000);
const BATCH = positiveInt("batch", 10_000);
const CONCURRENCY = positiveInt("concurrency", 1);
const ADMIN_URL = adminUrl();
const RUNS = positiveInt("runs", 3);
/** Only the bulk path and its floor: no syncNumbers load, no plain COPY (the 5,000,000-row memory run). */
const BULK_ONLY = process.argv.includes("--bulk-only");
/** Run r of the bulk path loads N new numbers from bulkFirst(r), after the syncNumbers load's; all within 400's ten million. */
const bulkFirst = (run: number) => FIRST_NUMBER + (run + (BULK_ONLY ? 0 : 1)) * N;
if (bulkFirst(RUNS) > 4010000000) throw new Error(`--numbers ${N} with --runs ${RUNS} needs more than the 400 number space: lower --runs`);

/** Row i of the data set: consecutive numbers, all SPARE, every 10th wholesaled to the reseller. */
const row = (i: number) => ({ number: String(FIRST_NUMBER + i), status: "SPARE", resellerCode: i % 10 === 0 ? RESELLER : null });

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

/** Streams N new numbers (run r's range) as one CSV to POST /bulk/numbers; returns seconds. */
async function bulkLoad(base: string, token: string, run: number): Promise<number> {
  const first = bulkFirst(run);
  const t0 = process.hrtime.bigint();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(`${base}/bulk/numbers`);
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST",
        headers: { "content-type": "text/csv", authorization: `Bearer ${token}`, "idempotency-key": `bench-bulk-${run}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on("error", reject);
    let i = 0;
    const write = () => {
      while (i < N) {
        let chunk = "";
        for (const end = Math.min(N, i + BATCH); i < end; i++) {
          const r = row(i);
          chunk += `${first + i},${r.status},${r.resellerCode ?? ""},${PROVINCE}\n`;
        }
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result = answer.status === 200 ? JSON.parse(answer.body) : null;
  if (!result || result.created !== N || result.rejected !== 0) throw new Error(`bulk run ${run}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
  return seconds;
}

/** The registry-shaped COPY floor once more, into fresh copies of the two tables; returns seconds. */
async function shapedCopy(dbUrl: string, run: number): Promise<number> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const [{ carrier, reseller }] = (await db.query(
      `SELECT (SELECT id FROM organizations WHERE code = $1) AS carrier, (SELECT id FROM organizations WHERE code = $2) AS reseller`,
      [CARRIER, RESELLER],
    )).rows;
    await db.query(`CREATE TABLE floor_numbers_${run} (LIKE numbers INCLUDING ALL)`);
    await db.query(`CREATE TABLE floor_changes_${run} (LIKE number_changes INCLUDING ALL)`);
    const line = (suffix: string) => (i: number) => {
      const r = row(i);
      return `${bulkFirst(run) + i},${carrier},${r.resellerCode ? reseller : ""},${r.status},${PROVINCE}${suffix}\n`;
    };
    const columns = "number, carrier_id, reseller_id, status, province";
    const seconds = (await copyInto(db, `floor_numbers_${run}`, columns, line(""))) +
      (await copyInto(db, `floor_changes_${run}`, `${columns}, cause`, line(",SYNC")));
    await db.query(`DROP TABLE floor_numbers_${run}, floor_changes_${run}`);
    return seconds;
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const db = await scratchDatabase(ADMIN_URL);
  const secrets = serverSecrets();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    // A 10,000-item batch is about 0.6 MB of JSON, under the default 2 MiB body limit.
    server = await startServer(db.url, secrets);
    const pid = server.pid;
    console.log(`server pid ${pid} on ${server.base}, database ${db.name}; ${N} numbers, batch ${BATCH}, concurrency ${CONCURRENCY}`);

    const adminToken = await token(secrets.jwtSecret, "PLATFORM", Role.ADMIN);
    await gql(server.graphql, adminToken, CREATE_ORG, { input: { code: CARRIER, name: "Bench Carrier", kind: "CARRIER", province: PROVINCE } });
    await gql(server.graphql, adminToken, CREATE_ORG, { input: { code: RESELLER, name: "Bench Reseller", kind: "RESELLER" } });
    const carrierToken = await token(secrets.jwtSecret, CARRIER, Role.CARRIER);

    const rssBefore = procKb(pid, "VmRSS");
    let rssMaxSampled = rssBefore;
    const sampler = setInterval(() => {
      try { rssMaxSampled = Math.max(rssMaxSampled, procKb(pid, "VmRSS")); } catch { /* exited */ }
    }, 100);
    let apiSeconds = NaN;
    try {
      if (!BULK_ONLY) apiSeconds = await apiLoad(server.graphql, carrierToken);
    } finally {
      clearInterval(sampler);
    }
    const hwm = procKb(pid, "VmHWM");

    // The bulk path against its floor, alternating, each run on fresh numbers (or fresh tables).
    const bulkSeconds: number[] = [];
    const floorSeconds: number[] = [];
    let bulkRssMax = procKb(pid, "VmRSS");
    const bulkSampler = setInterval(() => {
      try { bulkRssMax = Math.max(bulkRssMax, procKb(pid, "VmRSS")); } catch { /* exited */ }
    }, 100);
    try {
      for (let run = 0; run < RUNS; run++) {
        bulkSeconds.push(await bulkLoad(server.base, carrierToken, run));
        floorSeconds.push(await shapedCopy(db.url, run));
        console.log(`  run ${run + 1}: bulk ${fmt(N / bulkSeconds[run])} numbers/s, shaped COPY ${fmt(N / floorSeconds[run])} numbers/s, ` +
          `${fmt((100 * floorSeconds[run]) / bulkSeconds[run], 1)} %`);
      }
    } finally {
      clearInterval(bulkSampler);
    }
    const bulkHwm = procKb(pid, "VmHWM");
    await stopServer(server);

    const mb = (kb: number) => kb / 1024;
    const ratios = bulkSeconds.map((b, r) => (100 * floorSeconds[r]) / b);
    const bulkReport = () => {
      console.log(`\nbulk (POST /bulk/numbers), ${RUNS} runs of ${fmt(N)} new numbers each`);
      bulkSeconds.forEach((b, r) => console.log(`  run ${r + 1}               bulk ${fmt(b, 2)} s  ${fmt(N / b)} numbers/s   shaped COPY ${fmt(floorSeconds[r], 2)} s  ` +
        `${fmt(N / floorSeconds[r])} numbers/s   ${fmt(ratios[r], 1)} %`));
      console.log(`bulk, median           ${fmt(median(bulkSeconds), 2)} s  ${fmt(N / median(bulkSeconds))} numbers/s`);
      console.log(`shaped COPY, median    ${fmt(median(floorSeconds), 2)} s  ${fmt(N / median(floorSeconds))} numbers/s`);
      console.log(`bulk / shaped COPY     ${fmt(median(ratios), 1)} % (median of the runs' ratios)   target >= 70 %   ${median(ratios) >= 70 ? "PASS" : "MISS"}`);
      console.log(`server RSS, bulk       ${fmt(mb(bulkRssMax), 1)} MB max sampled; peak (VmHWM, ${BULK_ONLY ? "bulk only" : "whole run"}) ${fmt(mb(bulkHwm), 1)} MB   ` +
        `target < 300 MB   ${mb(bulkHwm) < 300 ? "PASS" : "MISS"}`);
    };
    if (BULK_ONLY) {
      bulkReport();
      return;
    }
    const copy = await copyLoad(db.url);

    const apiRate = N / apiSeconds, copyRate = N / copy.plain, ratio = (100 * apiRate) / copyRate;
    const shapedRate = N / copy.shaped;
    console.log(`\nnumbers                ${fmt(N)} (batch ${BATCH}, concurrency ${CONCURRENCY})`);
    console.log(`API (syncNumbers)      ${fmt(apiSeconds, 2)} s  ${fmt(apiRate)} numbers/s`);
    console.log(`COPY (baseline)        ${fmt(copy.plain, 2)} s  ${fmt(copyRate)} numbers/s`);
    console.log(`COPY, registry-shaped  ${fmt(copy.shaped, 2)} s  ${fmt(shapedRate)} numbers/s  (${fmt((100 * shapedRate) / copyRate, 1)} % of the baseline)`);
    console.log(`API / COPY             ${fmt(ratio, 1)} %   target >= 40 %   ${ratio >= 40 ? "PASS" : "MISS"}`);
    console.log(`API / shaped COPY      ${fmt((100 * apiRate) / shapedRate, 1)} %`);
    console.log(`server RSS             ${fmt(mb(rssBefore), 1)} MB before load, ${fmt(mb(rssMaxSampled), 1)} MB max sampled, ${fmt(mb(hwm), 1)} MB peak (VmHWM)`);
    console.log(`peak RSS               ${fmt(mb(hwm), 1)} MB   target < 400 MB   ${mb(hwm) < 400 ? "PASS" : "MISS"}`);
    bulkReport();
  } finally {
    if (server) await stopServer(server).catch(() => undefined);
    await db.drop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}

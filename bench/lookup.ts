/**
 * Public look-up benchmark: how many lookupNumber queries a second the API answers,
 * against the practical ceiling of the same question on the same machine: a bare
 * node:http server that answers with one prepared `pg` statement.
 *
 *   npm run bench:lookup -- [--numbers 1000000] [--duration 20] [--connections 50] [--warmup 5]
 *                           [--database-url URL] [--wait-quiet S] [--profile DIR] [--log-level info]
 *
 * On a scratch database of the PostgreSQL server at --database-url (or BENCH_DATABASE_URL)
 * the API server (dist/src/main.js, production mode) gets a carrier group with a provincial
 * branch and a reseller, created through the API; the branch publishes --numbers numbers.
 * SQL then gives 30% of them a subscriber (most VERIFIED), so the answers vary: in service,
 * verified or not, stopped, not in service. The ceiling is this file run again as a child
 * process (--serve-ceiling), so neither server shares an event loop with the load generator
 * (autocannon, in this process). Both servers have a pool of 10 connections.
 *
 * Each request asks for a random existing number, without a token (PUBLIC). Both servers
 * are warmed up, then loaded one after the other: API, ceiling, API again; the better API
 * run counts. Every response body is checked to be a lookupNumber answer without errors,
 * and a sample of answers must be the same from both servers.
 *
 * --wait-quiet S waits up to S seconds, after seeding, for the machine to be idle (< 10% busy
 * for 15 s) before the runs. Whether or not it waits, the table shows, for each run, the CPU
 * of the server, of its PostgreSQL backends, of the load generator and of everything else.
 *
 * --profile DIR starts both servers with --inspect and records a CPU profile of each over the
 * DevTools protocol during its first measured run (DIR/api.cpuprofile, DIR/ceiling.cpuprofile;
 * --cpu-prof is not allowed in NODE_OPTIONS). The figures of such a run are slowed by the profiler.
 *
 * The API logs as in production: LOG_LEVEL --log-level (info, the production default), and LOG_REQUESTS
 * from the environment (unset: production's default, sampled), its lines on this process's stdout.
 *
 * Target: API requests/s >= 50% of the ceiling's; no non-2xx, errors or wrong bodies.
 * Results: docs/BENCHMARKS.md.
 */
import { spawn, ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { Client, Pool } from "pg";
import WebSocket from "ws";
import { canonicalNumber } from "../src/modules/numbers/number-format";
import { Role } from "../src/shared/auth/roles";
import { LOOKUP_SQL } from "../src/modules/lookup/lookup-sql"; // the statement LookupService.lookup runs
import {
  CREATE_ORG, adminUrl, arg, backendSeconds, backendSecondsSince, cpuSeconds, fmt, machineJiffies, freePort, gql, positiveInt, quantile, scratchDatabase, serverSecrets, startServer, stopServer, token,
} from "./lib";

const FIRST_NUMBER = 4001000000;
const GROUP = "BENCH-CT";
const BRANCH = "BENCH-CT-21";
const RESELLER = "BENCH-RS";
const SUBSCRIBERS = 2000;
/** The API's default DB_POOL_SIZE; the ceiling gets the same. */
const POOL_SIZE = 10;

const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status verified carrierName subscriberName } }`;



/**
 * The ceiling: node:http, JSON.parse of the body, the number's canonical form, one named
 * prepared statement, the answer in GraphQL's response shape. Nothing else.
 */
function serveCeiling(): void {
  const pool = new Pool({ connectionString: process.env.CEILING_DATABASE_URL, max: POOL_SIZE });
  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const number = canonicalNumber(JSON.parse(Buffer.concat(chunks).toString("utf8")).variables?.n);
        if (number === null) return reply(res, 400, { errors: [{ message: "not a 400 number" }] });
        const { rows: [row] } = await pool.query({ name: "lookup", text: LOOKUP_SQL, values: [number] });
        const answer = row
          ? { number, status: row.status, verified: row.verified, carrierName: row.carrierName, subscriberName: row.subscriberName }
          : { number, status: "NOT_IN_SERVICE", verified: false, carrierName: null, subscriberName: null };
        reply(res, 200, { data: { lookupNumber: answer } });
      } catch (error) {
        reply(res, 500, { errors: [{ message: (error as Error).message }] });
      }
    });
  });
  server.listen(Number(process.env.CEILING_PORT), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
}

const N = positiveInt("numbers", 1_000_000);
const DURATION = positiveInt("duration", 20);
const CONNECTIONS = positiveInt("connections", 50);
const WARMUP = positiveInt("warmup", 5);
const PROFILE_DIR = arg("profile", "");
const WAIT_QUIET = Number(arg("wait-quiet", "0"));
const LOG_LEVEL = arg("log-level", "info");
if (!(WAIT_QUIET >= 0)) throw new Error("--wait-quiet must be a number of seconds >= 0");

const randomNumber = () => String(FIRST_NUMBER + Math.floor(Math.random() * N));
const [BODY_HEAD, BODY_TAIL] = JSON.stringify({ query: LOOKUP, variables: { n: "@" } }).split("@");
const ANSWER_HEAD = '{"data":{"lookupNumber":{"number":"';

/** Moves 30% of the numbers to a subscriber (SQL; number_changes is not written, the look-up does not read it). */
async function varyAnswers(dbUrl: string): Promise<void> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query("BEGIN");
    const { rows: [ids] } = await db.query(
      `SELECT (SELECT id FROM organizations WHERE code = $1) AS branch, (SELECT id FROM organizations WHERE code = $2) AS reseller`,
      [BRANCH, RESELLER],
    );
    // Every 10th company is still SUBMITTED, the others VERIFIED by the carrier.
    await db.query(
      `INSERT INTO subscribers (reseller_id, name, uscc, legal_rep_name, legal_rep_id_sealed, legal_rep_id_hash, handler_name,
                                handler_id_sealed, handler_id_hash, landline, address, business_scope, declared_use,
                                identity_status, submitted_at, verified_at, verified_by)
       SELECT $1, 'Bench Trading Co. ' || i, lpad(i::text, 18, '0'), 'Legal Rep ' || i, 'sealed', encode(sha256(('rep' || i)::bytea), 'hex'),
              'Handler ' || i, 'sealed', encode(sha256(('handler' || i)::bytea), 'hex'), '010-' || lpad(i::text, 8, '0'),
              'Shenyang', 'Software', 'Customer service',
              CASE WHEN i % 10 = 0 THEN 'SUBMITTED' ELSE 'VERIFIED' END, now(),
              CASE WHEN i % 10 = 0 THEN NULL ELSE now() END, CASE WHEN i % 10 = 0 THEN NULL ELSE $2::uuid END
         FROM generate_series(1, ${SUBSCRIBERS}) AS i`,
      [ids.reseller, ids.branch],
    );
    // Offsets 0-2 of every ten: sold (PENDING_VERIFICATION); 0-1 then ACTIVE where the company is VERIFIED;
    // offsets 1 and 11 of every hundred then SUSPENDED. The rest stay SPARE (not in service).
    const offset = `(n.number::bigint - ${FIRST_NUMBER})`;
    await db.query(
      `WITH s AS (SELECT id, reseller_id, row_number() OVER (ORDER BY seq) - 1 AS k FROM subscribers)
       UPDATE numbers n SET status = 'PENDING_VERIFICATION', subscriber_id = s.id, reseller_id = s.reseller_id
         FROM s WHERE ${offset} % 10 < 3 AND s.k = (${offset} / 10) % ${SUBSCRIBERS}`,
    );
    await db.query(
      `UPDATE numbers n SET status = 'ACTIVE' FROM subscribers s
        WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED' AND n.status = 'PENDING_VERIFICATION' AND ${offset} % 10 < 2`,
    );
    await db.query(`UPDATE numbers n SET status = 'SUSPENDED' WHERE n.status = 'ACTIVE' AND ${offset} % 100 IN (1, 11)`);
    await db.query("COMMIT");
    await db.query("VACUUM ANALYZE numbers, subscribers, organizations");
  } finally {
    await db.end();
  }
}

async function startCeiling(dbUrl: string, env: Record<string, string>): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [__filename, "--serve-ceiling"], {
    env: { ...process.env, CEILING_DATABASE_URL: dbUrl, CEILING_PORT: String(port), ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the ceiling server exited with code ${child.exitCode}`);
      try { if ((await post(url, randomNumber())).status === 200) break; } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error("the ceiling server was not ready within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stopServer(child);
    throw error;
  }
  return { process: child, url };
}

async function post(url: string, number: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: BODY_HEAD + number + BODY_TAIL });
  return { status: res.status, text: await res.text() };
}

/** Asks both servers the same numbers: the answers must be equal and free of errors; returns how they vary. */
async function crossCheck(apiUrl: string, ceilingUrl: string, count: number): Promise<string> {
  const tally = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const number = randomNumber();
    const [api, ceiling] = await Promise.all([post(apiUrl, number), post(ceilingUrl, number)]);
    const a = JSON.parse(api.text);
    if (api.status !== 200 || a.errors || a.data?.lookupNumber?.number !== number) throw new Error(`API answered ${number} with ${api.status} ${api.text}`);
    if (JSON.stringify(a) !== JSON.stringify(JSON.parse(ceiling.text))) {
      throw new Error(`the answers for ${number} differ:\n  API     ${api.text}\n  ceiling ${ceiling.text}`);
    }
    const { status, verified } = a.data.lookupNumber;
    const key = `${status}${verified ? " verified" : ""}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return [...tally].sort().map(([k, v]) => `${k} ${v}`).join(", ");
}

/** Waits up to `seconds` for 15 s in a row of < 10% machine CPU; true when it came. */
async function waitQuiet(seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  let quiet = 0;
  let before = machineJiffies();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5000));
    const now = machineJiffies();
    quiet = (now.busy - before.busy) / (now.total - before.total) < 0.1 ? quiet + 1 : 0;
    before = now;
    if (quiet >= 3) return true;
  }
  return false;
}

interface Profiler {
  start(): Promise<unknown>;
  /** Stops and writes the profile (open it in Chrome DevTools or speedscope). */
  stop(file: string): Promise<void>;
  close(): void;
}

/** The CPU profiler of a process started with --inspect on this port, over the DevTools protocol. */
async function attachProfiler(port: number): Promise<Profiler> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await once(socket, "open");
  const pending = new Map<number, (message: { result?: any; error?: { message: string } }) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  let next = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => {
      const id = ++next;
      pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  return {
    start: () => send("Profiler.start"),
    stop: async (file) => writeFileSync(file, JSON.stringify((await send("Profiler.stop")).profile)),
    close: () => socket.close(),
  };
}

interface Measure {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  /**
   * CPU in % of one core: the server process, its PostgreSQL backends, the load generator (this
   * process), and everything else on the machine (other processes, the kernel's own work).
   */
  serverCpu: number;
  databaseCpu: number;
  loadCpu: number;
  otherCpu: number;
}

/** One autocannon run against url for seconds; latencies are kept at full resolution here. */
async function load(label: string, url: string, serverPid: number, database: string, seconds: number): Promise<Measure> {
  const latencies: number[] = [];
  const server0 = cpuSeconds(serverPid), load0 = process.cpuUsage(), machine0 = machineJiffies(), backends0 = backendSeconds(database);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{ setupRequest: (request) => ({ ...request, body: BODY_HEAD + randomNumber() + BODY_TAIL }) }],
      verifyBody: (body) => typeof body === "string" && body.startsWith(ANSWER_HEAD) && !body.includes('"errors"'),
    }, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const wall = result.duration;
  const loadUsed = process.cpuUsage(load0);
  const machine1 = machineJiffies();
  const backends = backendSecondsSince(database, backends0);
  latencies.sort((x, y) => x - y);
  const cpu = (seconds: number) => (100 * seconds) / wall;
  const serverCpu = cpu(cpuSeconds(serverPid) - server0);
  const databaseCpu = cpu(backends);
  const loadCpu = cpu((loadUsed.user + loadUsed.system) / 1e6);
  const machineCpu = (100 * cpus().length * (machine1.busy - machine0.busy)) / (machine1.total - machine0.total);
  return {
    label,
    rps: result.requests.total / wall,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    serverCpu,
    databaseCpu,
    loadCpu,
    otherCpu: Math.max(0, machineCpu - serverCpu - databaseCpu - loadCpu),
  };
}

async function main(): Promise<void> {
  const db = await scratchDatabase(adminUrl());
  const secrets = serverSecrets();
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const inspectPorts = PROFILE_DIR ? { api: await freePort(), ceiling: await freePort() } : null;
  const inspect = (port: number | undefined): Record<string, string> =>
    port ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --inspect=127.0.0.1:${port}`.trim() } : {};
  const profilers: Profiler[] = [];
  let api: Awaited<ReturnType<typeof startServer>> | undefined;
  let ceiling: ChildProcess | undefined;
  try {
    api = await startServer(db.url, secrets, { DB_POOL_SIZE: String(POOL_SIZE), LOG_LEVEL, ...inspect(inspectPorts?.api) });
    const admin = await token(secrets.jwtSecret, "PLATFORM", Role.ADMIN);
    await gql(api.graphql, admin, CREATE_ORG, { input: { code: GROUP, name: "Bench Telecom Group", kind: "CARRIER" } });
    await gql(api.graphql, admin, CREATE_ORG, { input: { code: BRANCH, name: "Bench Telecom Liaoning", kind: "CARRIER", province: "21", parentCode: GROUP } });
    await gql(api.graphql, admin, CREATE_ORG, { input: { code: RESELLER, name: "Bench Reseller", kind: "RESELLER", province: "21" } });
    const carrier = await token(secrets.jwtSecret, BRANCH, Role.CARRIER);
    const t0 = performance.now();
    for (let start = 0; start < N; start += 1_000_000) {
      await gql(api.graphql, carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, {
        s: String(FIRST_NUMBER + start), e: String(FIRST_NUMBER + Math.min(N, start + 1_000_000) - 1),
      });
    }
    const t1 = performance.now();
    await varyAnswers(db.url);
    const t2 = performance.now();

    const started = await startCeiling(db.url, inspect(inspectPorts?.ceiling));
    ceiling = started.process;
    const sample = await crossCheck(api.graphql, started.url, 500);
    console.log(`API pid ${api.pid} ${api.base}, ceiling pid ${ceiling.pid}, database ${db.name}; ${fmt(N)} numbers ` +
      `(published in ${fmt((t1 - t0) / 1000, 1)} s, varied in ${fmt((t2 - t1) / 1000, 1)} s)`);
    console.log(`500 answers, equal from both servers: ${sample}`);
    if (WAIT_QUIET > 0) console.log((await waitQuiet(WAIT_QUIET)) ? "the machine is quiet" : `the machine was not quiet within ${WAIT_QUIET} s: running anyway`);
    console.log(`API logging: LOG_LEVEL=${LOG_LEVEL}, LOG_REQUESTS=${process.env.LOG_REQUESTS || "(production default)"}`);
    console.log(`load average before the runs: ${loadavg().map((x) => fmt(x, 2)).join(" ")}; ${CONNECTIONS} connections, ` +
      `${WARMUP} s warm-up each, ${DURATION} s a run${PROFILE_DIR ? `; PROFILED (API run 1 and ceiling, into ${PROFILE_DIR}): figures are slowed` : ""}`);

    await load("warm-up", api.graphql, api.pid, db.name, WARMUP);
    await load("warm-up", started.url, ceiling.pid!, db.name, WARMUP);
    const profiled = async (name: "api" | "ceiling", run: () => Promise<Measure>): Promise<Measure> => {
      if (!inspectPorts) return run();
      const profiler = await attachProfiler(inspectPorts[name]);
      profilers.push(profiler);
      await profiler.start();
      const measure = await run();
      await profiler.stop(path.join(PROFILE_DIR, `${name}.cpuprofile`));
      return measure;
    };
    const runs = [
      await profiled("api", () => load("API, run 1", api!.graphql, api!.pid, db.name, DURATION)),
      await profiled("ceiling", () => load("ceiling", started.url, ceiling!.pid!, db.name, DURATION)),
      await load("API, run 2", api.graphql, api.pid, db.name, DURATION),
    ];
    const after = await crossCheck(api.graphql, started.url, 100);

    console.log(`\n${"".padEnd(12)} ${"req/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}  non-2xx errors timeouts bad-body` +
      `   CPU, % of a core: server  its PostgreSQL  load generator  everything else`);
    for (const m of runs) {
      console.log(`${m.label.padEnd(12)} ${fmt(m.rps).padStart(8)} ${fmt(m.p50, 2).padStart(8)} ${fmt(m.p99, 2).padStart(8)}  ` +
        `${String(m.non2xx).padStart(7)} ${String(m.errors).padStart(6)} ${String(m.timeouts).padStart(8)} ${String(m.mismatches).padStart(8)}` +
        `${fmt(m.serverCpu).padStart(26)}${fmt(m.databaseCpu).padStart(15)}${fmt(m.loadCpu).padStart(16)}${fmt(m.otherCpu).padStart(17)}`);
    }
    const [api1, top, api2] = runs;
    const best = api2.rps > api1.rps ? api2 : api1;
    const ratio = (100 * best.rps) / top.rps;
    const failures = runs.reduce((s, m) => s + m.non2xx + m.errors + m.timeouts + m.mismatches, 0);
    console.log(`\nafter the runs: 100 more answers equal from both servers (${after})`);
    console.log(`API / ceiling          ${fmt(ratio, 1)} % (the better API run: ${best.label})   target >= 50 %   ${ratio >= 50 ? "PASS" : "MISS"}`);
    console.log(`non-2xx, errors, timeouts, bad bodies: ${failures}   target 0   ${failures === 0 ? "PASS" : "MISS"}`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    for (const profiler of profilers) profiler.close();
    if (ceiling) await stopServer(ceiling).catch(() => undefined);
    if (api) await stopServer(api).catch(() => undefined);
    await db.drop();
  }
}

if (require.main === module && process.argv.includes("--serve-ceiling")) {
  serveCeiling();
} else if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}

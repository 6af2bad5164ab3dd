/**
 * Public look-up benchmark: how many lookupNumber queries a second the API answers, against
 * two baselines on the same machine, on the same database, with the same pool of 10 connections:
 * - the ceiling: the practical ceiling of the same question, a bare node:http server that
 *   answers with one prepared `pg` statement;
 * - PostGraphile v4 (4.14.1), an off-the-shelf GraphQL server over PostgreSQL.
 *
 *   npm run bench:lookup -- [--numbers 1000000] [--duration 20] [--connections 50] [--warmup 5] [--runs 3]
 *                           [--database-url URL] [--wait-quiet S] [--profile DIR] [--log-level info]
 *
 * On a scratch database of the PostgreSQL server at --database-url (or BENCH_DATABASE_URL)
 * the API server (dist/src/main.js, production mode) gets a carrier group with a provincial
 * branch and a reseller, created through the API; the branch publishes --numbers numbers.
 * SQL then gives 30% of them a subscriber (most VERIFIED), so the answers vary: in service,
 * verified or not, stopped, not in service. The ceiling is this file run again as a child
 * process (--serve-ceiling), so no server shares an event loop with the load generator
 * (autocannon, in this process).
 *
 * PostGraphile is a dev dependency of this benchmark only, a package of its own in
 * bench/postgraphile (it needs graphql <= 15, the app pins 16): when its node_modules is
 * missing, the benchmark runs `npm ci --prefix bench/postgraphile` first. It exposes exactly
 * one thing: schema bench_lookup, created in the scratch database, with the STABLE SQL function
 * bench_lookup.public_lookup(n text), which runs LOOKUP_SQL (the API's very statement, $1 being
 * the function's argument) and answers number, status, verified, carrier_name, subscriber_name
 * (a number it does not find: NOT_IN_SERVICE, as the ceiling answers). PostGraphile runs as a
 * child process, production-like: NODE_ENV=production, --disable-query-log, no GraphiQL, no
 * watch, default mutations disabled; it is asked `publicLookup(n: $n) { number status verified
 * carrierName subscriberName }` with the canonical number (the requests only send those).
 *
 * Each request asks for a random existing number, without a token (PUBLIC). The three servers
 * are warmed up, then --runs rounds follow; a round loads each server for --duration seconds,
 * one after the other, in an order that rotates from round to round (API, ceiling,
 * PostGraphile; then ceiling, PostGraphile, API; ...) to spread the machine's drift. The table
 * shows every run; then, per round, API / ceiling and API / PostGraphile in requests/s, each
 * against its baseline's run of the same round, and the medians of those ratios across rounds
 * (never the best run alone). Every response body is checked to be an answer without errors;
 * before and after the runs a sample of answers (500; 200 of them from PostGraphile too) must
 * be the same from every server (number, status, verified, carrierName, subscriberName).
 *
 * --wait-quiet S waits up to S seconds, after seeding, for the machine to be idle (< 10% busy
 * for 15 s) before the runs. Whether or not it waits, the table shows, for each run, the CPU
 * of the server, of its PostgreSQL backends, of the load generator and of everything else.
 *
 * --profile DIR starts the API and the ceiling with --inspect and records a CPU profile of each
 * over the DevTools protocol during its first measured run, in round 1 (DIR/api.cpuprofile,
 * DIR/ceiling.cpuprofile; --cpu-prof is not allowed in NODE_OPTIONS). The figures of those runs,
 * and so round 1's ratios, are slowed by the profiler.
 *
 * The API logs as in production: LOG_LEVEL --log-level (info, the production default), and LOG_REQUESTS
 * from the environment (unset: production's default, sampled), its lines on this process's stdout.
 *
 * Targets: API requests/s >= 50% of the ceiling's, by the median of the rounds and in every
 * round (the issue: "in every quiet run"); the API ahead of PostGraphile (median API /
 * PostGraphile > 100%); no non-2xx, errors, timeouts or wrong bodies from any server.
 * Results: docs/BENCHMARKS.md.
 */
import { spawn, ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
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
  CREATE_ORG, adminUrl, arg, backendSeconds, backendSecondsSince, cpuSeconds, fmt, machineJiffies, freePort, gql, median, positiveInt, quantile, scratchDatabase, serverSecrets, startServer, stopServer, token,
} from "./lib";

const FIRST_NUMBER = 4001000000;
const GROUP = "BENCH-CT";
const BRANCH = "BENCH-CT-21";
const RESELLER = "BENCH-RS";
const SUBSCRIBERS = 2000;
/** The API's default DB_POOL_SIZE; the ceiling gets the same. */
const POOL_SIZE = 10;

const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status verified carrierName subscriberName } }`;
/** The same question to PostGraphile: bench_lookup.public_lookup(n), as PostGraphile names it (introspected). */
const PG_LOOKUP = `query($n: String!) { publicLookup(n: $n) { number status verified carrierName subscriberName } }`;
/** The fields of an answer that every server must give alike. */
const ANSWER_FIELDS = ["number", "status", "verified", "carrierName", "subscriberName"] as const;



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
const RUNS = positiveInt("runs", 3);
const PROFILE_DIR = arg("profile", "");
const WAIT_QUIET = Number(arg("wait-quiet", "0"));
const LOG_LEVEL = arg("log-level", "info");
if (!(WAIT_QUIET >= 0)) throw new Error("--wait-quiet must be a number of seconds >= 0");

const randomNumber = () => String(FIRST_NUMBER + Math.floor(Math.random() * N));

/** A server under load, and how to ask it: a request body is head + number + tail; a good answer starts with answerHead. */
interface Target {
  name: "API" | "ceiling" | "PostGraphile";
  url: string;
  pid: number;
  bodyHead: string;
  bodyTail: string;
  answerHead: string;
  /** The answer object in a parsed response body. */
  answer(body: any): any;
}

function asking(query: string, field: string): Pick<Target, "bodyHead" | "bodyTail" | "answerHead" | "answer"> {
  const [bodyHead, bodyTail] = JSON.stringify({ query, variables: { n: "@" } }).split("@");
  return { bodyHead, bodyTail, answerHead: `{"data":{"${field}":{"number":"`, answer: (body) => body?.data?.[field] };
}
/** How the API and the ceiling are asked (the ceiling answers in the API's response shape). */
const LOOKUP_NUMBER = asking(LOOKUP, "lookupNumber");
const PUBLIC_LOOKUP = asking(PG_LOOKUP, "publicLookup");

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
      try { if ((await post(url, LOOKUP_NUMBER, randomNumber())).status === 200) break; } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error("the ceiling server was not ready within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stopServer(child);
    throw error;
  }
  return { process: child, url };
}

async function post(url: string, asked: Pick<Target, "bodyHead" | "bodyTail">, number: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: asked.bodyHead + number + asked.bodyTail });
  return { status: res.status, text: await res.text() };
}

/** Where bench/postgraphile is: next to this file (bench/) or, compiled (dist/bench/), in the sources. */
function postgraphileDir(): string {
  const dirs = [path.resolve(__dirname, "postgraphile"), path.resolve(__dirname, "..", "..", "bench", "postgraphile")];
  const dir = dirs.find((d) => existsSync(path.join(d, "package.json")));
  if (!dir) throw new Error(`bench/postgraphile/package.json not found (looked in ${dirs.join(", ")})`);
  return dir;
}

/** PostGraphile's CLI, installed from bench/postgraphile's lock file (`npm ci`) when node_modules is missing. */
async function installPostGraphile(): Promise<string> {
  const dir = postgraphileDir();
  const cli = path.join(dir, "node_modules", "postgraphile", "cli.js");
  if (!existsSync(path.join(dir, "node_modules")) || !existsSync(cli)) {
    console.log(`installing PostGraphile into ${path.join(dir, "node_modules")} (npm ci)`);
    const npm = spawn("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], { stdio: "inherit" });
    const [code] = (await once(npm, "exit")) as [number | null];
    if (code !== 0 || !existsSync(cli)) throw new Error(`npm ci --prefix ${dir} failed (exit code ${code})`);
  }
  return cli;
}

/**
 * What PostGraphile exposes, and nothing else: schema bench_lookup with public_lookup(n), a STABLE
 * SQL function running LOOKUP_SQL ($1 is the function's first argument) that answers as the ceiling does.
 */
async function createPostGraphileSchema(dbUrl: string): Promise<void> {
  if (!LOOKUP_SQL.includes("$1") || /\$([02-9]|1\d)/.test(LOOKUP_SQL) || LOOKUP_SQL.includes("$fn$")) {
    throw new Error("LOOKUP_SQL no longer takes exactly one parameter, $1: bench_lookup.public_lookup needs updating");
  }
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query(`CREATE SCHEMA bench_lookup;
      CREATE TYPE bench_lookup.lookup_answer AS (number text, status text, verified boolean, carrier_name text, subscriber_name text);
      CREATE FUNCTION bench_lookup.public_lookup(n text) RETURNS bench_lookup.lookup_answer LANGUAGE sql STABLE AS $fn$
        SELECT $1, coalesce(l.status, 'NOT_IN_SERVICE'), coalesce(l.verified, false), l."carrierName", l."subscriberName"
          FROM (SELECT) AS one LEFT JOIN LATERAL (${LOOKUP_SQL}) AS l ON true
      $fn$;`);
  } finally {
    await db.end();
  }
}

/** PostGraphile on 127.0.0.1, production-like, on the database's bench_lookup schema; ready when it answers the look-up. */
async function startPostGraphile(cli: string, dbUrl: string): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [
    cli, "--connection", dbUrl, "--schema", "bench_lookup", "--host", "127.0.0.1", "--port", String(port),
    "--max-pool-size", String(POOL_SIZE), "--disable-default-mutations", "--disable-graphiql", "--disable-query-log",
  ], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "inherit", "inherit"] });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`PostGraphile exited with code ${child.exitCode}`);
      let res: { status: number; text: string } | undefined;
      try { res = await post(url, PUBLIC_LOOKUP, randomNumber()); } catch { /* not listening yet */ }
      if (res) {
        if (res.status === 200 && res.text.startsWith(PUBLIC_LOOKUP.answerHead) && !res.text.includes('"errors"')) break;
        throw new Error(`PostGraphile answered the look-up with ${res.status} ${res.text.slice(0, 500)}`);
      }
      if (Date.now() > deadline) throw new Error("PostGraphile was not ready within 60 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stopServer(child);
    throw error;
  }
  return { process: child, url };
}

/**
 * Asks the API and the ceiling the same `count` numbers, the first `postgraphileCount` of them PostGraphile
 * too: the answers must be free of errors and equal to the API's; returns how they vary.
 */
async function crossCheck(api: Target, ceiling: Target, postgraphile: Target, count: number, postgraphileCount: number): Promise<string> {
  const tally = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const number = randomNumber();
    const others = i < postgraphileCount ? [ceiling, postgraphile] : [ceiling];
    const [a, ...rest] = await Promise.all([api, ...others].map((t) => post(t.url, t, number)));
    const body = JSON.parse(a.text);
    const answer = api.answer(body);
    if (a.status !== 200 || body.errors || answer?.number !== number) throw new Error(`API answered ${number} with ${a.status} ${a.text}`);
    others.forEach((other, k) => {
      const { status, text } = rest[k];
      let theirs: any;
      try { theirs = JSON.parse(text); } catch { /* reported below */ }
      const equal = status === 200 && theirs && !theirs.errors && other.answer(theirs) &&
        ANSWER_FIELDS.every((f) => other.answer(theirs)[f] === answer[f]) && Object.keys(other.answer(theirs)).length === ANSWER_FIELDS.length;
      if (!equal) throw new Error(`the answers for ${number} differ:\n  API ${"".padEnd(12)} ${a.text}\n  ${other.name.padEnd(16)} ${status} ${text}`);
    });
    const key = `${answer.status}${answer.verified ? " verified" : ""}`;
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
async function load(label: string, target: Target, database: string, seconds: number): Promise<Measure> {
  const { url, pid: serverPid, bodyHead, bodyTail, answerHead } = target;
  const latencies: number[] = [];
  const server0 = cpuSeconds(serverPid), load0 = process.cpuUsage(), machine0 = machineJiffies(), backends0 = backendSeconds(database);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{ setupRequest: (request) => ({ ...request, body: bodyHead + randomNumber() + bodyTail }) }],
      verifyBody: (body) => typeof body === "string" && body.startsWith(answerHead) && !body.includes('"errors"'),
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
  const postgraphileCli = await installPostGraphile();
  const db = await scratchDatabase(adminUrl());
  const secrets = serverSecrets();
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const inspectPorts = PROFILE_DIR ? { api: await freePort(), ceiling: await freePort() } : null;
  const inspect = (port: number | undefined): Record<string, string> =>
    port ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --inspect=127.0.0.1:${port}`.trim() } : {};
  const profilers: Profiler[] = [];
  let api: Awaited<ReturnType<typeof startServer>> | undefined;
  let ceiling: ChildProcess | undefined;
  let postgraphile: ChildProcess | undefined;
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

    const startedCeiling = await startCeiling(db.url, inspect(inspectPorts?.ceiling));
    ceiling = startedCeiling.process;
    await createPostGraphileSchema(db.url);
    const startedPostGraphile = await startPostGraphile(postgraphileCli, db.url);
    postgraphile = startedPostGraphile.process;
    const apiTarget: Target = { name: "API", url: api.graphql, pid: api.pid, ...LOOKUP_NUMBER };
    const ceilingTarget: Target = { name: "ceiling", url: startedCeiling.url, pid: ceiling.pid!, ...LOOKUP_NUMBER };
    const postgraphileTarget: Target = { name: "PostGraphile", url: startedPostGraphile.url, pid: postgraphile.pid!, ...PUBLIC_LOOKUP };
    const targets = [apiTarget, ceilingTarget, postgraphileTarget];

    const sample = await crossCheck(apiTarget, ceilingTarget, postgraphileTarget, 500, 200);
    console.log(`API pid ${api.pid} ${api.base}, ceiling pid ${ceiling.pid}, PostGraphile pid ${postgraphile.pid} ${startedPostGraphile.url}, ` +
      `database ${db.name}; ${fmt(N)} numbers (published in ${fmt((t1 - t0) / 1000, 1)} s, varied in ${fmt((t2 - t1) / 1000, 1)} s)`);
    console.log(`500 answers, equal from the API and the ceiling, the first 200 from PostGraphile too: ${sample}`);
    if (WAIT_QUIET > 0) console.log((await waitQuiet(WAIT_QUIET)) ? "the machine is quiet" : `the machine was not quiet within ${WAIT_QUIET} s: running anyway`);
    console.log(`API logging: LOG_LEVEL=${LOG_LEVEL}, LOG_REQUESTS=${process.env.LOG_REQUESTS || "(production default)"}`);
    console.log(`load average before the runs: ${loadavg().map((x) => fmt(x, 2)).join(" ")}; ${CONNECTIONS} connections, ` +
      `${WARMUP} s warm-up each, ${RUNS} rounds of ${DURATION} s a server` +
      `${PROFILE_DIR ? `; PROFILED (the API's and the ceiling's runs in round 1, into ${PROFILE_DIR}): their figures are slowed` : ""}`);

    for (const target of targets) await load("warm-up", target, db.name, WARMUP);
    const profiled = async (name: "api" | "ceiling", run: () => Promise<Measure>): Promise<Measure> => {
      if (!inspectPorts) return run();
      const profiler = await attachProfiler(inspectPorts[name]);
      profilers.push(profiler);
      await profiler.start();
      const measure = await run();
      await profiler.stop(path.join(PROFILE_DIR, `${name}.cpuprofile`));
      return measure;
    };
    // Round r loads the servers in the order API, ceiling, PostGraphile rotated by r.
    const rounds: Record<Target["name"], Measure>[] = [];
    const runs: Measure[] = [];
    for (let r = 0; r < RUNS; r++) {
      const round = {} as Record<Target["name"], Measure>;
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(k + r) % targets.length];
        const run = () => load(`${r + 1} ${target.name}`, target, db.name, DURATION);
        const m = r === 0 && target.name === "API" ? await profiled("api", run)
          : r === 0 && target.name === "ceiling" ? await profiled("ceiling", run)
          : await run();
        round[target.name] = m;
        runs.push(m);
      }
      rounds.push(round);
    }
    const after = await crossCheck(apiTarget, ceilingTarget, postgraphileTarget, 100, 100);

    console.log(`\n${"round server".padEnd(16)} ${"req/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}  non-2xx errors timeouts bad-body` +
      `   CPU, % of a core: server  its PostgreSQL  load generator  everything else`);
    for (const m of runs) {
      console.log(`${m.label.padEnd(16)} ${fmt(m.rps).padStart(8)} ${fmt(m.p50, 2).padStart(8)} ${fmt(m.p99, 2).padStart(8)}  ` +
        `${String(m.non2xx).padStart(7)} ${String(m.errors).padStart(6)} ${String(m.timeouts).padStart(8)} ${String(m.mismatches).padStart(8)}` +
        `${fmt(m.serverCpu).padStart(26)}${fmt(m.databaseCpu).padStart(15)}${fmt(m.loadCpu).padStart(16)}${fmt(m.otherCpu).padStart(17)}`);
    }
    const toCeiling = rounds.map((round) => (100 * round.API.rps) / round.ceiling.rps);
    const toPostGraphile = rounds.map((round) => (100 * round.API.rps) / round.PostGraphile.rps);
    console.log(`\n${"round".padEnd(8)}${"API / ceiling".padStart(15)}${"API / PostGraphile".padStart(20)}   (requests/s, against the baseline's run of the same round)`);
    rounds.forEach((_, r) => console.log(`${String(r + 1).padEnd(8)}${`${fmt(toCeiling[r], 1)} %`.padStart(15)}${`${fmt(toPostGraphile[r], 1)} %`.padStart(20)}`));
    const medianToCeiling = median(toCeiling);
    const medianToPostGraphile = median(toPostGraphile);
    const worstToCeiling = Math.min(...toCeiling);
    console.log(`${"median".padEnd(8)}${`${fmt(medianToCeiling, 1)} %`.padStart(15)}${`${fmt(medianToPostGraphile, 1)} %`.padStart(20)}`);
    const failures = runs.reduce((s, m) => s + m.non2xx + m.errors + m.timeouts + m.mismatches, 0);
    const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
    console.log(`\nafter the runs: 100 more answers equal from all three servers (${after})`);
    console.log(`API / ceiling, median of ${RUNS} rounds      ${fmt(medianToCeiling, 1).padStart(6)} %   target >= 50 %    ${verdict(medianToCeiling >= 50)}`);
    console.log(`API / ceiling, every round (lowest)   ${fmt(worstToCeiling, 1).padStart(6)} %   target >= 50 %    ${verdict(worstToCeiling >= 50)}`);
    console.log(`API / PostGraphile, median of ${RUNS} rounds ${fmt(medianToPostGraphile, 1).padStart(6)} %   target > 100 %    ${verdict(medianToPostGraphile > 100)}`);
    console.log(`non-2xx, errors, timeouts, bad bodies (all runs, all servers): ${failures}   target 0   ${verdict(failures === 0)}`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    for (const profiler of profilers) profiler.close();
    if (postgraphile) await stopServer(postgraphile).catch(() => undefined);
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

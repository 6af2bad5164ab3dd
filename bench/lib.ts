/** What the benchmarks share: arguments, a scratch database, API servers they start and stop. */
import { spawn, ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Client } from "pg";
import { Role } from "../src/shared/auth/roles";
import { signToken } from "../src/shared/auth/tokens";

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

export function positiveInt(name: string, fallback: number): number {
  const value = Number(arg(name, String(fallback)));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** The admin URL of a running PostgreSQL server: --database-url, BENCH_DATABASE_URL, or the local default. */
export const adminUrl = () => arg("database-url", process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

export const procKb = (pid: number, field: "VmRSS" | "VmHWM"): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
};

export async function gql(url: string, token: string | null, query: string, variables: object = {}): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: any;
  try { body = JSON.parse(text); } catch { throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`); }
  if (!res.ok || body.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

/** A database of its own on the server, dropped by `drop` (also after a failure). */
export async function scratchDatabase(admin: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `registry_bench_${randomBytes(4).toString("hex")}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => console.error(`could not drop ${name}: ${e.message}`));
      await client.end();
    },
  };
}

export interface ApiServer {
  process: ChildProcess;
  pid: number;
  base: string;
  graphql: string;
  ws: string;
}

/** Settings every benchmark server shares; one secret so tokens work on every instance. */
export function serverSecrets() {
  return { jwtSecret: randomBytes(32).toString("hex"), piiKey: randomBytes(32).toString("base64") };
}

/** Starts dist/src/main.js in production mode on the database and waits until it is ready. */
export async function startServer(databaseUrl: string, secrets: ReturnType<typeof serverSecrets>, env: Record<string, string> = {}): Promise<ApiServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, "..", "src", "main.js")], {
    env: {
      ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production",
      JWT_SECRET: secrets.jwtSecret, PII_ENCRYPTION_KEY: secrets.piiKey, SEED_DEMO: "false", LOG_LEVEL: "warn",
      SWEEP_INTERVAL_SECONDS: "0", ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error("the server was not ready within 120 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return { process: child, pid: child.pid!, base, graphql: `${base}/graphql`, ws: `ws://127.0.0.1:${port}/graphql` };
}

export async function stopServer(server: ApiServer | ChildProcess): Promise<void> {
  const child = "process" in server ? server.process : server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(child.pid!, "SIGTERM");
  const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export const token = (secret: string, org: string, role: Exclude<Role, Role.PUBLIC>) =>
  signToken(secret, { sub: `bench-${org.toLowerCase()}`, org, role }, 6 * 3600);

export const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`;

export const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The value at quantile q (0..1) of ascending-sorted samples, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The median of samples (the mean of the middle two for an even count); NaN for none. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU seconds a process has used (utime + stime; USER_HZ is 100 on Linux). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of the PostgreSQL backends serving this database, by pid (their titles name it). */
export function backendSeconds(database: string): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(` ${database} `)) seconds.set(Number(entry), cpuSeconds(Number(entry)));
    } catch { /* gone */ }
  }
  return seconds;
}

/** The whole machine's busy and total CPU time so far (jiffies), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const v = values.map(Number);
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: total - v[3] - v[4], total };
}

/** CPU seconds the database's backends used since `before` (a backendSeconds reading). */
export function backendSecondsSince(database: string, before: Map<number, number>): number {
  let used = 0;
  for (const [pid, seconds] of backendSeconds(database)) used += seconds - (before.get(pid) ?? 0);
  return used;
}

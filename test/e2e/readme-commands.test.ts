// Every command the README documents, run the way a user runs it: `npm ...` in the project folder, as a
// child process of its own, from the built files, against a server on 127.0.0.1. Nothing here loads the
// code under test into Jest's process, so nothing Jest prepares (reflect-metadata, swc) can hide a fault.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, TestDatabase } from "../helpers/database";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");
const SCRIPTS: Record<string, string> = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;

/** The npm commands the README names: `npm start`, `npm run -s token -- ...`, `npm run bench:sync|lookup`, … */
function documentedCommands(readme: string): string[] {
  const names = new Set<string>();
  for (const m of readme.matchAll(/\bnpm (start|test|ci)\b|\bnpm run(?: -s)? ([a-z][\w:|-]*)/g)) {
    if (m[1]) names.add(m[1]);
    else {
      // "bench:sync|shutdown|compliance" names bench:sync, bench:shutdown, bench:compliance.
      const [first, ...rest] = m[2].split("|");
      names.add(first);
      const prefix = first.includes(":") ? first.slice(0, first.indexOf(":") + 1) : "";
      for (const name of rest) names.add(prefix + name);
    }
  }
  return [...names].sort();
}

/**
 * How each documented command is tried here. A command the README gains without an entry fails the
 * first test: document a command, test it.
 */
const TRIED: Record<string, string> = {
  start: "serves the demo data; a production start without secrets refuses with exit 2",
  build: "the first step of npm start; the built entries then load in a plain Node process",
  token: "prints a token the server accepts",
  sync: "a CSV synced through the server, with its rejects file",
  "export:dno": "a do-not-originate file holding the registry's numbers",
  sweep: "sweeps the stopped server's database as of a given time",
  snapshot: "takes yesterday's compliance snapshot of the stopped server's database",
  "audit:verify": "verifies the chain the other commands extended",
  test: "this suite itself",
  ci: "the install CI runs before this suite",
};
const BENCHMARKS = /^bench:/; // minutes on millions of rows, run by hand: here their entries must load and wait

// Children get the user's environment, not the test runner's: no NODE_ENV=test, no database of Jest's.
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["NODE_ENV", "DATABASE_URL", "TEST_DATABASE_URL", "DATA_DIR", "SEED_DEMO", "PORT", "JWT_SECRET", "PII_ENCRYPTION_KEY", "REGISTRY_TOKEN", "JEST_WORKER_ID"]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const npm = (args: string[], env: NodeJS.ProcessEnv, cwd?: string) => run("npm", args, env, cwd);

/** Resolves when a process group has no process left (npm, its shell, the server). */
async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function graphql(url: string, token: string | null, query: string, variables?: object) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
}

const work = mkdtempSync(path.join(tmpdir(), "registry-readme-"));
let database: TestDatabase;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | null = null;
let serverOut = "";
let url: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // On PostgreSQL (CI's first run) the commands use the test database; otherwise the embedded one in a folder.
  env = userEnv(
    database.target.databaseUrl
      ? { DATABASE_URL: database.target.databaseUrl, SEED_DEMO: "true", SWEEP_INTERVAL_SECONDS: "0" }
      : { DATA_DIR: path.join(work, "data"), SWEEP_INTERVAL_SECONDS: "0" },
  );
  // `npm start` as the README says it, on a port of the system's choosing; the server prints its URL.
  server = spawn("npm", ["start"], { cwd: ROOT, env: { ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  server.stderr!.on("data", (chunk) => (serverOut += chunk));
  url = await new Promise<string>((resolve, reject) => {
    server!.stdout!.on("data", (chunk) => {
      serverOut += chunk;
      const m = /The shared number registry is up: (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(serverOut);
      if (m) resolve(m[1]);
    });
    server!.on("exit", (code) => reject(new Error(`npm start exited with ${code} before listening:\n${serverOut}`)));
  });
});

async function stopServer(): Promise<void> {
  if (!server) return;
  const pgid = server.pid!;
  server = null;
  process.kill(-pgid, "SIGTERM");
  await groupGone(pgid, 30_000);
}

afterAll(async () => {
  await stopServer().catch(() => undefined);
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe("the README's commands", () => {
  it("each documented command is one this file tries, and each is a script in package.json", () => {
    const documented = documentedCommands(README);
    expect(documented).toEqual(expect.arrayContaining(Object.keys(TRIED)));
    const untried = documented.filter((name) => !(name in TRIED) && !BENCHMARKS.test(name));
    expect(untried).toEqual([]);
    const scripts = documented.filter((name) => name !== "ci");
    expect(scripts.filter((name) => SCRIPTS[name] === undefined)).toEqual([]);
  });

  it("npm start serves the demo data, and npm run token prints a token it accepts", async () => {
    const printed = await npm(["run", "-s", "token", "--", "--org", "CT-LN", "--role", "CARRIER"], env);
    expect(printed).toMatchObject({ code: 0, stderr: "" });
    const token = printed.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const seen = await graphql(url, token, `{ number(number: "400-100-0000") { number status carrier { code } } }`);
    expect(seen).toEqual({ data: { number: { number: "4001000000", status: "ACTIVE", carrier: { code: "CT-LN" } } } });
    const lookup = await graphql(url, null, `{ lookupNumber(number: "4001000000") { status verified } }`);
    expect(lookup.data.lookupNumber).toEqual({ status: "IN_SERVICE", verified: true });
    // The console the README's "Console" section opens, from the files npm start built.
    const page = await fetch(url.replace(/\/graphql$/, "/console"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'self'/);
    const script = /<script type="module" src="(\/console\/assets\/app-\w+\.js)">/.exec(await page.text());
    expect(script).not.toBeNull();
    expect((await fetch(new URL(script![1], url))).headers.get("cache-control")).toBe("public, max-age=31536000, immutable");

    const bad = await npm(["run", "-s", "token", "--", "--org", "CT-LN", "--role", "NOBODY"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role must be one of/);

    // An administrator's token (--admin) manages the organisation's API clients; the client's secret works.
    const admin = await npm(["run", "-s", "token", "--", "--org", "CT-LN", "--role", "CARRIER", "--admin"], env);
    expect(admin).toMatchObject({ code: 0, stderr: "" });
    const made = await graphql(url, admin.stdout.trim(),
      `mutation { createApiClient(input: { organizationCode: "CT-LN", role: CARRIER, name: "Shenyang switch 3" }) { secret client { organization { code } } } }`);
    expect(made.data.createApiClient.client.organization.code).toBe("CT-LN");
    const byClient = await graphql(url, made.data.createApiClient.secret, `{ number(number: "4001000000") { status } }`);
    expect(byClient).toEqual({ data: { number: { status: "ACTIVE" } } });
    const notForAdmin = await npm(["run", "-s", "token", "--", "--org", "PLATFORM", "--role", "ADMIN", "--admin"], env);
    expect(notForAdmin.code).toBe(2);
    expect(notForAdmin.stderr).toMatch(/--admin is for CARRIER, RESELLER, POLICE, REGULATOR tokens/);
  });

  it("npm run sync syncs a CSV through the server and writes its rejects file", async () => {
    const csv = path.join(work, "numbers.csv");
    const rejects = path.join(work, "rejects.csv");
    writeFileSync(
      csv,
      ["number,status,resellerCode,province", "4001001000,SPARE,,21", "400-100-1001,SPARE,,21", "4006000001,SPARE,,21", "40012,SPARE,,21", ""].join("\n"),
    );
    const synced = await npm(["run", "-s", "sync", "--", "--file", csv, "--org", "CT-LN", "--url", url, "--rejects", rejects], env);
    expect(synced.stderr).toBe("");
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/^4 rows in 1 batches: 2 created, 0 updated, 0 unchanged, 2 rejected$/m);

    const lines = readFileSync(rejects, "utf8").trim().split("\n");
    expect(lines[0]).toBe("line,number,reason");
    expect(lines.slice(1).map((line) => line.split(",").slice(0, 2))).toEqual([
      ["4", "4006000001"],
      ["5", "40012"],
    ]);

    const token = (await npm(["run", "-s", "token", "--", "--org", "CT-LN", "--role", "CARRIER"], env)).stdout.trim();
    const seen = await graphql(url, token, `{ a: number(number: "4001001000") { status province } b: number(number: "4001001001") { status } }`);
    expect(seen.data).toEqual({ a: { status: "SPARE", province: "21" }, b: { status: "SPARE" } });
  });

  it("npm run export:dno writes a do-not-originate file holding the registry's numbers", async () => {
    const out = path.join(work, "dno.csv");
    const exported = await npm(["run", "-s", "export:dno", "--", "--out", out, "--org", "CT-LN", "--role", "CARRIER", "--url", url], env);
    expect(exported.code).toBe(0);
    const [header, ...rows] = readFileSync(out, "utf8").trim().split("\n");
    expect(header).toBe("number,reason");
    expect(rows).toEqual(expect.arrayContaining(["4001000000,FOUR_HUNDRED", "4006000499,FOUR_HUNDRED"]));
    expect(rows).toEqual([...rows].sort());
    expect(exported.stdout).toContain(`${rows.length.toLocaleString("en")} numbers`);

    const token = (await npm(["run", "-s", "token", "--", "--org", "CT-LN", "--role", "CARRIER"], env)).stdout.trim();
    const listed = await graphql(url, token, `{ doNotOriginate(first: 1) { totalCount } }`);
    expect(rows.length).toBe(listed.data.doNotOriginate.totalCount);
    expect(readdirSync(work).filter((name) => name.endsWith(".partial"))).toEqual([]);
  });

  // The database commands open the database themselves: the embedded one belongs to one process, so these
  // run on the stopped server's data, after the tests above (each of which needs only the demo data).
  describe("with the server stopped", () => {
    beforeAll(stopServer);

    it("npm run sweep sweeps its database as of a given time, and refuses a time without a zone", async () => {
      const swept = await npm(["run", "-s", "sweep", "--", "--now", "2030-01-01T00:00:00Z"], env);
      expect(swept.stderr).toBe("");
      expect(swept.code).toBe(0);
      expect(swept.stdout).toMatch(/^sweep as of 2030-01-01T00:00:00\.000Z \(--now\)$/m);

      const bad = await npm(["run", "-s", "sweep", "--", "--now", "2030-01-01"], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--now must be an ISO-8601 time with its zone/);
    });

    it("npm run snapshot takes a day's compliance snapshot as of a given time, and refuses a time without a zone", async () => {
      // Yesterday in China Standard Time (UTC+8): a snapshot's day; a day that has not begun is refused.
      const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
      const taken = await npm(["run", "-s", "snapshot", "--", "--now", `${yesterday}T12:00:00+08:00`], env);
      expect(taken.stderr).toBe("");
      expect(taken.code).toBe(0);
      expect(taken.stdout).toMatch(new RegExp(`^compliance snapshot of ${yesterday} \\(China Standard Time\\) as of .* \\(--now\\)$`, "m"));
      expect(taken.stdout).toMatch(/numbers in service/);

      const bad = await npm(["run", "-s", "snapshot", "--", "--now", yesterday], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--now must be an ISO-8601 time with its zone/);
    });

    it("npm run audit:verify walks the chain the other commands extended", async () => {
      const verified = await npm(["run", "-s", "audit:verify"], env);
      expect(verified.stderr).toBe("");
      expect(verified.code).toBe(0);
      const m = /^audit chain OK: (\d+) events verified; head hash [0-9a-f]{64}$/m.exec(verified.stdout);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(10);
    });

    it("a production start without its secrets refuses with a configuration error", async () => {
      const refused = await npm(["start"], { ...env, NODE_ENV: "production", PORT: "0" });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/configuration error: .*JWT_SECRET/);
    });

    it("every built entry point and benchmark loads in a plain Node process, without running", async () => {
      const bench = await run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.bench.json"], env);
      expect(bench).toMatchObject({ code: 0, stdout: "" });
      const entries = [
        "dist/src/main.js",
        ...readdirSync(path.join(ROOT, "dist/src/cli")).filter((f) => f.endsWith(".js")).map((f) => `dist/src/cli/${f}`),
        ...readdirSync(path.join(ROOT, "dist/bench")).filter((f) => f.endsWith(".js") && f !== "lib.js").map((f) => `dist/bench/${f}`),
      ];
      expect(entries).toEqual(expect.arrayContaining(["dist/src/cli/sync.js", "dist/src/cli/export-dno.js", "dist/bench/sync.js"]));
      for (const entry of entries) {
        // One process per entry: an entry that loads reflect-metadata must not hide one that forgets it.
        const loaded = await run(process.execPath, ["-e", "require(require('path').resolve(process.argv[1]))", entry], env);
        expect({ entry, ...loaded }).toEqual({ entry, code: 0, stdout: "", stderr: "" });
      }
    });
  });
});

import pino from "pino";
import supertest from "supertest";
import { createServer, type Server } from "../../src/app/create-server";
import { ConfigError, loadConfig } from "../../src/config";
import { Role } from "../../src/shared/auth/roles";
import { createLogger } from "../../src/shared/logger";
import { TEST_ENV, TestApp, startTestApp } from "../helpers/app";

const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status } }`;
const ORG = `{ organization(code: "PLATFORM") { code } }`;

interface Line {
  msg: string;
  operation?: string;
  outcome?: string;
  role?: string;
  sampleRate?: number;
  requestId?: string;
  err?: { message: string };
}

let app: TestApp;
const servers: Server[] = [];

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await app.close();
});

/** A server on the test database with LOG_REQUESTS as given, logging at info into `lines`. */
async function serverWith(env: Record<string, string>) {
  const lines: Line[] = [];
  const destination = { write: (text: string) => void lines.push(JSON.parse(text)) };
  const server = await createServer(loadConfig({ ...TEST_ENV, ...env }), app.dataSource, createLogger("info", destination));
  servers.push(server);
  const request = supertest(server.handler);
  const admin = await app.token("PLATFORM", Role.ADMIN);
  const post = (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const req = request.post("/graphql").set("content-type", "application/json");
    if (token) req.set("authorization", `Bearer ${token}`);
    return req.send({ query, variables });
  };
  return {
    lines,
    server,
    post,
    /** The request lines after a public look-up that succeeds, one that fails, and an administrator's query. */
    async requestLines(publicLookups = 1) {
      lines.length = 0;
      for (let i = 0; i < publicLookups; i++) expect((await post(LOOKUP, { n: "4001234567" })).body.errors).toBeUndefined();
      expect((await post(LOOKUP, { n: "12" })).body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
      // A field that does not exist: refused before the operation runs (no operation label).
      expect((await post(`{ lookupNumber(number: "4001234567") { nope } }`)).body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
      expect((await post(ORG, {}, admin)).body.errors).toBeUndefined();
      return lines.filter((l) => l.msg === "graphql request").map(({ operation, outcome, role, sampleRate }) => ({ operation, outcome, role, sampleRate }));
    },
  };
}

const ok = { operation: "lookupNumber", outcome: "ok", role: "PUBLIC" };
const badInput = { operation: "lookupNumber", outcome: "BAD_USER_INPUT", role: "PUBLIC" };
const invalid = { outcome: "BAD_USER_INPUT", role: "PUBLIC" };
const adminLine = { operation: "organization", outcome: "ok", role: "ADMIN" };

describe("request lines (LOG_REQUESTS)", () => {
  it("all: a line for every request", async () => {
    const lines = await (await serverWith({ LOG_REQUESTS: "all" })).requestLines();
    expect(lines).toEqual([ok, badInput, expect.objectContaining(invalid), adminLine]);
  });

  it("errors: only the requests that ended with an error, whoever asked", async () => {
    const lines = await (await serverWith({ LOG_REQUESTS: "errors" })).requestLines(5);
    expect(lines).toEqual([badInput, expect.objectContaining(invalid)]);
  });

  it("sampled at 0: errors and callers with a token, no public request that succeeded", async () => {
    const lines = await (await serverWith({ LOG_REQUESTS: "sampled", LOG_REQUEST_SAMPLE_RATE: "0" })).requestLines(5);
    expect(lines).toEqual([badInput, expect.objectContaining(invalid), adminLine]);
  });

  it("sampled: a share of the public requests that succeeded, each line carrying its sample rate", async () => {
    const server = await serverWith({ LOG_REQUESTS: "sampled", LOG_REQUEST_SAMPLE_RATE: "0.5" });
    const lines = await server.requestLines(60);
    const sampled = lines.filter((l) => l.outcome === "ok" && l.role === "PUBLIC");
    // 60 draws at 0.5: outside 10..50 with probability under 1e-6.
    expect(sampled.length).toBeGreaterThanOrEqual(10);
    expect(sampled.length).toBeLessThanOrEqual(50);
    expect(sampled.every((l) => l.sampleRate === 0.5)).toBe(true);
    expect(lines.filter((l) => !(l.outcome === "ok" && l.role === "PUBLIC"))).toEqual([badInput, expect.objectContaining(invalid), adminLine]);
  });

  it("an unexpected error is logged in full, with its request line, under every setting", async () => {
    for (const mode of ["errors", "sampled"]) {
      const { lines, server, post } = await serverWith({ LOG_REQUESTS: mode, LOG_REQUEST_SAMPLE_RATE: "0" });
      // The look-up fails inside: a database that went away, say.
      server.services.lookup.lookup = async () => {
        throw new Error("connection terminated unexpectedly");
      };
      const { body } = await post(LOOKUP, { n: "4001234567" });
      expect(body.errors?.[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
      const requestId = body.errors?.[0].extensions.requestId;
      expect(lines.map((l) => [l.msg, l.outcome, l.requestId])).toEqual([
        ["unexpected error", undefined, requestId],
        ["graphql request", "INTERNAL_SERVER_ERROR", requestId],
      ]);
      expect(lines[0].err?.message).toBe("connection terminated unexpectedly");
    }
  });
});

describe("settings", () => {
  it("sampled at 1% in production, all elsewhere; refuses what it does not know", () => {
    const production = { ...TEST_ENV, NODE_ENV: "production" };
    expect(loadConfig(production).requestLog).toEqual({ mode: "sampled", sampleRate: 0.01 });
    expect(loadConfig(TEST_ENV).requestLog).toEqual({ mode: "all", sampleRate: 0.01 });
    expect(loadConfig({ ...production, LOG_REQUESTS: "ERRORS", LOG_REQUEST_SAMPLE_RATE: "0.2" }).requestLog).toEqual({ mode: "errors", sampleRate: 0.2 });
    expect(() => loadConfig({ ...TEST_ENV, LOG_REQUESTS: "some" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...TEST_ENV, LOG_REQUEST_SAMPLE_RATE: "2" })).toThrow(ConfigError);
  });

  it("the server's own logger writes asynchronously", () => {
    const stream = (createLogger("info") as unknown as Record<symbol, { sync?: boolean; constructor: { name: string } }>)[pino.symbols.streamSym];
    expect(stream.constructor.name).toBe("SonicBoom");
    expect(stream.sync).toBe(false);
  });
});

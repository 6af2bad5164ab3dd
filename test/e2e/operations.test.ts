import { Writable } from "node:stream";
import { Ctx, Mutation, Resolver } from "type-graphql";
import type { RequestContext } from "../../src/shared/context";
import { fieldPermissions } from "../../src/app/permissions";
import { Permission } from "../../src/shared/auth/permissions";
import { Role } from "../../src/shared/auth/roles";
import { badInput } from "../../src/shared/errors";
import { createLogger } from "../../src/shared/logger";
import { TestApp, startTestApp } from "../helpers/app";

// A resident ID number as a careless message might carry it (check digit computed, not copied).
const ID_NUMBER = "11010519491231002X";

@Resolver()
class CarelessResolver {
  @Mutation(() => Boolean)
  async carelessMutation(@Ctx() ctx: RequestContext): Promise<boolean> {
    ctx.log.info(`looked up ${ID_NUMBER}`);
    throw badInput(`the holder of ${ID_NUMBER} is unknown`);
  }
}

const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    log: createLogger("info", sink),
    schema: {
      extraResolvers: [CarelessResolver],
      permissions: { ...fieldPermissions(), Mutation: { ...fieldPermissions().Mutation, carelessMutation: Permission.PUBLIC_READ } },
    },
  });
});
afterAll(() => app.close());

describe("health", () => {
  it("GET /healthz says the process is up", async () => {
    const res = await app.request.get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("GET /readyz says the database is reachable and migrated", async () => {
    const res = await app.request.get("/readyz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ready" });
  });
});

describe("GET /metrics", () => {
  it("counts requests and their durations by operation, and shows the database pool", async () => {
    await app.exec(null, "{ officialMarketingNumbers { number } }");
    await app.exec({ org: "PLATFORM", role: Role.ADMIN }, `{ organization(code: "PLATFORM") { code } }`);
    await app.exec(null, `{ organization(code: "PLATFORM") { code } }`);
    const res = await app.request.get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/registry_graphql_requests_total\{operation="officialMarketingNumbers",type="query",outcome="ok"\} 1/);
    expect(res.text).toMatch(/registry_graphql_requests_total\{operation="organization",type="query",outcome="FORBIDDEN"\} 1/);
    expect(res.text).toMatch(/registry_graphql_request_duration_seconds_count\{operation="organization",type="query"\} 2/);
    expect(res.text).toMatch(/registry_db_pool_connections\{state="total"\} \d+/);
    expect(res.text).toContain("registry_process_resident_memory_bytes");
  });
});

describe("request ids and logs", () => {
  it("echoes a request id, or makes one", async () => {
    const given = await app.request.get("/healthz").set("x-request-id", "carrier-abc-1");
    expect(given.headers["x-request-id"]).toBe("carrier-abc-1");
    const made = await app.request.get("/healthz").set("x-request-id", "bad id with spaces");
    expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes one JSON line per request, with its request id, and never the variables", async () => {
    lines.length = 0;
    await app.request
      .post("/graphql")
      .set("x-request-id", "req-log-1")
      .send({ query: `query($c: String!) { organization(code: $c) { code } }`, variables: { c: "SECRET-VARIABLE" } });
    const line = lines.find((l) => l.requestId === "req-log-1" && l.msg === "graphql request");
    expect(line).toMatchObject({ operation: "organization", type: "query", outcome: "FORBIDDEN", role: "PUBLIC" });
    expect(JSON.stringify(lines)).not.toContain("SECRET-VARIABLE");
  });

  it("never writes a resident ID number, even when code tries", async () => {
    lines.length = 0;
    const body = await app.exec(null, "mutation { carelessMutation }");
    expect(body.errors![0].extensions.code).toBe("BAD_USER_INPUT");
    const text = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(ID_NUMBER);
    expect(text).toContain("110105********002X");
  });
});

describe("the explorer", () => {
  it("a browser opening /graphql gets GraphiQL, served from this server", async () => {
    const res = await app.request.get("/graphql").set("accept", "text/html");
    expect(res.status).toBe(200);
    expect(res.text).toContain("GraphiQL");
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBe(4);
    for (const asset of assets) {
      expect(asset.startsWith("/explorer/")).toBe(true); // nothing from a CDN
      const file = await app.request.get(asset);
      expect(file.status).toBe(200);
      expect(Number(file.headers["content-length"] ?? file.text.length)).toBeGreaterThan(1000);
    }
  });

  it("a GET query with JSON accepted still runs as GraphQL", async () => {
    const res = await app.request
      .get("/graphql")
      .query({ query: "{ officialMarketingNumbers { number } }" })
      .set("accept", "application/json")
      .set("apollo-require-preflight", "true");
    expect(res.status).toBe(200);
    expect(res.body.data.officialMarketingNumbers).toHaveLength(0);
  });
});

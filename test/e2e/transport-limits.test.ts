// One set of limits for every transport: HTTP and graphql-ws share the body cap, the parser's token
// limit, the validation rules (depth, aliases, cost) and the token rules; a socket lives no longer than
// its token; one client address holds a bounded number of sockets; /metrics has a fixed label set and is
// served only to the configured scraper.
import { AddressInfo } from "node:net";
import WebSocket from "ws";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { TestApp, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const NOTICES = `subscription { shutdownOrderIssued { orderId numbers } }`;
const METRICS_TOKEN = "scraper-token-0123456789abcdef";

let app: TestApp; // WS_MAX_CONNECTIONS_PER_ADDRESS 3, behind a proxy on loopback
let strict: TestApp; // depth 1, cost 1
let prod: TestApp; // production, METRICS_TOKEN set
let prodNoScraper: TestApp; // production, no METRICS_TOKEN
const urls = new Map<TestApp, string>();
const sockets: WebSocket[] = [];

async function listen(server: TestApp): Promise<string> {
  await new Promise<void>((resolve) => server.server.httpServer.listen(0, "127.0.0.1", resolve));
  const url = `ws://127.0.0.1:${(server.server.httpServer.address() as AddressInfo).port}/graphql`;
  urls.set(server, url);
  return url;
}

interface Connection {
  socket: WebSocket;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with connection_ack, or rejects with the close code. */
  acknowledged: Promise<void>;
  /** The next message about the subscription `id`. */
  reply(id: string): Promise<any>;
}

/** A graphql-ws connection at the protocol level, so a test sees every close code and message. */
function connect(server: TestApp, token: string | null, headers: Record<string, string> = {}): Connection {
  const socket = new WebSocket(urls.get(server)!, "graphql-transport-ws", { headers });
  sockets.push(socket);
  const waiting = new Map<string, (message: any) => void>();
  const early = new Map<string, any>();
  socket.on("error", () => undefined); // a refused connection reports its close code below
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === "connection_ack") resolve();
      else if (message.id !== undefined) {
        const deliver = waiting.get(message.id);
        if (deliver) {
          waiting.delete(message.id);
          deliver(message);
        } else early.set(message.id, message);
      }
    });
    closed.then(({ code }) => reject(new Error(`closed ${code}`)));
  });
  acknowledged.catch(() => undefined);
  socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: token ? { authorization: `Bearer ${token}` } : {} })));
  return {
    socket,
    closed,
    acknowledged,
    reply: (id) => (early.has(id) ? Promise.resolve(early.get(id)) : new Promise((resolve) => waiting.set(id, resolve))),
  };
}

function subscribe(connection: Connection, id: string, query: string, variables?: Record<string, unknown>): void {
  connection.socket.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } }));
}

const carrierToken = (server: TestApp, ttlSeconds?: number) => server.token("CT", Role.CARRIER, ttlSeconds);
const httpUrl = (server: TestApp, path: string) => urls.get(server)!.replace("ws://", "http://").replace("/graphql", path);

beforeAll(async () => {
  app = await startTestApp({ env: { WS_MAX_CONNECTIONS_PER_ADDRESS: "3", TRUST_PROXY: "loopback" } });
  strict = await app.withServer({ MAX_QUERY_DEPTH: "1", MAX_QUERY_COST: "1" });
  prod = await app.withServer({ NODE_ENV: "production", METRICS_TOKEN });
  prodNoScraper = await app.withServer({ NODE_ENV: "production" });
  for (const server of [app, strict, prod, prodNoScraper]) await listen(server);
  const body = await app.exec(ADMIN, `mutation { createOrganization(input: { code: "CT", name: "China Telecom", kind: CARRIER }) { code } }`);
  expect(body.errors).toBeUndefined();
});

afterEach(async () => {
  // Every socket a test opened is closed, and seen closed, before the next test counts connections.
  await Promise.all(
    sockets.splice(0).map((socket) =>
      socket.readyState === WebSocket.CLOSED ? undefined : new Promise<void>((resolve) => { socket.once("close", () => resolve()); socket.terminate(); }),
    ),
  );
});

afterAll(async () => {
  for (const server of [prodNoScraper, prod, strict]) await server.close();
  await app.close();
});

describe("WebSocket message size", () => {
  it("an 8 MB message is refused by its frame header (1009) and the socket closed; /healthz answers meanwhile", async () => {
    const connection = connect(app, await carrierToken(app));
    await connection.acknowledged;
    connection.socket.send(JSON.stringify({ id: "big", type: "subscribe", payload: { query: NOTICES, padding: "x".repeat(8 * 1024 * 1024) } }));
    const [closed, health] = await Promise.all([connection.closed, fetch(httpUrl(app, "/healthz"))]);
    expect(closed.code).toBe(1009);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    // The server goes on taking connections.
    const next = connect(app, await carrierToken(app));
    await expect(next.acknowledged).resolves.toBeUndefined();
  });

  it("a message under the cap is read and answered", async () => {
    const connection = connect(app, await carrierToken(app));
    await connection.acknowledged;
    subscribe(connection, "1", "subscription {", { padding: "x".repeat(1024 * 1024) });
    expect((await connection.reply("1")).payload[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(connection.socket.readyState).toBe(WebSocket.OPEN);
  });
});

describe("WebSocket operations: the limits of HTTP, before any work", () => {
  it("over the token limit: refused by the parser", async () => {
    const connection = connect(app, await carrierToken(app));
    await connection.acknowledged;
    subscribe(connection, "t", `subscription { shutdownOrderIssued { ${"orderId ".repeat(2100)} } }`);
    const reply = await connection.reply("t");
    expect(reply.type).toBe("error");
    expect(reply.payload).toHaveLength(1);
    expect(reply.payload[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_PARSE_FAILED" });
    expect(reply.payload[0].message).toMatch(/2000 tokens/);
  });

  it("over the alias limit", async () => {
    const connection = connect(app, await carrierToken(app));
    await connection.acknowledged;
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: orderId`).join(" ");
    subscribe(connection, "a", `subscription { shutdownOrderIssued { ${aliases} } }`);
    const reply = await connection.reply("a");
    expect(reply.type).toBe("error");
    expect(reply.payload.map((e: any) => e.extensions.code)).toEqual(["BAD_USER_INPUT"]);
    expect(reply.payload[0].extensions.reason).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(reply.payload[0].message).toMatch(/alias/i);
  });

  it("over the depth and cost limits of the server", async () => {
    const connection = connect(strict, await carrierToken(strict));
    await connection.acknowledged;
    subscribe(connection, "d", NOTICES);
    const reply = await connection.reply("d");
    expect(reply.type).toBe("error");
    expect(new Set(reply.payload.map((e: any) => e.extensions.code))).toEqual(new Set(["BAD_USER_INPUT"]));
    const messages = reply.payload.map((e: any) => e.message).join(" | ");
    expect(messages).toMatch(/depth/i);
    expect(messages).toMatch(/cost/i);
    // The same subscription is taken where the limits are the defaults: once a later message is answered,
    // "d" is still running, so subscribing again under its id is the protocol's 4409.
    const other = connect(app, await carrierToken(app));
    await other.acknowledged;
    subscribe(other, "d", NOTICES);
    subscribe(other, "probe", "subscription {");
    await other.reply("probe");
    subscribe(other, "d", NOTICES);
    expect((await other.closed).code).toBe(4409);
  });

  it("in production, an unknown field or enum value gets no suggestion", async () => {
    const connection = connect(prod, await carrierToken(prod));
    await connection.acknowledged;
    subscribe(connection, "s", `subscription { shutdownOrderIssued { orderIdd } }`);
    const reply = await connection.reply("s");
    expect(reply.payload[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(reply.payload[0].message).toMatch(/Cannot query field "orderIdd"/);
    expect(JSON.stringify(reply.payload)).not.toMatch(/Did you mean|orderId"/);
  });
});

describe("WebSocket authentication", () => {
  it("no token: the connection is closed with 4401 before any subscription", async () => {
    const connection = connect(app, null);
    await expect(connection.acknowledged).rejects.toThrow("closed 4401");
    expect((await connection.closed).reason).toMatch(/needs a token/);
  });

  it("a token that is not valid: 4403", async () => {
    await expect(connect(app, "not-a-token").acknowledged).rejects.toThrow("closed 4403");
  });

  it("a token with exp too far ahead, or issued in the future, is refused on both transports", async () => {
    const claims = { sub: "ct-tester", org: "CT", role: Role.CARRIER } as const;
    const tooLong = await signToken(app.config.jwtSecret, claims, 2 * 86400);
    const fromTheFuture = await signToken(app.config.jwtSecret, claims, 600, Date.now() + 10 * 60_000);
    for (const [token, message] of [[tooLong, /exp lies more than 86400 seconds ahead/], [fromTheFuture, /iat lies in the future/]] as const) {
      const body = await app.exec({ token }, `{ officialMarketingNumbers { number } }`);
      expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
      expect(body.errors![0].message).toMatch(message);
      await expect(connect(app, token).acknowledged).rejects.toThrow("closed 4403");
    }
  });

  it("a socket is closed with 4401 when its token expires", async () => {
    const connection = connect(app, await carrierToken(app, 2));
    await connection.acknowledged;
    subscribe(connection, "1", NOTICES);
    const closed = await connection.closed;
    expect(closed).toEqual({ code: 4401, reason: "the token has expired" });
  });
});

describe("WebSocket connections per client address", () => {
  it("beyond WS_MAX_CONNECTIONS_PER_ADDRESS a connection is closed with 4429; other addresses are counted apart", async () => {
    const token = await carrierToken(app);
    const first = { "x-forwarded-for": "203.0.113.1" };
    const held = [connect(app, token, first), connect(app, token, first), connect(app, token, first)];
    await Promise.all(held.map((c) => c.acknowledged));
    const over = connect(app, token, first);
    expect((await over.closed).code).toBe(4429);
    // The proxy (loopback, trusted) names another client: it has connections of its own.
    await expect(connect(app, token, { "x-forwarded-for": "203.0.113.2" }).acknowledged).resolves.toBeUndefined();
    // A connection closed frees its place (the server sees the close after the client: try until it has).
    held[0].socket.close();
    await held[0].closed;
    let accepted = false;
    for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
      const again = connect(app, token, first);
      accepted = await again.acknowledged.then(() => true, () => false);
    }
    expect(accepted).toBe(true);
  });
});

describe("/metrics", () => {
  /** The label sets of the request series, from the Prometheus text. */
  async function series(server: TestApp, auth?: string): Promise<string[]> {
    const req = server.request.get("/metrics");
    if (auth) req.set("authorization", `Bearer ${auth}`);
    const res = await req;
    expect(res.status).toBe(200);
    return res.text.split("\n").filter((line) => /^registry_graphql_request(s_total|_duration_seconds_count)\{/.test(line)).map((line) => line.replace(/ \S+$/, ""));
  }

  it("labels come from the registered root fields or 'other': 40 differently named operations add no series", async () => {
    const warmUp = [
      `query Warm { officialMarketingNumbers { number } }`,
      `{ officialMarketingNumbers { number } organization(code: "PLATFORM") { code } }`,
      `{ __typename }`,
      `{ officialMarketingNumbers { `,
    ];
    for (const query of warmUp) await app.exec(null, query);
    const before = await series(app);
    for (let i = 0; i < 40; i++) {
      await app.exec(null, `query Named${i} { n${i}: officialMarketingNumbers { number } }`);
      await app.exec(null, `query Pair${i} { officialMarketingNumbers { number } o${i}: organization(code: "PLATFORM") { code } }`);
    }
    const after = await series(app);
    expect(after).toEqual(before);
    // Root fields the schema registers (createOrganization is this file's setup), or other.
    const operations = new Set(after.map((line) => /operation="([^"]*)"/.exec(line)![1]));
    expect([...operations].sort()).toEqual(["createOrganization", "officialMarketingNumbers", "other"]);
  });

  it("with METRICS_TOKEN set, only the scraper sending it is served", async () => {
    expect((await prod.request.get("/metrics")).status).toBe(401);
    const wrong = await prod.request.get("/metrics").set("authorization", "Bearer scraper-token-0123456789abcdeX");
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(wrong.text).not.toContain("registry_");
    await series(prod, METRICS_TOKEN);
  });

  it("in production without METRICS_TOKEN there is no /metrics; in development and tests it is open", async () => {
    expect((await prodNoScraper.request.get("/metrics")).status).toBe(404);
    expect((await app.request.get("/metrics")).status).toBe(200);
  });
});

describe("suggestions over HTTP", () => {
  const REPORT = `mutation { reportNumber(input: { number: "4001234567", category: FRAUDD }) { id } }`;
  const REPORT_VARIABLE = `mutation($c: ReportCategory!) { reportNumber(input: { number: "4001234567", category: $c }) { id } }`;

  it("in production, no 'Did you mean' for fields or enum values, in the document or in variables", async () => {
    for (const body of [
      await prod.exec(null, REPORT),
      await prod.exec(null, REPORT_VARIABLE, { c: "FRAUDD" }),
      await prod.exec(null, `{ officialMarketingNumberz { number } }`),
    ]) {
      expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
      expect(JSON.stringify(body.errors)).not.toMatch(/Did you mean|"FRAUD"|officialMarketingNumbers/);
    }
  });

  it("outside production they help the developer", async () => {
    expect((await app.exec(null, REPORT)).errors![0].message).toMatch(/Did you mean the enum value "FRAUD"/);
  });
});

import http from "node:http";
import net, { AddressInfo } from "node:net";
import type { Client } from "graphql-ws/client";
import { Role } from "../../src/shared/auth/roles";
import { As, GraphQLBody, TestApp, startTestApp } from "../helpers/app";
import { subscribeToNotices, until } from "../helpers/subscriptions";

/**
 * Two API instances on one database behind a round-robin reverse proxy (as docker-compose.yml runs them
 * behind HAProxy), and the shutdown flow through the proxy only: HTTP and the graphql-ws subscriptions.
 */

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;

const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id status items { number state carrier { code } } } }`;
const ACK = `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id items { number state } } }`;
const EXECUTED = `mutation($id: ID!, $numbers: [String!]) { confirmShutdownExecuted(orderId: $id, numbers: $numbers) { items { number state } } }`;
const ORDER = `query($filter: ShutdownOrderFilter) { shutdownOrders(filter: $filter) { edges { node { id items { number state carrier { code } } } } } }`;
const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status } }`;

interface Proxy {
  url: string;
  ws: string;
  /** Which upstream (0 or 1) each HTTP request and each WebSocket upgrade went to, in order. */
  routed: { kind: "http" | "upgrade"; upstream: number }[];
  close(): Promise<void>;
}

/**
 * A round-robin reverse proxy on 127.0.0.1 with node:http and node:net: each HTTP request to the next upstream
 * (X-Forwarded-For appended, as HAProxy's `option forwardfor` does), each WebSocket upgrade piped as raw TCP.
 */
async function roundRobinProxy(upstreams: number[]): Promise<Proxy> {
  let next = 0;
  const routed: Proxy["routed"] = [];
  const sockets = new Set<net.Socket>();
  const pick = (kind: "http" | "upgrade") => {
    const upstream = next;
    next = (next + 1) % upstreams.length;
    routed.push({ kind, upstream });
    return upstreams[upstream];
  };
  const forwardedFor = (req: http.IncomingMessage) =>
    [req.headers["x-forwarded-for"], req.socket.remoteAddress].filter((v) => v).join(", ");

  const server = http.createServer((req, res) => {
    const port = pick("http");
    const upstream = http.request(
      { host: "127.0.0.1", port, method: req.method, path: req.url, headers: { ...req.headers, "x-forwarded-for": forwardedFor(req) } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const upstream = net.connect(pick("upgrade"), "127.0.0.1", () => {
      const headers: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() !== "x-forwarded-for") headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      headers.push(`X-Forwarded-For: ${forwardedFor(req)}`);
      upstream.write(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n${headers.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.once("close", () => sockets.delete(upstream));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", end);
    client.on("error", end);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    ws: `ws://127.0.0.1:${port}/graphql`,
    routed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let a: TestApp;
let b: TestApp;
let proxy: Proxy;
const clients: Client[] = [];
/** HTTP requests and WebSocket upgrades each instance itself received. */
const received = [
  { http: 0, upgrade: 0 },
  { http: 0, upgrade: 0 },
];

async function listen(app: TestApp, counter: { http: number; upgrade: number }): Promise<number> {
  app.server.httpServer.on("request", () => void counter.http++);
  app.server.httpServer.on("upgrade", () => void counter.upgrade++);
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  return (app.server.httpServer.address() as AddressInfo).port;
}

/** A GraphQL request through the proxy. */
async function viaProxy(as: As, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (as && !("token" in as)) headers.authorization = `Bearer ${await a.token(as.org, as.role)}`;
  const res = await fetch(proxy.url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  expect(res.status).toBe(200);
  return (await res.json()) as GraphQLBody;
}

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await viaProxy(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

beforeAll(async () => {
  // Each instance believes the proxy (on loopback) about the client's address, as TRUST_PROXY does in docker-compose.yml.
  a = await startTestApp({ env: { TRUST_PROXY: "loopback" } });
  b = await a.withServer({ TRUST_PROXY: "loopback" });
  proxy = await roundRobinProxy([await listen(a, received[0]), await listen(b, received[1])]);
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4005000000", rangeEnd: "4005000099" }) { created } }`);
  await ok(CM, `mutation { publishAllocation(input: { rangeStart: "4007000000", rangeEnd: "4007000099", province: "44" }) { created } }`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await proxy?.close();
  await b?.close();
  await a?.close();
});

describe("two instances behind a round-robin proxy", () => {
  it("police order, carriers' notices, acknowledgement and execution all through the proxy, spread over both instances", async () => {
    const routedBefore = proxy.routed.length;
    // Two subscriptions: the proxy sends the two upgrades to different instances.
    const ct = await subscribeToNotices(proxy.ws, await a.token("CT-LN", Role.CARRIER), clients);
    const cm = await subscribeToNotices(proxy.ws, await a.token("CM", Role.CARRIER), clients);
    const upgrades = proxy.routed.slice(routedBefore).filter((r) => r.kind === "upgrade").map((r) => r.upstream);
    expect(upgrades.sort()).toEqual([0, 1]);

    const { issueShutdownOrder: issued } = await ok(PSB_LN, ISSUE, {
      input: { numbers: ["4005000001", "4005000002", "4007000005"], caseNumber: "LN-2026-0901", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD" },
    });
    expect(issued.items.map((i: any) => [i.number, i.state, i.carrier.code])).toEqual([
      ["4005000001", "NOTIFIED", "CT-LN"],
      ["4005000002", "NOTIFIED", "CT-LN"],
      ["4007000005", "NOTIFIED", "CM"],
    ]);
    // The next request goes to the other instance: it already sees the numbers stopped.
    expect((await ok(null, LOOKUP, { n: "4005000001" })).lookupNumber.status).toBe("STOPPED");
    expect((await ok(null, LOOKUP, { n: "4007000005" })).lookupNumber.status).toBe("STOPPED");

    // Each carrier's socket, on whichever instance, gets exactly its own numbers, once.
    await until(() => ct.received.length > 0 && cm.received.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(ct.received.map((n) => [n.orderId, n.numbers])).toEqual([[issued.id, ["4005000001", "4005000002"]]]);
    expect(cm.received.map((n) => [n.orderId, n.numbers])).toEqual([[issued.id, ["4007000005"]]]);
    expect([ct.errors, cm.errors]).toEqual([[], []]);

    // Acknowledgement and execution, each landing on one instance and read back from the other.
    const { acknowledgeShutdown } = await ok(CT_LN, ACK, { id: issued.id });
    expect(acknowledgeShutdown.items.map((i: any) => i.state)).toEqual(["ACKNOWLEDGED", "ACKNOWLEDGED"]);
    await ok(CM, ACK, { id: issued.id });
    await ok(CT_LN, EXECUTED, { id: issued.id, numbers: ["4005000001", "4005000002"] });
    await ok(CM, EXECUTED, { id: issued.id, numbers: ["4007000005"] });
    for (let i = 0; i < 2; i++) {
      const { shutdownOrders } = await ok(PSB_LN, ORDER, {});
      const node = shutdownOrders.edges.map((e: any) => e.node).find((n: any) => n.id === issued.id);
      expect(node.items.map((i: any) => [i.number, i.state])).toEqual([
        ["4005000001", "EXECUTED"],
        ["4005000002", "EXECUTED"],
        ["4007000005", "EXECUTED"],
      ]);
    }
  });

  it("requests alternate between the instances, and each instance received what the proxy sent it", () => {
    const http = proxy.routed.filter((r) => r.kind === "http").map((r) => r.upstream);
    const upgrades = proxy.routed.filter((r) => r.kind === "upgrade").map((r) => r.upstream);
    // Round robin over HTTP and upgrades together: consecutive routings never go to the same instance.
    proxy.routed.forEach((r, i) => expect(r.upstream).toBe(i % 2));
    expect(http.length).toBeGreaterThanOrEqual(15);
    for (const instance of [0, 1]) {
      expect(received[instance].http).toBe(http.filter((u) => u === instance).length);
      expect(received[instance].upgrade).toBe(upgrades.filter((u) => u === instance).length);
    }
    expect(Math.abs(received[0].http - received[1].http)).toBeLessThanOrEqual(1);
  });
});

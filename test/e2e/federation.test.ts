import { readFileSync } from "node:fs";
import { AddressInfo } from "node:net";
import path from "node:path";
import { Role } from "../../src/shared/auth/roles";
import { As, GraphQLBody, TestApp, codes, startTestApp } from "../helpers/app";
import { countStatements } from "../helpers/statements";

// The example subgraph and gateway users run (examples/federation), imported as they are so they are tested.
interface Started {
  url: string;
  stop(): Promise<void>;
}
const { startCustomers } = require("../../examples/federation/customers") as {
  startCustomers(options: { port?: number; host?: string; customers?: { id: string; name: string; numbers: string[] }[] }): Promise<Started>;
};
const { composeSupergraph, startGateway } = require("../../examples/federation/gateway") as {
  composeSupergraph(options: { registrySdl?: string; registryUrl: string; customersUrl: string }): { supergraphSdl: string | null; errors: { message: string }[] };
  startGateway(options: { supergraphSdl: string; port?: number; host?: string }): Promise<Started>;
};

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const ROUTER_TOKEN = "router-credential-0123456789-abcdefghij";
const SUBGRAPH_SDL = readFileSync(path.join(__dirname, "../../schema/subgraph.graphql"), "utf8");

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on PhoneNumber { number status carrier { code } }
  ... on Organization { code kind }
  ... on ShutdownOrder { id caseNumber }
  ... on TrunkLine { id trunkStatus: status } } }`;
const CUSTOMER = `query($id: ID!) { customer(id: $id) { name numbers { number status carrier { code } } } }`;

let app: TestApp;
let customers: Started;
let gateway: Started;
let orderId: string;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A request through the gateway, with the caller's registry token as a router forwards it. */
async function viaGateway(as: As, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (as) headers.authorization = `Bearer ${"token" in as ? as.token : await app.token(as.org, as.role)}`;
  const res = await fetch(gateway.url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GraphQLBody;
}

const numberRefs = (numbers: string[]) => numbers.map((number) => ({ __typename: "PhoneNumber", number }));

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  const publish = `mutation($input: PublishAllocationInput!) { publishAllocation(input: $input) { created } }`;
  await ok(CT_LN, publish, { input: { rangeStart: "4001000000", rangeEnd: "4001000099" } });
  await ok(CM_GD, publish, { input: { rangeStart: "4006000000", rangeEnd: "4006000099" } });
  const issued = await ok(MPS, `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`, {
    input: { numbers: ["4001000050"], caseNumber: "MPS-2026-1", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "test" },
  });
  orderId = issued.issueShutdownOrder.id;

  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  const registryUrl = `http://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
  customers = await startCustomers({
    port: 0,
    customers: [
      { id: "c-1", name: "Shenyang Beifang Machinery", numbers: ["4001000000", "4001000001", "4006000000"] },
      { id: "c-2", name: "Guangzhou Trading", numbers: ["4006000001"] },
    ],
  });
  const { supergraphSdl, errors } = composeSupergraph({ registryUrl, customersUrl: customers.url });
  expect(errors).toEqual([]);
  gateway = await startGateway({ supergraphSdl: supergraphSdl!, port: 0 });
});
afterAll(async () => {
  await gateway?.stop();
  await customers?.stop();
  await app?.close();
});

describe("composition", () => {
  it("schema/subgraph.graphql composes with the example carrier's subgraph, with no errors", () => {
    const { supergraphSdl, errors } = composeSupergraph({
      registrySdl: SUBGRAPH_SDL, registryUrl: "http://127.0.0.1:4000/graphql", customersUrl: "http://127.0.0.1:4001/graphql",
    });
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(supergraphSdl).toContain('@join__type(graph: REGISTRY, key: "number")');
    expect(supergraphSdl).toContain("type Customer");
  });

  it("declares the four entities by their natural keys", () => {
    expect(SUBGRAPH_SDL).toMatch(/type PhoneNumber\s+@key\(fields: "number"\)/);
    expect(SUBGRAPH_SDL).toMatch(/type Organization\s+@key\(fields: "code"\)/);
    expect(SUBGRAPH_SDL).toMatch(/type ShutdownOrder\s+@key\(fields: "id"\)/);
    expect(SUBGRAPH_SDL).toMatch(/type TrunkLine\s+@key\(fields: "id"\)/);
  });
});

describe("a query planned across the carrier's subgraph and the registry, through a gateway", () => {
  it("the carrier's own numbers resolve; another carrier's comes back null", async () => {
    const body = await viaGateway(CT_LN, CUSTOMER, { id: "c-1" });
    expect(body.errors ?? []).toEqual([]);
    expect(body.data!.customer).toEqual({
      name: "Shenyang Beifang Machinery",
      numbers: [
        { number: "4001000000", status: "SPARE", carrier: { code: "CT-LN" } },
        { number: "4001000001", status: "SPARE", carrier: { code: "CT-LN" } },
        null,
      ],
    });
  });

  it("the other carrier sees its number and not the first carrier's", async () => {
    const body = await viaGateway(CM_GD, CUSTOMER, { id: "c-1" });
    expect(body.data!.customer.numbers).toEqual([null, null, { number: "4006000000", status: "SPARE", carrier: { code: "CM-GD" } }]);
  });

  it("without a token (PUBLIC) the customer's own data comes back and every registry entity is null", async () => {
    const body = await viaGateway(null, CUSTOMER, { id: "c-1" });
    expect(body.data!.customer).toEqual({ name: "Shenyang Beifang Machinery", numbers: [null, null, null] });
  });

  it("a bad token is refused by the registry as it is today", async () => {
    const body = await viaGateway({ token: "not-a-token" }, CUSTOMER, { id: "c-2" });
    expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
    expect(body.data!.customer).toEqual({ name: "Guangzhou Trading", numbers: [null] });
  });
});

describe("_entities on the registry", () => {
  it("resolves each entity type through its policy: what the caller may not see is null", async () => {
    const representations = [
      ...numberRefs(["4001000002", "4006000002", "4009999999"]),
      { __typename: "Organization", code: "CT-LN" },
      { __typename: "Organization", code: "CM-GD" },
      { __typename: "ShutdownOrder", id: orderId },
      { __typename: "ShutdownOrder", id: "not-a-uuid" },
      { __typename: "TrunkLine", id: "00000000-0000-4000-8000-000000000000" },
    ];
    const asCarrier = await ok(CT_LN, ENTITIES, { representations });
    expect(asCarrier._entities).toEqual([
      { number: "4001000002", status: "SPARE", carrier: { code: "CT-LN" } },
      null,
      null,
      { code: "CT-LN", kind: "CARRIER" },
      null,
      { id: orderId, caseNumber: "MPS-2026-1" },
      null,
      null,
    ]);
    const asOther = await ok(CM_GD, ENTITIES, { representations });
    expect(asOther._entities).toEqual([null, { number: "4006000002", status: "SPARE", carrier: { code: "CM-GD" } }, null, null, { code: "CM-GD", kind: "CARRIER" }, null, null, null]);
    const asPublic = await ok(null, ENTITIES, { representations });
    expect(asPublic._entities).toEqual(representations.map(() => null));
  });

  it("a malformed number is BAD_USER_INPUT for that entity only", async () => {
    const body = await app.exec(CT_LN, ENTITIES, { representations: numberRefs(["4001000003", "12345"]) });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.data!._entities[0]).toEqual({ number: "4001000003", status: "SPARE", carrier: { code: "CT-LN" } });
    expect(body.data!._entities[1]).toBeNull();
  });

  it("N numbers of one type are one SQL statement, whatever N", async () => {
    const QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on PhoneNumber { number status } } }`;
    const refs = (n: number) => numberRefs(Array.from({ length: n }, (_, i) => String(4001000000 + i)));
    const count = async (query: string, variables: Record<string, unknown>) => (await countStatements(() => app.exec(CT_LN, query, variables))).statements;
    const baseline = await count(`{ __typename }`, {});
    expect(await count(QUERY, { representations: refs(3) })).toBe(baseline + 1);
    expect(await count(QUERY, { representations: refs(60) })).toBe(baseline + 1);
  });
});

describe("_service { sdl }", () => {
  const SERVICE = `{ _service { sdl } }`;

  it("is served where introspection is allowed: the SDL of schema/subgraph.graphql", async () => {
    const body = await ok(null, SERVICE);
    expect(SUBGRAPH_SDL.endsWith(`\n\n${body._service.sdl}\n`)).toBe(true);
  });

  it("in production only to the router's credential, compared in constant time", async () => {
    const prod = await app.withServer({ NODE_ENV: "production", FEDERATION_ROUTER_TOKEN: ROUTER_TOKEN });
    try {
      const send = (headers: Record<string, string>, query = SERVICE) =>
        prod.request.post("/graphql").set({ "content-type": "application/json", ...headers }).send({ query });
      const refused: Record<string, string>[] = [{}, { "x-federation-router-token": "wrong" }, { "x-federation-router-token": `${ROUTER_TOKEN}x` }];
      for (const headers of refused) {
        const res = await send(headers);
        expect(codes(res.body)).toEqual(["FORBIDDEN"]);
        expect(JSON.stringify(res.body)).not.toContain("@key");
      }
      const served = await send({ "x-federation-router-token": ROUTER_TOKEN });
      expect(served.body.errors).toBeUndefined();
      expect(SUBGRAPH_SDL.endsWith(`\n\n${served.body.data._service.sdl}\n`)).toBe(true);
      // Introspection itself stays off.
      expect(codes((await send({ "x-federation-router-token": ROUTER_TOKEN }, "{ __schema { queryType { name } } }")).body)).not.toEqual([]);
      // Entities still answer in production, under the caller's token.
      const entities = await prod.exec(CT_LN, ENTITIES, { representations: numberRefs(["4001000004"]) });
      expect(entities.data!._entities).toEqual([{ number: "4001000004", status: "SPARE", carrier: { code: "CT-LN" } }]);
    } finally {
      await prod.close();
    }
  });

  it("in production without a configured credential, to nobody", async () => {
    const prod = await app.withServer({ NODE_ENV: "production" });
    try {
      const res = await prod.request.post("/graphql").set("x-federation-router-token", ROUTER_TOKEN).send({ query: SERVICE });
      expect(codes(res.body)).toEqual(["FORBIDDEN"]);
    } finally {
      await prod.close();
    }
  });
});

describe("Apollo's inline trace (ftv1)", () => {
  const QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on PhoneNumber { number } } }`;
  const ROUTER = "r".repeat(40);
  const traced = async (server: TestApp, router: string | null = ROUTER) => {
    const res = await server.request
      .post("/graphql")
      .set({
        "content-type": "application/json", "apollo-federation-include-trace": "ftv1", authorization: `Bearer ${await app.token("CT-LN", Role.CARRIER)}`,
        ...(router ? { "x-federation-router-token": router } : {}),
      })
      .send({ query: QUERY, variables: { representations: numberRefs(["4001000005"]) } });
    expect(res.body.data._entities).toEqual([{ number: "4001000005" }]);
    return res.body.extensions?.ftv1;
  };

  it("is off by default: a router asking for it gets none", async () => {
    expect(await traced(app)).toBeUndefined();
  });

  it("is given to a router that asks when FEDERATION_INLINE_TRACE=true, and to nobody else", async () => {
    const tracing = await app.withServer({ FEDERATION_INLINE_TRACE: "true", FEDERATION_ROUTER_TOKEN: ROUTER });
    try {
      expect(typeof (await traced(tracing))).toBe("string");
      expect(await traced(tracing, null)).toBeUndefined();
      expect(await traced(tracing, "x".repeat(40))).toBeUndefined();
    } finally {
      await tracing.close();
    }
  });
});

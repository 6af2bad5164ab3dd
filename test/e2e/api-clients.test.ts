import { AddressInfo } from "node:net";
import { Client, createClient } from "graphql-ws/client";
import WebSocket from "ws";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, codes, startTestApp } from "../helpers/app";
import { SHUTDOWN_NOTICES, until } from "../helpers/subscriptions";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN_ADMIN = { org: "CT-LN", role: Role.CARRIER, admin: true } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_ADMIN = { org: "CM", role: Role.CARRIER, admin: true } as const;
const RS_A_ADMIN = { org: "RS-A", role: Role.RESELLER, admin: true } as const;

const CREATE = `mutation($input: CreateApiClientInput!) { createApiClient(input: $input) {
  secret client { id name role organization { code } createdAt lastUsedAt revokedAt } } }`;
const LIST = `{ apiClients { totalCount edges { node { id name role organization { code } lastUsedAt revokedAt } } } }`;
const ROTATE = `mutation($id: ID!, $overlap: Int) { rotateApiClientSecret(clientId: $id, overlapSeconds: $overlap) { secret client { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiClient(clientId: $id) { id revokedAt } }`;
const MY_NUMBERS = `{ numbers(first: 5) { totalCount edges { node { number carrier { code } } } } }`;

let app: TestApp;

async function ok(as: Parameters<TestApp["exec"]>[0], query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

async function client(as: Parameters<TestApp["exec"]>[0] = CT_LN_ADMIN, name = "Shenyang switch 3") {
  const role = as && "role" in as ? as.role : Role.CARRIER;
  const org = as && "org" in as && as.org !== "PLATFORM" ? as.org : "CT-LN";
  return (await ok(as, CREATE, { input: { organizationCode: org, role, name } })).createApiClient as { secret: string; client: { id: string } };
}

/** Polls until the request is answered with this HTTP status, and says how long that took. */
async function untilStatus(target: TestApp, secret: string, status: number, ms = 5000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await target.exec({ token: secret }, MY_NUMBERS)).status === status) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${status} within ${ms} ms`);
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4009000000", rangeEnd: "4009000009" }) { created } }`);
  await ok({ org: "CM", role: Role.CARRIER }, `mutation { publishAllocation(input: { rangeStart: "4009100000", rangeEnd: "4009100009" }) { created } }`);
});
afterAll(() => app.close());

describe("API clients", () => {
  it("an administrator creates one for its organisation; its secret, shown once, acts with the organisation's role and reach", async () => {
    const { secret, client: made } = await client();
    expect(secret).toMatch(/^nr_live_[A-Za-z0-9_-]{43}$/);
    expect(made).toMatchObject({ name: "Shenyang switch 3", role: "CARRIER", organization: { code: "CT-LN" }, lastUsedAt: null, revokedAt: null });
    const body = await app.exec({ token: secret }, MY_NUMBERS);
    expect(body.errors).toBeUndefined();
    expect(body.data!.numbers.totalCount).toBe(10);
    expect(body.data!.numbers.edges.every((e: any) => e.node.carrier.code === "CT-LN")).toBe(true);

    // Only a digest is kept, and the audit log never holds the secret.
    const [stored] = await app.dataSource.query("SELECT encode(digest, 'hex') AS digest FROM api_client_secrets WHERE client_id = $1", [made.id]);
    expect(stored.digest).toHaveLength(64);
    expect(JSON.stringify(await app.dataSource.query("SELECT * FROM audit_events"))).not.toContain(secret.slice(8));
    const [event] = await app.dataSource.query("SELECT actor, operation, targets, outcome FROM audit_events WHERE operation = 'createApiClient' ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ actor: "ct-ln-admin", operation: "createApiClient", targets: expect.arrayContaining([made.id, "CT-LN"]), outcome: "SUCCESS" });

    // Its use is recorded without a write per request: the next flush records it.
    await app.server.services.apiClients.flushLastUsed();
    const listed = (await ok(CT_LN_ADMIN, LIST)).apiClients.edges.map((e: any) => e.node);
    expect(listed.find((c: any) => c.id === made.id).lastUsedAt).toEqual(expect.any(String));
    // A machine manages no clients: its role carries no ORG_ADMIN.
    expect(codes(await app.exec({ token: secret }, LIST))).toEqual(["FORBIDDEN"]);
  });

  it("refuses a role that does not fit the organisation, another organisation's administrator, and a plain token", async () => {
    const make = (as: Parameters<TestApp["exec"]>[0], input: Record<string, unknown>) => app.exec(as, CREATE, { input });
    expect(codes(await make(ADMIN, { organizationCode: "CT-LN", role: "RESELLER", name: "x" }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await make(ADMIN, { organizationCode: "CT-LN", role: "ADMIN", name: "x" }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await make(ADMIN, { organizationCode: "NOPE", role: "CARRIER", name: "x" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await make(ADMIN, { organizationCode: "CT-LN", role: "CARRIER", name: " " }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await make(ADMIN, { organizationCode: "CT-LN", role: "CARRIER", name: "x".repeat(101) }))).toEqual(["BAD_USER_INPUT"]);
    // Another organisation's answers as one that does not exist: an administrator learns nothing of it.
    const foreign = await make(CM_ADMIN, { organizationCode: "CT-LN", role: "CARRIER", name: "x" });
    const missing = await make(CM_ADMIN, { organizationCode: "NO-SUCH", role: "CARRIER", name: "x" });
    expect([codes(foreign), codes(missing)]).toEqual([["NOT_FOUND"], ["NOT_FOUND"]]);
    expect(foreign.errors![0].message.replace("CT-LN", "X")).toBe(missing.errors![0].message.replace("NO-SUCH", "X"));
    // Counted in characters as the database counts them, and naming something visible.
    for (const name of [`${"a".repeat(100)}\uFE0F`, "\u200B\u200B", "a\u202Eb", "tab\there", "\u0085x"]) {
      expect(codes(await make(ADMIN, { organizationCode: "CT-LN", role: "CARRIER", name }))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(codes(await make(CT_LN, { organizationCode: "CT-LN", role: "CARRIER", name: "x" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await make(null, { organizationCode: "CT-LN", role: "CARRIER", name: "x" }))).toEqual(["FORBIDDEN"]);
    // ADMIN makes one for any organisation; a reseller's administrator for its own.
    expect((await ok(ADMIN, CREATE, { input: { organizationCode: "CM", role: "CARRIER", name: "CM billing" } })).createApiClient.client.organization.code).toBe("CM");
    expect((await client(RS_A_ADMIN, "portal")).secret).toMatch(/^nr_live_/);
  });

  it("each administrator lists, rotates and revokes only its own organisation's clients; ADMIN every one", async () => {
    const mine = await client(CT_LN_ADMIN, "mine");
    const theirs = (await ok(CM_ADMIN, CREATE, { input: { organizationCode: "CM", role: "CARRIER", name: "theirs" } })).createApiClient;
    const listOf = async (as: Parameters<TestApp["exec"]>[0]) => (await ok(as, LIST)).apiClients.edges.map((e: any) => e.node.organization.code);
    expect(new Set(await listOf(CT_LN_ADMIN))).toEqual(new Set(["CT-LN"]));
    expect(new Set(await listOf(CM_ADMIN))).toEqual(new Set(["CM"]));
    expect(await listOf(ADMIN)).toEqual(expect.arrayContaining(["CT-LN", "CM"]));
    expect(codes(await app.exec(CT_LN_ADMIN, ROTATE, { id: theirs.client.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CT_LN_ADMIN, REVOKE, { id: theirs.client.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CT_LN_ADMIN, REVOKE, { id: "not-an-id" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CT_LN_ADMIN, ROTATE, { id: mine.client.id, overlap: -1 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN_ADMIN, ROTATE, { id: mine.client.id, overlap: 8 * 86400 }))).toEqual(["BAD_USER_INPUT"]);
    expect((await app.exec({ token: theirs.secret }, MY_NUMBERS)).status).toBe(200);
  });

  it("a rotated secret works during the overlap and not after; the new one works at once", async () => {
    const { secret: first, client: made } = await client(CT_LN_ADMIN, "rotating");
    expect((await app.exec({ token: first }, MY_NUMBERS)).status).toBe(200);
    const second = (await ok(CT_LN_ADMIN, ROTATE, { id: made.id, overlap: 3600 })).rotateApiClientSecret.secret;
    expect(second).not.toBe(first);
    expect((await app.exec({ token: first }, MY_NUMBERS)).status).toBe(200);
    expect((await app.exec({ token: second }, MY_NUMBERS)).status).toBe(200);
    const [{ hours }] = await app.dataSource.query(
      "SELECT round(extract(epoch FROM min(expires_at) - now()) / 3600)::int AS hours FROM api_client_secrets WHERE client_id = $1", [made.id],
    );
    expect(hours).toBe(1);

    // The overlap over (its end moved to now, as an hour later): the first is refused, the second still works.
    await app.dataSource.query("UPDATE api_client_secrets SET expires_at = now() WHERE client_id = $1 AND expires_at IS NOT NULL", [made.id]);
    await untilStatus(app, first, 401);
    const refused = await app.exec({ token: first }, MY_NUMBERS);
    expect(codes(refused)).toEqual(["UNAUTHENTICATED"]);
    expect(refused.errors![0].message).toMatch(/revoked, expired after a rotation, or never issued/);
    expect((await app.exec({ token: second }, MY_NUMBERS)).status).toBe(200);

    // Without an overlap, the old one stops at once.
    const third = (await ok(CT_LN_ADMIN, ROTATE, { id: made.id, overlap: 0 })).rotateApiClientSecret.secret;
    expect((await app.exec({ token: second }, MY_NUMBERS)).status).toBe(401);
    expect((await app.exec({ token: third }, MY_NUMBERS)).status).toBe(200);
  });

  it("a revoked client is refused at once here and on a second server within a second, and stays revoked", async () => {
    const other = await app.withServer({});
    try {
      const { secret, client: made } = await client(CT_LN_ADMIN, "to revoke");
      expect((await other.exec({ token: secret }, MY_NUMBERS)).status).toBe(200);
      const revoked = (await ok(CT_LN_ADMIN, REVOKE, { id: made.id })).revokeApiClient;
      expect(revoked.revokedAt).toEqual(expect.any(String));
      expect((await app.exec({ token: secret }, MY_NUMBERS)).status).toBe(401);
      // The other server may answer from what it accepted within the last second, never longer.
      expect(await untilStatus(other, secret, 401)).toBeLessThanOrEqual(1500);
      expect(codes(await app.exec(CT_LN_ADMIN, REVOKE, { id: made.id }))).toEqual(["CONFLICT"]);
      expect(codes(await app.exec(CT_LN_ADMIN, ROTATE, { id: made.id }))).toEqual(["CONFLICT"]);
      await expect(app.dataSource.query("UPDATE api_clients SET revoked_at = NULL, revoked_by = NULL WHERE id = $1", [made.id])).rejects.toThrow(/revoked for good/);
    } finally {
      await other.close();
    }
  });

  it("a subscription made with a client's secret works, and ends within a second of the client's revocation", async () => {
    await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
    const url = `ws://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
    const { secret, client: made } = await client(CT_LN_ADMIN, "subscriber");
    let closedWith: number | null = null;
    const received: unknown[] = [];
    const ws: Client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${secret}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.on("connected", () => resolve());
        ws.on("closed", (event) => {
          closedWith = (event as { code: number }).code;
          reject(new Error(`closed ${closedWith}`));
        });
      });
      ws.subscribe({ query: SHUTDOWN_NOTICES }, { next: (v) => received.push(v), error: () => undefined, complete: () => undefined });
      await ok(CT_LN_ADMIN, REVOKE, { id: made.id });
      const revokedAt = Date.now();
      await until(() => closedWith !== null, 3000);
      expect(closedWith).toBe(4401);
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(1500);
      expect(received).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it("a machine holds no person's judgement: a client approves no trunk line, approves or revokes no subscriber", async () => {
    const { secret } = await client(CT_LN_ADMIN, "would-be approver");
    for (const mutation of [
      `mutation { approveTrunkLine(trunkId: "00000000-0000-0000-0000-000000000000", department: "SALES", note: "ok") { id } }`,
      `mutation { approveSubscriber(subscriberId: "00000000-0000-0000-0000-000000000000") { id } }`,
      `mutation { revokeSubscriber(subscriberId: "00000000-0000-0000-0000-000000000000", reason: "forged papers") { id } }`,
    ]) {
      expect(codes(await app.exec({ token: secret }, mutation))).toEqual(["FORBIDDEN"]);
    }
    // What a switch does is the machine's: its numbers, and the shutdown orders it executes.
    expect((await app.exec({ token: secret }, `{ shutdownOrders(first: 1) { totalCount } }`)).errors).toBeUndefined();
  });

  it("refuses what only looks like a secret, and the database keeps a client's role to its organisation's kind", async () => {
    for (const token of ["nr_live_", `nr_live_${"A".repeat(43)}`, `nr_live_${"A".repeat(44)}`]) {
      const body = await app.exec({ token }, MY_NUMBERS);
      expect(body.status).toBe(401);
      expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
    }
    await expect(
      app.dataSource.query("INSERT INTO api_clients (organization_id, role, name, created_by) SELECT id, 'POLICE', 'x', 'sql' FROM organizations WHERE code = 'CT-LN'"),
    ).rejects.toThrow(/must belong to an organisation of that kind/);
  });
});

import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { TestApp, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const RS_B = { org: "RS-B", role: Role.RESELLER } as const;

const RESERVE = `mutation($n: String!) { reserveNumber(number: $n) { status } }`;
const RELEASE = `mutation($n: String!) { releaseReservation(number: $n) { number status reservedUntil reseller { code } subscriber { id } } }`;
const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`;
const UNASSIGN = `mutation($n: String!, $reason: String!) { unassignNumber(number: $n, reason: $reason) { number status reseller { code } subscriber { id } } }`;
const CHANGES = `query($after: String) { numberChanges(after: $after, first: 500) { edges { node { number status previousStatus cause } } } }`;
const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { status verified subscriberName } }`;

let app: TestApp;
let sequence = 0;
const sql = (text: string, params: unknown[] = []) => app.dataSource.query(text, params);

async function ok(as: Parameters<TestApp["exec"]>[0], query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A DRAFT subscriber of RS-A. */
async function subscriber(): Promise<string> {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  const body = `91210102MA${n}X`;
  const id = (b: string) => b + residentIdCheckCharacter(b);
  const { registerSubscriber } = await ok(RS_A, REGISTER, {
    input: {
      name: `Shenyang Routes ${n} Co., Ltd.`, uscc: body + usccCheckCharacter(body),
      legalRep: { name: "Zhang Wei", idNumber: id(`21010219800101${String(100 + sequence).slice(-3)}`) },
      handler: { name: "Li Na", idNumber: id(`21010219900215${String(200 + sequence).slice(-3)}`) },
      landline: "02488886666", address: "1 Example Road, Shenyang", businessScope: "Wholesale", declaredUse: "Customer service",
    },
  });
  return registerSubscriber.id;
}

const lastSeq = async () => (await sql("SELECT coalesce(max(seq), 0)::text AS seq FROM number_changes"))[0].seq as string;
const feedAfter = async (seq: string) =>
  sql("SELECT number, previous_status AS \"from\", status AS \"to\", cause FROM number_changes WHERE seq > $1 ORDER BY seq", [seq]);
const events = (operation: string, number: string) =>
  sql("SELECT org_code AS \"org\", outcome FROM audit_events WHERE operation = $1 AND $2 = ANY(targets) ORDER BY seq", [operation, number]);
const row = async (number: string) =>
  (await sql(
    `SELECT n.status, n.subscriber_id AS "subscriberId", n.reserved_until AS "reservedUntil", o.code AS reseller
       FROM numbers n LEFT JOIN organizations o ON o.id = n.reseller_id WHERE n.number = $1`,
    [number],
  ))[0];

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4003000000", rangeEnd: "4003000099" }) { created } }`);
  const toA = Array.from({ length: 90 }, (_, i) => String(4003000000 + i));
  await ok(CT_LN, `mutation($n: [String!]!) { wholesaleNumbers(input: { numbers: $n, resellerCode: "RS-A" }) { updated } }`, { n: toA });
  await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4003000090"], resellerCode: "RS-B" }) { updated } }`);
});
afterAll(() => app.close());

describe("releaseReservation", () => {
  it("returns a RESERVED number to the reseller's SPARE stock, through the change feed, audited", async () => {
    await ok(RS_A, RESERVE, { n: "4003000001" });
    const seq = await lastSeq();
    const { releaseReservation } = await ok(RS_A, RELEASE, { n: "400-300-0001" });
    expect(releaseReservation).toEqual({ number: "4003000001", status: "SPARE", reservedUntil: null, reseller: { code: "RS-A" }, subscriber: null });
    expect(await feedAfter(seq)).toEqual([{ number: "4003000001", from: "RESERVED", to: "SPARE", cause: "RELEASE" }]);
    expect(await events("releaseReservation", "4003000001")).toEqual([{ org: "RS-A", outcome: "SUCCESS" }]);
    // The reseller sees it in its own feed, and may reserve the number again.
    const mine = (await ok(RS_A, CHANGES)).numberChanges.edges.map((e: any) => e.node).filter((n: any) => n.number === "4003000001");
    expect(mine.at(-1)).toEqual({ number: "4003000001", status: "SPARE", previousStatus: "RESERVED", cause: "RELEASE" });
    expect((await ok(RS_A, RESERVE, { n: "4003000001" })).reserveNumber.status).toBe("RESERVED");
  });

  it("refuses another reseller's number and an unknown one in the same words, and a number not RESERVED", async () => {
    await ok(RS_A, RESERVE, { n: "4003000002" });
    const other = await app.exec(RS_B, RELEASE, { n: "4003000002" });
    const unknown = await app.exec(RS_B, RELEASE, { n: "4008880000" });
    expect(codes(other)).toEqual(["FORBIDDEN"]);
    expect(codes(unknown)).toEqual(["FORBIDDEN"]);
    expect(other.errors![0].message.replace("4003000002", "N")).toBe(unknown.errors![0].message.replace("4008880000", "N"));
    expect((await row("4003000002")).status).toBe("RESERVED");

    const spare = await app.exec(RS_A, RELEASE, { n: "4003000003" });
    expect(codes(spare)).toEqual(["CONFLICT"]);
    expect(spare.errors![0].message).toMatch(/only a RESERVED number is released; 4003000003 is SPARE/);
    expect(await events("releaseReservation", "4003000003")).toEqual([{ org: "RS-A", outcome: "CONFLICT" }]);
    // Only resellers release.
    expect(codes(await app.exec(CT_LN, RELEASE, { n: "4003000002" }))).toEqual(["FORBIDDEN"]);
  });
});

describe("unassignNumber", () => {
  it("takes back a number waiting for verification: SPARE in the reseller's stock, subscriber cleared, reason audited", async () => {
    const id = await subscriber();
    await ok(RS_A, ASSIGN, { n: "4003000010", id });
    const seq = await lastSeq();
    const { unassignNumber } = await ok(RS_A, UNASSIGN, { n: "4003000010", reason: "  assigned to the wrong company  " });
    expect(unassignNumber).toEqual({ number: "4003000010", status: "SPARE", reseller: { code: "RS-A" }, subscriber: null });
    expect(await row("4003000010")).toMatchObject({ status: "SPARE", subscriberId: null, reseller: "RS-A" });
    expect(await feedAfter(seq)).toEqual([{ number: "4003000010", from: "PENDING_VERIFICATION", to: "SPARE", cause: "UNASSIGN" }]);
    const [event] = await sql(
      "SELECT org_code AS org, outcome, targets, input_digest AS digest FROM audit_events WHERE operation = 'unassignNumber' AND '4003000010' = ANY(targets)",
    );
    expect(event).toMatchObject({ org: "RS-A", outcome: "SUCCESS" });
    expect(event.targets).toEqual(expect.arrayContaining(["4003000010", id]));
    expect(event.digest).toEqual(expect.any(String));
    // Back in stock: it may go to another subscriber, which it never served.
    await ok(RS_A, ASSIGN, { n: "4003000010", id: await subscriber() });
  });

  it("refuses after approval, another reseller, a number not waiting, and a reason out of bounds", async () => {
    const id = await subscriber();
    await ok(RS_A, ASSIGN, { n: "4003000011", id });
    // ACTIVE, as approval leaves it (the subscriber VERIFIED first: the database checks it).
    await sql("UPDATE subscribers SET identity_status = 'SUBMITTED' WHERE id = $1", [id]);
    await sql(
      "UPDATE subscribers SET identity_status = 'VERIFIED', verified_at = now(), verified_by = (SELECT id FROM organizations WHERE code = 'CT-LN') WHERE id = $1",
      [id],
    );
    await sql("UPDATE numbers SET status = 'ACTIVE' WHERE number = '4003000011'");
    const active = await app.exec(RS_A, UNASSIGN, { n: "4003000011", reason: "mistake" });
    expect(codes(active)).toEqual(["CONFLICT"]);
    expect(active.errors![0].message).toMatch(/only before approval: a number in service is terminated by its carrier/);

    await ok(RS_A, ASSIGN, { n: "4003000012", id: await subscriber() });
    const other = await app.exec(RS_B, UNASSIGN, { n: "4003000012", reason: "mistake" });
    expect(codes(other)).toEqual(["FORBIDDEN"]);
    expect(other.errors![0].message).toBe("4003000012 is not a number wholesaled to you");
    expect(codes(await app.exec(RS_A, UNASSIGN, { n: "4003000013", reason: "mistake" }))).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(RS_A, UNASSIGN, { n: "4003000012", reason: "   " }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(RS_A, UNASSIGN, { n: "4003000012", reason: "x".repeat(1001) }))).toEqual(["BAD_USER_INPUT"]);
    expect(await row("4003000012")).toMatchObject({ status: "PENDING_VERIFICATION" });
    expect(await events("unassignNumber", "4003000012")).toEqual([
      { org: "RS-B", outcome: "FORBIDDEN" },
      { org: "RS-A", outcome: "BAD_USER_INPUT" },
      { org: "RS-A", outcome: "BAD_USER_INPUT" },
    ]);
  });
});

describe("numbers waiting for verification", () => {
  it("are NOT_IN_SERVICE to the public", async () => {
    await ok(RS_A, ASSIGN, { n: "4003000020", id: await subscriber() });
    expect((await ok(null, LOOKUP, { n: "4003000020" })).lookupNumber).toEqual({ status: "NOT_IN_SERVICE", verified: false, subscriberName: null });
  });

  it("return to the reseller's stock after PENDING_VERIFICATION_DAYS (45), by the sweep, with cause SWEEP in the reseller's feed", async () => {
    const id = await subscriber();
    await ok(RS_A, ASSIGN, { n: "4003000030", id });
    const [{ since }] = await sql("SELECT status_since AS since FROM numbers WHERE number = '4003000030'");
    const day = 86_400_000;
    const sweeps = app.server.services.sweeps;

    // 44 days in: still waiting. (Other tests' waiting numbers are swept here too; only this one is looked at.)
    await sweeps.run(new Date(since.getTime() + 44 * day));
    expect((await row("4003000030")).status).toBe("PENDING_VERIFICATION");

    const seq = await lastSeq();
    const report = await sweeps.run(new Date(since.getTime() + 46 * day));
    expect(report.pendingReturned).toBeGreaterThanOrEqual(1);
    expect(await row("4003000030")).toMatchObject({ status: "SPARE", subscriberId: null, reseller: "RS-A" });
    const fed = await feedAfter(seq);
    expect(fed).toContainEqual({ number: "4003000030", from: "PENDING_VERIFICATION", to: "SPARE", cause: "SWEEP" });
    expect(fed).toHaveLength(report.pendingReturned + report.reservationsLapsed);
    const mine = (await ok(RS_A, CHANGES, { after: null })).numberChanges.edges.map((e: any) => e.node).filter((n: any) => n.number === "4003000030");
    expect(mine.at(-1)).toEqual({ number: "4003000030", status: "SPARE", previousStatus: "PENDING_VERIFICATION", cause: "SWEEP" });
  });
});

import { AddressInfo } from "node:net";
import type { Client } from "graphql-ws/client";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";
import { subscribeToNotices, until } from "../helpers/subscriptions";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const PSB_ZJ = { org: "PSB-ZJ", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;

const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) {
  id status caseNumber reason unknownNumbers executionDeadline items { number previousStatus state carrier { code } } } }`;
const ACK = `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id items { number state acknowledgedAt } } }`;
const EXECUTED = `mutation($id: ID!, $numbers: [String!]) { confirmShutdownExecuted(orderId: $id, numbers: $numbers) { items { number state executedAt } } }`;
const LIFT = `mutation($id: ID!, $reason: String!) { liftShutdownOrder(orderId: $id, reason: $reason) { status liftedAt } }`;
const ORDERS = `query($filter: ShutdownOrderFilter) { shutdownOrders(filter: $filter) { totalCount edges { node { id caseNumber items { number state overdue carrier { code } } } } } }`;
const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status verified carrierName subscriberName } }`;
const STATUS = `query($n: String!) { number(number: $n) { status } }`;

let a: TestApp;
let b: TestApp;
let urlB: string;
const clients: Client[] = [];

const order = (numbers: string[], caseNumber = "LN-2026-0815", reason = "TELECOM_FRAUD") => ({
  input: { numbers, caseNumber, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason, note: "reported by victims" },
});

async function ok(app: TestApp, as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const subscribe = (url: string, token: string) => subscribeToNotices(url, token, clients);

async function listen(app: TestApp): Promise<string> {
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  return `ws://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  a = await startTestApp();
  b = await a.withServer({});
  await listen(a);
  urlB = await listen(b);
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
    { code: "PSB-ZJ", name: "Zhejiang Public Security", kind: "POLICE", parentCode: "MPS", province: "33" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
  ]) {
    await ok(a, ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(a, CT_LN, `mutation { publishAllocation(input: { rangeStart: "4005000000", rangeEnd: "4005000099" }) { created } }`);
  await ok(a, CM, `mutation { publishAllocation(input: { rangeStart: "4007000000", rangeEnd: "4007000099", province: "44" }) { created } }`);
  await ok(a, CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4005000001", "4005000002", "4005000003"], resellerCode: "RS-A" }) { updated } }`);

  // 4005000001 in service for a verified company; 4005000002 reserved.
  const uscc = "91210102MA0XHPT01" + usccCheckCharacter("91210102MA0XHPT01");
  const id = (body: string) => body + residentIdCheckCharacter(body);
  const { registerSubscriber } = await ok(a, RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: "Shenyang Honest Trading Co., Ltd.", uscc, legalRep: { name: "Qian Yi", idNumber: id("21010219810101111") },
      handler: { name: "Sun Er", idNumber: id("21010219910202222") }, landline: "02412345678", address: "Shenyang", businessScope: "Trade", declaredUse: "Hotline",
    },
  });
  const sid = registerSubscriber.id;
  for (const [i, kind] of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"].entries()) {
    await ok(a, RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: sid, input: { kind, sha256: String(i).padStart(64, "e"), mediaType: "application/pdf", sizeBytes: 100, storageUri: `s3://b/${i}` },
    });
  }
  // The carrier reaches the subscriber (to re-check it) only once it holds one of the carrier's numbers.
  await ok(a, RS_A, `mutation($id: ID!) { assignNumber(number: "4005000001", subscriberId: $id) { status } }`, { id: sid });
  await ok(a, RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: sid });
  await ok(a, CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: sid });
  await ok(a, RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: sid });
  await ok(a, CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: sid });
  await ok(a, RS_A, `mutation { reserveNumber(number: "4005000002") { status } }`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await b.close();
  await a.close();
});

describe("an order across two server instances", () => {
  it("POLICE issues on A; the carrier's subscription on B gets exactly its numbers; another carrier nothing", async () => {
    const ct = await subscribe(urlB, await b.token("CT-LN", Role.CARRIER));
    const cm = await subscribe(urlB, await b.token("CM", Role.CARRIER));
    expect((await ok(a, null, LOOKUP, { n: "4005000001" })).lookupNumber).toEqual({
      number: "4005000001", status: "IN_SERVICE", verified: true, carrierName: "China Telecom", subscriberName: "Shenyang Honest Trading Co., Ltd.",
    });

    const { issueShutdownOrder: issued } = await ok(a, PSB_LN, ISSUE, order(["4005000001", "400-500-0002", "4005000003", "4009876543"]));
    expect(issued).toMatchObject({ status: "IN_EFFECT", caseNumber: "LN-2026-0815", unknownNumbers: ["4009876543"] });
    expect(issued.items.map((i: any) => [i.number, i.previousStatus, i.state, i.carrier.code])).toEqual([
      ["4005000001", "ACTIVE", "NOTIFIED", "CT-LN"],
      ["4005000002", "RESERVED", "NOTIFIED", "CT-LN"],
      ["4005000003", "SPARE", "NOTIFIED", "CT-LN"],
    ]);
    // Before the mutation returned, every public look-up shows the numbers stopped.
    expect((await ok(b, null, LOOKUP, { n: "4005000001" })).lookupNumber).toMatchObject({ status: "STOPPED" });

    await until(() => ct.received.length > 0);
    expect(ct.received).toEqual([{
      orderId: issued.id, numbers: ["4005000001", "4005000002", "4005000003"], reason: "TELECOM_FRAUD", executionDeadline: issued.executionDeadline,
    }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(cm.received).toEqual([]);
    expect([ct.errors, cm.errors]).toEqual([[], []]);

    // The feed carries the order for a carrier that was not listening.
    const { numberChanges } = await ok(b, CT_LN, `{ numberChanges(after: "0", first: 500) { edges { node { number status cause orderId } } } }`);
    const stops = numberChanges.edges.map((e: any) => e.node).filter((n: any) => n.cause === "SHUTDOWN");
    expect(stops).toEqual(["4005000001", "4005000002", "4005000003"].map((number) => ({ number, status: "FORCE_STOPPED", cause: "SHUTDOWN", orderId: issued.id })));

    // The carrier acknowledges and confirms; a reseller cannot lift; the issuer lifts.
    const { acknowledgeShutdown } = await ok(b, CT_LN, ACK, { id: issued.id });
    expect(acknowledgeShutdown.items.every((i: any) => i.state === "ACKNOWLEDGED" && i.acknowledgedAt)).toBe(true);
    const { confirmShutdownExecuted } = await ok(b, CT_LN, EXECUTED, { id: issued.id, numbers: ["4005000001"] });
    expect(confirmShutdownExecuted.items.map((i: any) => i.state)).toEqual(["EXECUTED", "ACKNOWLEDGED", "ACKNOWLEDGED"]);
    expect(codes(await a.exec(CM, ACK, { id: issued.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await a.exec(RS_A, LIFT, { id: issued.id, reason: "no" }))).toEqual(["FORBIDDEN"]);
    // Zhejiang's bureau does not see a Liaoning order: for it the order is not found, as one that does not exist.
    expect(codes(await a.exec(PSB_ZJ, LIFT, { id: issued.id, reason: "not ours" }))).toEqual(["NOT_FOUND"]);

    expect((await ok(a, PSB_LN, LIFT, { id: issued.id, reason: "the account was recovered by its owner" })).liftShutdownOrder.status).toBe("LIFTED");
    for (const [n, status] of [["4005000001", "ACTIVE"], ["4005000002", "RESERVED"], ["4005000003", "SPARE"]]) {
      expect((await ok(a, CT_LN, STATUS, { n })).number.status).toBe(status);
    }
    expect((await ok(a, null, LOOKUP, { n: "4005000001" })).lookupNumber.status).toBe("IN_SERVICE");
    expect(codes(await a.exec(PSB_LN, LIFT, { id: issued.id, reason: "again" }))).toEqual(["CONFLICT"]);
  });

  it("a number under two orders stays stopped after one is lifted; an authority above the issuer may lift", async () => {
    const first = (await ok(a, PSB_LN, ISSUE, order(["4005000010", "4005000011"], "LN-A"))).issueShutdownOrder;
    const second = (await ok(a, MIIT, ISSUE, order(["4005000010"], "MIIT-B", "HARASSMENT"))).issueShutdownOrder;
    expect(second.items[0].previousStatus).toBe("SPARE"); // what it was before any order
    await ok(a, MPS, LIFT, { id: first.id, reason: "lifted by the ministry" });
    expect((await ok(a, CT_LN, STATUS, { n: "4005000010" })).number.status).toBe("FORCE_STOPPED");
    expect((await ok(a, CT_LN, STATUS, { n: "4005000011" })).number.status).toBe("SPARE");
    await ok(a, MIIT, LIFT, { id: second.id, reason: "done" });
    expect((await ok(a, CT_LN, STATUS, { n: "4005000010" })).number.status).toBe("SPARE");
  });

  it("an item not acknowledged by its deadline is overdue (clock moved)", async () => {
    const { issueShutdownOrder: late } = await ok(a, PSB_LN, ISSUE, order(["4005000020", "4007000020"], "LN-LATE"));
    let { shutdownOrders } = await ok(a, MPS, ORDERS, { filter: { overdue: true } });
    expect(shutdownOrders.edges.map((e: any) => e.node.id)).not.toContain(late.id);
    await ok(a, CM, ACK, { id: late.id });
    await a.dataSource.query(
      `UPDATE shutdown_orders SET issued_at = issued_at - interval '20 minutes', acknowledgement_deadline = acknowledgement_deadline - interval '20 minutes',
              execution_deadline = execution_deadline - interval '20 minutes' WHERE id = $1`,
      [late.id],
    );
    ({ shutdownOrders } = await ok(a, MPS, ORDERS, { filter: { overdue: true } }));
    const node = shutdownOrders.edges.map((e: any) => e.node).find((n: any) => n.id === late.id);
    expect(node.items.map((i: any) => [i.number, i.carrier.code, i.state, i.overdue])).toEqual([
      ["4005000020", "CT-LN", "NOTIFIED", true],
      ["4007000020", "CM", "ACKNOWLEDGED", false],
    ]);
    // Each carrier sees only its own items, and whether it is late.
    const mine = (await ok(a, CM, ORDERS, { filter: { overdue: true } })).shutdownOrders;
    expect(mine.edges.map((e: any) => e.node.id)).not.toContain(late.id);
    const ct = (await ok(a, CT_LN, ORDERS, { filter: { overdue: true } })).shutdownOrders.edges.find((e: any) => e.node.id === late.id).node;
    expect(ct.items.map((i: any) => i.number)).toEqual(["4005000020"]);
    await ok(a, PSB_LN, LIFT, { id: late.id, reason: "closed" });
  });

  it("a fraud order lifted as a mistake takes its quarantine and bars with it; lifted as done, they stay", async () => {
    const [{ subscriber_id: sid }] = await a.dataSource.query("SELECT subscriber_id FROM numbers WHERE number = '4005000001'");
    await ok(a, CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4005000060", "4005000061"], resellerCode: "RS-A" }) { updated } }`);
    for (const n of ["4005000060", "4005000061"]) {
      expect((await ok(a, RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n, id: sid })).assignNumber.status).toBe("ACTIVE");
    }
    const state = async (n: string) => {
      const [row] = await a.dataSource.query("SELECT status, aging_days FROM numbers WHERE number = $1", [n]);
      const [{ bars }] = await a.dataSource.query("SELECT count(*)::int AS bars FROM number_bars WHERE number = $1", [n]);
      return { ...row, bars };
    };
    const mistaken = (await ok(a, PSB_LN, ISSUE, order(["4005000060"], "LN-MISTAKE-1"))).issueShutdownOrder;
    const done = (await ok(a, PSB_LN, ISSUE, order(["4005000061"], "LN-DONE-1"))).issueShutdownOrder;
    expect(await state("4005000060")).toEqual({ status: "FORCE_STOPPED", aging_days: 180, bars: 1 });

    const MISTAKEN = `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "wrong number typed", mistaken: true) { status } }`;
    await ok(a, PSB_LN, MISTAKEN, { id: mistaken.id });
    expect(await state("4005000060")).toEqual({ status: "ACTIVE", aging_days: null, bars: 0 });
    await ok(a, PSB_LN, LIFT, { id: done.id, reason: "case closed" });
    expect(await state("4005000061")).toEqual({ status: "ACTIVE", aging_days: 180, bars: 1 });
    const [marked] = await a.dataSource.query("SELECT lifted_as_mistaken FROM shutdown_orders WHERE id = $1", [mistaken.id]);
    expect(marked.lifted_as_mistaken).toBe(true);
  });

  it("a fraud order on an aging number lengthens its quarantine; lifted as a mistake, the ordinary period and end come back", async () => {
    const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created rejected { reason } } }`;
    const sync = { idempotencyKey: "aging-under-order", numbers: [{ number: "4005000170", status: "AGING" }, { number: "4005000171", status: "AGING" }] };
    expect((await ok(a, CT_LN, SYNC, { input: sync })).syncNumbers).toEqual({ created: 2, rejected: [] });
    const AGING = `query($n: String!) { number(number: $n) { status agingUntil } }`;
    const before = (await ok(a, CT_LN, AGING, { n: "4005000170" })).number;
    expect(before.status).toBe("AGING");
    const state = async (n: string) => {
      const [row] = await a.dataSource.query("SELECT status, aging_days AS days, aging_until AS until FROM numbers WHERE number = $1", [n]);
      return { status: row.status, days: row.days, until: row.until.toISOString() };
    };
    const end = new Date(before.agingUntil).getTime();
    const later = (days: number) => new Date(end + days * 86_400_000).toISOString();

    const mistaken = (await ok(a, PSB_LN, ISSUE, order(["4005000170"], "LN-AGING-1"))).issueShutdownOrder;
    const done = (await ok(a, PSB_LN, ISSUE, order(["4005000171"], "LN-AGING-2"))).issueShutdownOrder;
    expect(await state("4005000170")).toEqual({ status: "FORCE_STOPPED", days: 180, until: later(90) });
    await ok(a, PSB_LN, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "wrong number typed", mistaken: true) { status } }`, { id: mistaken.id });
    expect(await state("4005000170")).toEqual({ status: "AGING", days: 90, until: later(0) });
    await ok(a, PSB_LN, LIFT, { id: done.id, reason: "case closed" });
    expect((await state("4005000171")).days).toBe(180);
    expect(new Date((await state("4005000171")).until).getTime() - end).toBeGreaterThanOrEqual(90 * 86_400_000 - 60_000);
  });

  it("the orders of one case, by its case number, each within the reader's reach", async () => {
    const one = (await ok(a, PSB_LN, ISSUE, order(["4005000030"], "LN-CASE-7"))).issueShutdownOrder;
    const two = (await ok(a, PSB_LN, ISSUE, order(["4005000031"], "LN-CASE-7"))).issueShutdownOrder;
    const other = (await ok(a, PSB_LN, ISSUE, order(["4005000032"], "LN-CASE-8"))).issueShutdownOrder;
    const ids = async (as: As, caseNumber: string) =>
      (await ok(a, as, ORDERS, { filter: { caseNumber } })).shutdownOrders.edges.map((e: any) => e.node.id);
    expect(await ids(PSB_LN, " LN-CASE-7 ")).toEqual([two.id, one.id]);
    expect(await ids(MPS, "LN-CASE-8")).toEqual([other.id]);
    expect(await ids(CM, "LN-CASE-7")).toEqual([]); // none of its numbers
    expect(codes(await a.exec(PSB_LN, ORDERS, { filter: { caseNumber: "x".repeat(65) } }))).toEqual(["BAD_USER_INPUT"]);
    for (const id of [one.id, two.id, other.id]) await ok(a, PSB_LN, LIFT, { id, reason: "closed" });
  });
});

describe("a FORCE_STOPPED number moves by no other route", () => {
  let stop: string;
  beforeAll(async () => {
    await ok(a, CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4005000030"], resellerCode: "RS-A" }) { updated } }`);
    stop = (await ok(a, PSB_LN, ISSUE, order(["4005000030"], "LN-STOP"))).issueShutdownOrder.id;
  });

  it("reserving it is CONFLICT naming the order", async () => {
    const body = await a.exec(RS_A, `mutation { reserveNumber(number: "4005000030") { status } }`);
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toContain(stop);
    expect(body.errors![0].message).toContain("LN-STOP");
  });

  it("a sync to another status is rejected naming the order", async () => {
    const { syncNumbers } = await ok(a, CT_LN, `mutation { syncNumbers(input: { idempotencyKey: "stop-1", numbers: [{ number: "4005000030", status: SPARE }] }) { rejected { number reason } } }`);
    expect(syncNumbers.rejected[0].reason).toContain(stop);
  });

  it("the database refuses it by any route, and refuses FORCE_STOPPED without an order", async () => {
    await expect(a.dataSource.query("UPDATE numbers SET status = 'SPARE' WHERE number = '4005000030'")).rejects.toThrow(/FORCE_STOPPED/);
    await expect(a.dataSource.query("UPDATE numbers SET status = 'FORCE_STOPPED' WHERE number = '4005000040'")).rejects.toThrow(/only by a shutdown order/);
    await expect(a.dataSource.query("INSERT INTO numbers (number, carrier_id, status) SELECT '4005099999', carrier_id, 'FORCE_STOPPED' FROM numbers LIMIT 1"))
      .rejects.toThrow(/only by a shutdown order/);
    await expect(a.dataSource.query("DELETE FROM shutdown_orders")).rejects.toThrow(/never deleted/);
  });
});

describe("who may do what", () => {
  it("the shutdown mutations are forbidden to every other role, and each attempt is audited", async () => {
    const [{ id }] = await a.dataSource.query("SELECT id FROM shutdown_orders ORDER BY seq LIMIT 1");
    const others: Record<string, As[]> = {
      issueShutdownOrder: [CT_LN, RS_A, ADMIN, null],
      liftShutdownOrder: [CT_LN, RS_A, ADMIN, null],
      acknowledgeShutdown: [PSB_LN, MIIT, RS_A, ADMIN, null],
      confirmShutdownExecuted: [PSB_LN, MIIT, RS_A, ADMIN, null],
    };
    const call: Record<string, [string, Record<string, unknown>]> = {
      issueShutdownOrder: [ISSUE, order(["4005000050"])],
      liftShutdownOrder: [LIFT, { id, reason: "x".repeat(10) }],
      acknowledgeShutdown: [ACK, { id }],
      confirmShutdownExecuted: [EXECUTED, { id }],
    };
    for (const [operation, roles] of Object.entries(others)) {
      for (const as of roles) {
        const before = await auditCount(a.dataSource);
        const body = await a.exec(as, ...call[operation]);
        expect([operation, as, codes(body)]).toEqual([operation, as, ["FORBIDDEN"]]);
        expect(await auditCount(a.dataSource)).toBe(before + 1);
      }
    }
    expect((await ok(a, CT_LN, STATUS, { n: "4005000050" })).number.status).toBe("SPARE");
  });

  it("a subscription needs a carrier's valid token", async () => {
    await expect(subscribe(urlB, "not-a-token")).rejects.toThrow(/closed 4403/);
    const police = await subscribe(urlB, await b.token("PSB-LN", Role.POLICE));
    await until(() => police.errors.length > 0);
    expect(JSON.stringify(police.errors)).toMatch(/FORBIDDEN/);
  });

  it("bad input changes nothing: malformed numbers, more than 10,000", async () => {
    const before = await a.dataSource.query("SELECT count(*)::int AS n FROM shutdown_orders");
    let body = await a.exec(PSB_LN, ISSUE, order(["4005000060", "40050000６1"]));
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain("40050000６1");
    body = await a.exec(PSB_LN, ISSUE, order(Array.from({ length: 10_001 }, (_, i) => String(4005000000 + i))));
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(await a.dataSource.query("SELECT count(*)::int AS n FROM shutdown_orders")).toEqual(before);
  });
});

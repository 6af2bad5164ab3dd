import { AddressInfo } from "node:net";
import type { Client } from "graphql-ws/client";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";
import { subscribeToNotices, until } from "../helpers/subscriptions";

/*
 * Issue 13: a provincial administration or bureau reads its province only, and a provincial administration
 * acts only there; each test replays a leak found with the demo organisations.
 */

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const CT_ZJ = { org: "CT-ZJ", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;

const ITEM = `number state previousStatus acknowledgedAt executedAt overdue carrier { code }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id unknownNumbers items { ${ITEM} } } }`;
const ORDERS = `query($filter: ShutdownOrderFilter) { shutdownOrders(filter: $filter, first: 500) { totalCount edges { node { id items { ${ITEM} } } } } }`;
const ACK = `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id } }`;
const EXECUTED = `mutation($id: ID!) { confirmShutdownExecuted(orderId: $id) { id } }`;
const LIFT = `mutation($id: ID!, $reason: String!) { liftShutdownOrder(orderId: $id, reason: $reason) { status } }`;
const SUSPEND = `mutation($n: String!, $r: String!) { suspendNumber(number: $n, reason: $r) { number status suspension } }`;
const STATUS = `query($n: String!) { number(number: $n) { status } }`;
const RECORD = `mutation($input: RecordPenaltyInput!) { recordPenalty(input: $input) { id blacklisted } }`;
const TRAIL = `query($t: String!) { auditTrail(target: $t, first: 500) { totalCount edges { node { operation outcome targets } } } }`;
const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id uscc } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`;

// Numbers: CT-LN's in Liaoning (21), CM-GD's in Guangdong (44), CT-ZJ's in Zhejiang (33); 4003999xxx nobody's.
const LN = (i: number) => String(4003000000 + i);
const GD = (i: number) => String(4003100000 + i);
const ZJ = (i: number) => String(4003200000 + i);

let app: TestApp;
let url: string;
let sequence = 0;
const clients: Client[] = [];

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (body: string) => body + residentIdCheckCharacter(body);

/** A company registered by RS-A, holding these numbers waiting for verification. */
async function company(numbers: string[]) {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  const input = {
    name: `Reach Example ${n} Co., Ltd.`,
    uscc: uscc(`91210200MA${n}R`),
    legalRep: { name: "Zheng Shi", idNumber: residentId(`21010219760505${String(100 + sequence).slice(-3)}`) },
    handler: { name: "Feng Yi", idNumber: residentId(`21010219860606${String(400 + sequence).slice(-3)}`) },
    landline: "041188887777", address: "3 Example Road, Dalian", businessScope: "Retail", declaredUse: "Hotline",
  };
  const { registerSubscriber } = await ok(RS_A, REGISTER, { input });
  for (const number of numbers) await ok(RS_A, ASSIGN, { n: number, id: registerSubscriber.id });
  return { id: registerSubscriber.id as string, input };
}

const order = (numbers: string[], caseNumber: string) => ({
  input: { numbers, caseNumber, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "" },
});

const penalty = (overrides: Record<string, unknown>) => ({
  input: {
    targetName: "Reach Example Co., Ltd.", targetKind: "ORGANIZATION", facts: "Numbers used for fraud after repeated notices.",
    legalBasis: "Telecommunications Regulations, Article 57", fineCny: 100000, decisionDate: "2025-06-30", publish: false, blacklist: true,
    ...overrides,
  },
});

/** What a refused write could have changed. */
const written = async () =>
  (await app.dataSource.query(
    `SELECT (SELECT count(*) FROM shutdown_orders)::int AS orders, (SELECT count(*) FROM shutdown_items)::int AS items,
            (SELECT count(*) FROM number_changes)::int AS changes, (SELECT count(*) FROM number_bars)::int AS bars,
            (SELECT count(*) FROM number_suspensions)::int AS suspensions,
            (SELECT count(*) FROM penalties)::int AS penalties, (SELECT count(*) FROM blacklist)::int AS blacklist`,
  ))[0];

/** The last audit event: a refused mutation is recorded as refused. */
const lastEvent = async () => (await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1"))[0];

const trail = async (as: As, target: string) => (await ok(as, TRAIL, { t: target })).auditTrail;
const EMPTY = { totalCount: 0, edges: [] };

/** A carrier's subscription; `received` fills as notices arrive. */
const subscribe = async (as: { org: string; role: Role.CARRIER }) => subscribeToNotices(url, await app.token(as.org, as.role), clients);

beforeAll(async () => {
  app = await startTestApp();
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-ZJ", name: "China Telecom Zhejiang", kind: "CARRIER", parentCode: "CT", province: "33" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
    { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  const publish = `mutation($a: String!, $b: String!) { publishAllocation(input: { rangeStart: $a, rangeEnd: $b }) { created } }`;
  await ok(CT_LN, publish, { a: LN(0), b: LN(49) });
  await ok(CM_GD, publish, { a: GD(0), b: GD(49) });
  await ok(CT_ZJ, publish, { a: ZJ(0), b: ZJ(19) });
  const wholesale = `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`;
  await ok(CT_LN, wholesale, { input: { numbers: Array.from({ length: 10 }, (_, i) => LN(i)), resellerCode: "RS-A" } });
  await ok(CM_GD, wholesale, { input: { numbers: Array.from({ length: 10 }, (_, i) => GD(i)), resellerCode: "RS-A" } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await app.close();
});

describe("shutdown orders", () => {
  it("a provincial administration naming another province's numbers is FORBIDDEN, writes nothing, and the attempt is audited", async () => {
    const before = await written();
    const events = await auditCount(app.dataSource);
    const refused = await app.exec(CA_ZJ, ISSUE, order([GD(10), LN(10)], "ZJ-REACH-0001"));
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors![0].message).toContain(GD(10));
    expect(refused.errors![0].message).toContain(LN(10));
    expect(await written()).toEqual(before);
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    expect(await lastEvent()).toEqual({ operation: "issueShutdownOrder", outcome: "FORBIDDEN" });
    for (const n of [GD(10), LN(10)]) expect((await ok(MIIT, STATUS, { n })).number.status).toBe("SPARE");

    // One number out of reach refuses the whole order, naming only that number.
    const mixed = await app.exec(CA_ZJ, ISSUE, order([ZJ(1), LN(11)], "ZJ-REACH-0002"));
    expect(codes(mixed)).toEqual(["FORBIDDEN"]);
    expect(mixed.errors![0].message).toContain(LN(11));
    expect(mixed.errors![0].message).not.toContain(ZJ(1));
    expect(await written()).toEqual(before);
  });

  it("a provincial administration orders its own province's numbers; unknown numbers are reported back", async () => {
    const { issueShutdownOrder } = await ok(CA_ZJ, ISSUE, order([ZJ(2), "4003999998"], "ZJ-REACH-0003"));
    expect(issueShutdownOrder.unknownNumbers).toEqual(["4003999998"]);
    expect(issueShutdownOrder.items.map((i: any) => [i.number, i.previousStatus, i.carrier.code])).toEqual([[ZJ(2), "SPARE", "CT-ZJ"]]);
    const lnOwn = (await ok(CA_LN, ISSUE, order([LN(12)], "LN-REACH-0003"))).issueShutdownOrder;
    expect(lnOwn.items.map((i: any) => i.number)).toEqual([LN(12)]);
  });

  describe("a provincial police bureau orders a number of another province", () => {
    let id: string;
    const LN_ITEM = LN(20);
    const GD_ITEM = GD(20);
    const nodeOf = async (as: As, filter: Record<string, unknown> = {}) =>
      (await ok(as, ORDERS, { filter })).shutdownOrders.edges.map((e: any) => e.node).find((n: any) => n.id === id);

    it("is allowed (fraud crosses provinces); each carrier's subscription gets only its numbers, another province's carrier nothing", async () => {
      const ct = await subscribe(CT_LN);
      const cm = await subscribe(CM_GD);
      const zj = await subscribe(CT_ZJ);
      const { issueShutdownOrder } = await ok(PSB_LN, ISSUE, order([LN_ITEM, GD_ITEM], "LN-REACH-0004"));
      id = issueShutdownOrder.id;
      // The bureau's own answer: outside Liaoning only the number, its carrier and the item's state.
      expect(issueShutdownOrder.items).toEqual([
        { number: LN_ITEM, state: "NOTIFIED", previousStatus: "SPARE", acknowledgedAt: null, executedAt: null, overdue: false, carrier: { code: "CT-LN" } },
        { number: GD_ITEM, state: "NOTIFIED", previousStatus: null, acknowledgedAt: null, executedAt: null, overdue: null, carrier: { code: "CM-GD" } },
      ]);
      for (const n of [LN_ITEM, GD_ITEM]) expect((await ok(MIIT, STATUS, { n })).number.status).toBe("FORCE_STOPPED");

      await until(() => ct.received.length > 0 && cm.received.length > 0);
      expect(ct.received).toMatchObject([{ orderId: id, numbers: [LN_ITEM], reason: "TELECOM_FRAUD" }]);
      expect(cm.received).toMatchObject([{ orderId: id, numbers: [GD_ITEM], reason: "TELECOM_FRAUD" }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(zj.received).toEqual([]);
      expect([ct.errors, cm.errors, zj.errors]).toEqual([[], [], []]);
    });

    it("its reads, the overdue filter included, show it no more of the Guangdong item than its number, carrier and state", async () => {
      await ok(CT_LN, EXECUTED, { id });
      // The Guangdong item is late to be acknowledged, the Liaoning one executed.
      await app.dataSource.query(
        `UPDATE shutdown_orders SET issued_at = issued_at - interval '20 minutes', acknowledgement_deadline = acknowledgement_deadline - interval '20 minutes',
                execution_deadline = execution_deadline - interval '20 minutes' WHERE id = $1`,
        [id],
      );
      expect(await nodeOf(PSB_LN, { overdue: true })).toBeUndefined();
      expect(await nodeOf(CA_LN, { overdue: true })).toBeUndefined();
      expect((await nodeOf(MPS, { overdue: true })).items.map((i: any) => [i.number, i.overdue])).toEqual([[LN_ITEM, false], [GD_ITEM, true]]);

      await ok(CM_GD, EXECUTED, { id });
      for (const as of [PSB_LN, CA_LN]) {
        const [ln, gd] = (await nodeOf(as, { overdue: false })).items;
        expect(ln).toMatchObject({ number: LN_ITEM, state: "EXECUTED", previousStatus: "SPARE", overdue: false });
        expect(ln.executedAt).not.toBeNull();
        expect(gd).toEqual({ number: GD_ITEM, state: "EXECUTED", previousStatus: null, acknowledgedAt: null, executedAt: null, overdue: null, carrier: { code: "CM-GD" } });
      }
      // The ministry and the national administration read every item in full.
      for (const as of [MPS, MIIT]) {
        const gd = (await nodeOf(as)).items[1];
        expect(gd).toMatchObject({ number: GD_ITEM, state: "EXECUTED", previousStatus: "SPARE", overdue: false });
        expect(gd.executedAt).not.toBeNull();
      }
      // Each carrier its own item only, in full; Zhejiang's administration not the order at all.
      expect((await nodeOf(CM_GD)).items).toEqual([expect.objectContaining({ number: GD_ITEM, previousStatus: "SPARE" })]);
      expect((await nodeOf(CT_LN)).items.map((i: any) => i.number)).toEqual([LN_ITEM]);
      expect(await nodeOf(CA_ZJ)).toBeUndefined();
      expect(await nodeOf(CT_ZJ)).toBeUndefined();
    });

    it("only the issuer or one above it lifts it; one that does not see it is told it does not exist", async () => {
      expect(codes(await app.exec(CA_ZJ, LIFT, { id, reason: "not ours" }))).toEqual(["NOT_FOUND"]);
      expect(codes(await app.exec(CA_LN, LIFT, { id, reason: "sees it, did not issue it" }))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(CA_LN, LIFT, { id: "00000000-0000-4000-8000-000000000000", reason: "nothing" }))).toEqual(["NOT_FOUND"]);
      expect((await ok(MIIT, STATUS, { n: GD_ITEM })).number.status).toBe("FORCE_STOPPED");
      expect((await ok(PSB_LN, LIFT, { id, reason: "the case is closed" })).liftShutdownOrder.status).toBe("LIFTED");
    });
  });
});

describe("suspensions", () => {
  beforeAll(async () => {
    await company([LN(5), LN(6)]);
    await company([GD(5), GD(6)]);
  });

  it("a carrier cannot suspend another carrier's number, in the same words as a number that does not exist", async () => {
    const before = await written();
    const foreign = await app.exec(CM_GD, SUSPEND, { n: LN(5), r: "not ours" });
    const missing = await app.exec(CM_GD, SUSPEND, { n: "4003999997", r: "nobody's" });
    expect([codes(foreign), codes(missing)]).toEqual([["FORBIDDEN"], ["FORBIDDEN"]]);
    expect(foreign.errors![0].message.replace(LN(5), "N")).toBe(missing.errors![0].message.replace("4003999997", "N"));
    expect(await lastEvent()).toEqual({ operation: "suspendNumber", outcome: "FORBIDDEN" });
    expect(await written()).toEqual(before);
    expect((await ok(MIIT, STATUS, { n: LN(5) })).number.status).toBe("PENDING_VERIFICATION");
    expect((await ok(CM_GD, SUSPEND, { n: GD(5), r: "our own" })).suspendNumber).toMatchObject({ status: "SUSPENDED", suspension: "CARRIER" });
  });

  it("a provincial administration cannot suspend outside its province; its own province's numbers it may", async () => {
    const before = await written();
    const otherProvince = await app.exec(CA_ZJ, SUSPEND, { n: LN(6), r: "not our province" });
    const nowhere = await app.exec(CA_ZJ, SUSPEND, { n: "4003999996", r: "nowhere" });
    expect([codes(otherProvince), codes(nowhere)]).toEqual([["FORBIDDEN"], ["FORBIDDEN"]]);
    expect(otherProvince.errors![0].message.replace(LN(6), "N")).toBe(nowhere.errors![0].message.replace("4003999996", "N"));
    expect(codes(await app.exec(CA_LN, SUSPEND, { n: GD(6), r: "not our province" }))).toEqual(["FORBIDDEN"]);
    expect(await written()).toEqual(before);
    expect((await ok(CA_LN, SUSPEND, { n: LN(6), r: "provincial inspection" })).suspendNumber).toMatchObject({ status: "SUSPENDED", suspension: "REGULATOR" });
    expect(codes(await app.exec(MIIT, SUSPEND, { n: "4003999995", r: "x" }))).toEqual(["NOT_FOUND"]);
  });
});

describe("penalties", () => {
  it("a provincial administration cannot penalise (and blacklist) a company or person of another province; the province's own may", async () => {
    const liaoning = await company([LN(7)]);
    const before = await written();
    for (const overrides of [
      { targetName: liaoning.input.name, targetUscc: liaoning.input.uscc },
      { targetName: "China Telecom Liaoning", targetOrgCode: "CT-LN", blacklist: false },
      { targetName: liaoning.input.legalRep.name, targetKind: "PERSON", targetIdNumber: liaoning.input.legalRep.idNumber },
      { targetName: "Nobody in particular", blacklist: false },
    ]) {
      const body = await app.exec(CA_ZJ, RECORD, penalty(overrides));
      expect([overrides, codes(body)]).toEqual([overrides, ["FORBIDDEN"]]);
      expect(await lastEvent()).toEqual({ operation: "recordPenalty", outcome: "FORBIDDEN" });
    }
    expect(await written()).toEqual(before);

    const { recordPenalty } = await ok(CA_LN, RECORD, penalty({ targetName: liaoning.input.name, targetUscc: liaoning.input.uscc }));
    expect(recordPenalty.blacklisted).toBe(true);
    // The blacklist applies nationwide: the company gets no new number, wherever it is.
    expect(codes(await app.exec(RS_A, ASSIGN, { n: GD(7), id: liaoning.id }))).toEqual(["FORBIDDEN"]);
    // A national administration penalises anyone.
    await ok(MIIT, RECORD, penalty({ targetName: "China Mobile Guangdong", targetOrgCode: "CM-GD", blacklist: false }));
  });
});

describe("audit trails", () => {
  let orderId: string;
  let holder: { id: string; input: { name: string; uscc: string } };
  beforeAll(async () => {
    holder = await company([LN(8)]);
    // An event naming the company's USCC.
    await ok(CA_LN, RECORD, penalty({ targetName: holder.input.name, targetUscc: holder.input.uscc, blacklist: false }));
    orderId = (await ok(PSB_LN, ISSUE, order([LN(30), GD(30)], "LN-REACH-0009"))).issueShutdownOrder.id;
  });

  it("a provincial administration reads no trail of another province's number, order, company, or of a police case; MIIT reads them all", async () => {
    for (const target of [LN(30), "400-300-0030", orderId, holder.id, holder.input.uscc, "LN-REACH-0009", GD(30)]) {
      expect([target, await trail(CA_ZJ, target)]).toEqual([target, EMPTY]);
      expect([target, (await trail(MIIT, target)).totalCount > 0]).toEqual([target, true]);
    }
    // Liaoning's administration reads its province's records; within them, an event shows only the targets it
    // reaches: not the Guangdong number the same order named, nor the police case.
    const hidden = [GD(30), "LN-REACH-0009"];
    for (const target of [LN(30), orderId, holder.id, holder.input.uscc]) {
      const national = await trail(MIIT, target);
      const withoutHidden = {
        ...national,
        edges: national.edges.map((e: any) => ({ ...e, node: { ...e.node, targets: e.node.targets.filter((t: string) => !hidden.includes(t)) } })),
      };
      expect(await trail(CA_LN, target)).toEqual(withoutHidden);
    }
    const issued = (await trail(CA_LN, orderId)).edges.find((e: any) => e.node.operation === "issueShutdownOrder").node;
    expect(issued.targets).toEqual([LN(30), orderId]);
    expect(await trail(CA_LN, "LN-REACH-0009")).toEqual(EMPTY);
    expect(await trail(CA_LN, GD(30))).toEqual(EMPTY);
    expect(await trail(CA_LN, "4003999990")).toEqual(EMPTY);
  });

  it("a provincial administration reads the trails of its own province's numbers and of organisations it sees", async () => {
    await ok(CA_ZJ, ISSUE, order([ZJ(9)], "ZJ-REACH-0010"));
    expect((await trail(CA_ZJ, ZJ(9))).edges.map((e: any) => e.node.operation)).toContain("issueShutdownOrder");
    expect((await trail(CA_ZJ, "CT-LN")).edges.map((e: any) => e.node.operation)).toContain("createOrganization");
  });
});

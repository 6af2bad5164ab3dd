import fc from "fast-check";
import { Role } from "../../src/shared/auth/roles";
import { chinaDayOf, addDays } from "../../src/shared/dates";
import { As, GraphQLBody, TestApp, codes, startTestApp } from "../helpers/app";
import { SubscriberBuilder } from "../helpers/subscribers";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const RS_B = { org: "RS-B", role: Role.RESELLER } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;

const SCHEDULE = `mutation($input: SetDepositScheduleInput!) { setDepositSchedule(input: $input) { id province amountCny effectiveFrom followDays } }`;
const NUMBER = `query($n: String!) { number(number: $n) { number status suspension deposit { amountCny status postedAt paid followUntil reseller { code } carrier { code } } } }`;
const RECEIVED = `mutation($n: String!, $r: String!) { recordDepositReceived(number: $n, reference: $r) { number status deposit { status paid } } }`;
const REFUNDED = `mutation($n: String!, $r: String!) { recordDepositRefunded(number: $n, reference: $r) { number status deposit { status } } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;
const CONFIRM = `mutation($id: ID!, $numbers: [String!]!, $d: String!) { confirmFraud(orderId: $id, numbers: $numbers, decisionReference: $d) { id status } }`;
const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { updated rejected { number reason } } }`;
const DEPOSITS = `query($filter: DepositFilter, $first: Int, $after: String) { deposits(filter: $filter, first: $first, after: $after) {
  totalCount totals { count postedCny dueCny heldCny forfeitedCny releasedCny refundedCny forfeited forfeitureRate }
  pageInfo { hasNextPage endCursor } edges { node { number amountCny status reseller { code } carrier { code } province } } } }`;
const TOTALS = `query($groupBy: [DepositDimension!]!) { depositTotals(groupBy: $groupBy) { carrierCode province resellerCode count forfeited forfeitureRate postedCny forfeitedCny } }`;

let app: TestApp;
let subscribers: SubscriberBuilder;
const today = chinaDayOf(new Date());

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const number = async (n: string, as: As = MIIT) => (await ok(as, NUMBER, { n })).number;
const sql = (text: string, params: unknown[] = []) => app.dataSource.query(text, params);

/** Every posting balances, the ledger sums to zero, and each deposit's status is the one its postings give. */
async function expectLedgerConsistent(): Promise<void> {
  const [{ total, unbalanced }] = await sql(
    `SELECT coalesce(sum(amount_fen), 0)::text AS total,
            (SELECT count(*)::int FROM (SELECT posting_id FROM deposit_entries GROUP BY posting_id HAVING sum(amount_fen) <> 0 OR count(*) < 2) x) AS unbalanced
       FROM deposit_entries`,
  );
  expect({ total, unbalanced }).toEqual({ total: "0", unbalanced: 0 });
  const wrong = await sql(
    `SELECT d.number, d.status, array_agg(p.kind ORDER BY p.id) AS kinds FROM deposits d JOIN deposit_postings p ON p.deposit_id = d.id
      GROUP BY d.id, d.number, d.status
     HAVING d.status <> CASE (array_agg(p.kind ORDER BY p.id DESC))[1] WHEN 'POST' THEN 'DUE' WHEN 'RECEIVE' THEN 'HELD' WHEN 'FORFEIT' THEN 'FORFEITED'
                                                                     WHEN 'RELEASE' THEN 'RELEASED' WHEN 'REFUND' THEN 'REFUNDED' END
         OR (array_agg(p.kind ORDER BY p.id))[1] <> 'POST'`,
  );
  expect(wrong).toEqual([]);
}

beforeAll(async () => {
  app = await startTestApp();
  subscribers = new SubscriberBuilder(app, "Deposit");
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER", province: "44" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning CA", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang CA", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning PSB", kind: "POLICE", parentCode: "MPS", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  for (const [carrier, start, reseller] of [[CT_LN, "4003000000", "RS-A"], [CM_GD, "4004000000", "RS-B"]] as const) {
    const end = String(Number(start) + 999);
    await ok(carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, { s: start, e: end });
    const numbers = Array.from({ length: 1000 }, (_, i) => String(Number(start) + i));
    await ok(carrier, `mutation($n: [String!]!, $r: String!) { wholesaleNumbers(input: { numbers: $n, resellerCode: $r }) { updated } }`, { n: numbers, r: reseller });
  }
  // National: CNY 2,000, received before service. Guangdong's own: CNY 500.50, which may follow within 30 days.
  await ok(MIIT, SCHEDULE, { input: { amountCny: 2000, effectiveFrom: today } });
  await ok(MIIT, SCHEDULE, { input: { amountCny: 500.5, effectiveFrom: today, province: "44", followDays: 30 } });
}, 120_000);
afterAll(() => app.close());

describe("the schedule", () => {
  it("two at once for one province and day: one is set, the others CONFLICT", async () => {
    const day = addDays(today, 40);
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.exec(MIIT, SCHEDULE, { input: { amountCny: 5, effectiveFrom: day, province: "44" } })));
    expect(answers.map((a) => codes(a)[0] ?? "OK").sort()).toEqual(["CONFLICT", "CONFLICT", "CONFLICT", "CONFLICT", "CONFLICT", "OK"]);
  });

  it("national or a province's own, from today on; a provincial regulator sets only its own; one per province and day", async () => {
    const later = addDays(today, 10);
    expect((await ok(CA_LN, SCHEDULE, { input: { amountCny: 1500, effectiveFrom: later, province: "21" } })).setDepositSchedule)
      .toMatchObject({ province: "21", amountCny: 1500, effectiveFrom: later, followDays: null });
    expect(codes(await app.exec(CA_LN, SCHEDULE, { input: { amountCny: 1500, effectiveFrom: later, province: "33" } }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CA_ZJ, SCHEDULE, { input: { amountCny: 1500, effectiveFrom: later } }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CA_LN, SCHEDULE, { input: { amountCny: 900, effectiveFrom: later, province: "21" } }))).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(MIIT, SCHEDULE, { input: { amountCny: 100, effectiveFrom: addDays(today, -1) } }))).toEqual(["BAD_USER_INPUT"]);
    for (const bad of [
      { amountCny: 1.005 }, { amountCny: -1 }, { amountCny: 2_000_000 }, { followDays: 0 }, { followDays: 91 }, { effectiveFrom: "2026-02-30" },
      { effectiveFrom: "9999-12-31" }, { province: "99" },
    ]) {
      const body = await app.exec(MIIT, SCHEDULE, { input: { amountCny: 10, effectiveFrom: addDays(today, 20), ...bad } });
      expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    }
    for (const as of [CT_LN, RS_A, MPS, null]) {
      expect(codes(await app.exec(as, SCHEDULE, { input: { amountCny: 10, effectiveFrom: addDays(today, 30) } }))).toEqual(["FORBIDDEN"]);
    }
  });
});

describe("a deposit's life", () => {
  it("posted at assignment at the amount in force; the number serves only once received; receipt brings it into service", async () => {
    const id = await subscribers.verified(RS_A, CT_LN, ["4003000001"]);
    expect(await number("4003000001")).toMatchObject({
      status: "PENDING_VERIFICATION",
      deposit: { amountCny: 2000, status: "DUE", paid: false, followUntil: null, reseller: { code: "RS-A" }, carrier: { code: "CT-LN" } },
    });
    // A further number of the verified subscriber waits for its deposit too.
    const { assignNumber } = await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: "4003000002", id });
    expect(assignNumber.status).toBe("PENDING_VERIFICATION");
    // The database holds it whatever the route.
    await expect(sql(`UPDATE numbers SET status = 'ACTIVE' WHERE number = '4003000001'`)).rejects.toThrow(/enters service only with its deposit received/);

    const received = (await ok(CT_LN, RECEIVED, { n: "400-300-0001", r: "CT-LN bank 2026-0001" })).recordDepositReceived;
    expect(received).toEqual({ number: "4003000001", status: "ACTIVE", deposit: { status: "HELD", paid: true } });
    // The same record again changes nothing; another reference is a different claim.
    expect((await ok(CT_LN, RECEIVED, { n: "4003000001", r: "CT-LN bank 2026-0001" })).recordDepositReceived).toEqual(received);
    expect(codes(await app.exec(CT_LN, RECEIVED, { n: "4003000001", r: "another" }))).toEqual(["CONFLICT"]);
    // Only the carrier that holds it records it.
    expect(codes(await app.exec(CM_GD, RECEIVED, { n: "4003000002", r: "x" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(RS_A, RECEIVED, { n: "4003000002", r: "x" }))).toEqual(["FORBIDDEN"]);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM audit_events WHERE operation = 'recordDepositReceived' AND '4003000001' = ANY(targets)`);
    expect(n).toBeGreaterThanOrEqual(2);
    await expectLedgerConsistent();
  });

  it("within the schedule's grace a number serves at once; the sweep suspends it when the grace ends unpaid; receipt brings it back", async () => {
    await subscribers.verified(RS_B, CM_GD, ["4004000001"]);
    const served = await number("4004000001");
    expect(served).toMatchObject({ status: "ACTIVE", deposit: { amountCny: 500.5, status: "DUE", paid: false } });
    const graceEnds = Date.parse(served.deposit.followUntil);
    expect((graceEnds - Date.parse(served.deposit.postedAt)) / 86_400_000).toBe(30);

    const { SweepService } = await import("../../src/modules/sweeps/sweep.service");
    const sweeper = new SweepService(app.dataSource, app.config);
    expect((await sweeper.run(new Date(graceEnds - 60_000))).suspendedForDeposit).toBe(0);
    expect((await sweeper.run(new Date(graceEnds + 60_000))).suspendedForDeposit).toBe(1);
    expect(await number("4004000001")).toMatchObject({ status: "SUSPENDED", suspension: "PAPERS", deposit: { status: "DUE" } });
    expect((await ok(CM_GD, RECEIVED, { n: "4004000001", r: "CM-GD 77" })).recordDepositReceived).toMatchObject({ status: "ACTIVE" });
    await expectLedgerConsistent();
  });

  it("a clean termination releases it; the carrier records the refund; an unpaid one is cancelled, nothing to refund", async () => {
    await subscribers.verified(RS_A, CT_LN, ["4003000011", "4003000012"]);
    await ok(CT_LN, RECEIVED, { n: "4003000011", r: "bank 11" });
    // The subscriber closes its numbers: the carrier's records say TERMINATED.
    const { syncNumbers } = await ok(CT_LN, SYNC, {
      input: { idempotencyKey: "close-11-12", numbers: [{ number: "4003000011", status: "TERMINATED" }, { number: "4003000012", status: "TERMINATED" }] },
    });
    expect(syncNumbers).toEqual({ updated: 2, rejected: [] });
    expect((await number("4003000011")).deposit.status).toBe("RELEASED");
    expect((await number("4003000012")).deposit).toMatchObject({ status: "RELEASED", paid: false });
    expect((await ok(CT_LN, REFUNDED, { n: "4003000011", r: "refund 11" })).recordDepositRefunded).toMatchObject({ deposit: { status: "REFUNDED" } });
    expect((await ok(CT_LN, REFUNDED, { n: "4003000011", r: "refund 11" })).recordDepositRefunded).toMatchObject({ deposit: { status: "REFUNDED" } });
    expect(codes(await app.exec(CT_LN, REFUNDED, { n: "4003000012", r: "refund 12" }))).toEqual(["CONFLICT"]);
    await expectLedgerConsistent();
  });

  it("a number taken back before approval releases its deposit", async () => {
    const id = await subscribers.ready(RS_A, CT_LN, ["4003000021"]);
    expect((await number("4003000021")).deposit.status).toBe("DUE");
    await ok(RS_A, `mutation { unassignNumber(number: "4003000021", reason: "assigned by mistake") { status } }`);
    expect(await number("4003000021")).toMatchObject({ status: "SPARE", deposit: { status: "RELEASED", paid: false } });
    expect(id).toBeTruthy();
    await expectLedgerConsistent();
  });
});

describe("confirmed fraud", () => {
  it("forfeits the deposits standing when the order named the numbers, once, naming the order and decision, as a published line of its own", async () => {
    await subscribers.verified(RS_A, CT_LN, ["4003000031", "4003000032"]);
    await ok(CT_LN, RECEIVED, { n: "4003000031", r: "bank 31" });
    const { issueShutdownOrder: order } = await ok(PSB_LN, ISSUE, {
      input: { numbers: ["4003000031", "4003000032", "4003000033"], caseNumber: "LN-2026-031", legalBasis: "Anti-Telecom Fraud Law, Art. 21", reason: "TELECOM_FRAUD" },
    });
    // The Ministry is above the bureau that issued it: it confirms one number.
    await ok(MPS, CONFIRM, { id: order.id, numbers: ["4003000031"], d: "MPS decision 31" });
    // A carrier, a number the order does not name, no decision: refused, nothing forfeited.
    expect(codes(await app.exec(CT_LN, CONFIRM, { id: order.id, numbers: ["4003000032"], d: "x" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000099"], d: "x" }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000032"], d: "" }))).toEqual(["BAD_USER_INPUT"]);

    const confirmed = (await ok(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000032", "400-300-0033"], d: "Dalian court (2026) 17" })).confirmFraud;
    expect(confirmed).toEqual({ id: order.id, status: "IN_EFFECT" });
    const { shutdownOrders } = await ok(PSB_LN, `query($c: String!) { shutdownOrders(filter: { caseNumber: $c }) { edges { node { items { number fraudConfirmedAt } } } } }`, { c: "LN-2026-031" });
    expect(shutdownOrders.edges[0].node.items.map((i: { fraudConfirmedAt: string | null }) => i.fraudConfirmedAt !== null)).toEqual([true, true, true]);
    expect((await number("4003000031")).deposit).toMatchObject({ status: "FORFEITED", paid: true });
    expect((await number("4003000032")).deposit).toMatchObject({ status: "FORFEITED", paid: false });
    const postings = await sql(
      `SELECT d.number, p.order_id, p.decision_reference FROM deposit_postings p JOIN deposits d ON d.id = p.deposit_id WHERE p.kind = 'FORFEIT' ORDER BY d.number`,
    );
    expect(postings).toEqual([
      { number: "4003000031", order_id: order.id, decision_reference: "MPS decision 31" },
      { number: "4003000032", order_id: order.id, decision_reference: "Dalian court (2026) 17" },
    ]);
    // Again: nothing changes.
    await ok(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000032"], d: "Dalian court (2026) 17" });
    expect((await sql(`SELECT count(*)::int AS n FROM deposit_postings WHERE kind = 'FORFEIT'`))[0].n).toBe(2);

    const { penalties } = await ok(null, `query { penalties(first: 50) { edges { node { targetName fineCny facts legalBasis published } } } }`);
    const lines = penalties.edges.map((e: { node: Record<string, unknown> }) => e.node).filter((p: { targetName: string }) => p.targetName === "Agent A");
    expect(lines).toHaveLength(2);
    expect(lines.map((l: { fineCny: number }) => l.fineCny).sort()).toEqual([2000, 2000]);
    expect(lines[0]).toMatchObject({ legalBasis: "Anti-Telecom Fraud Law, Art. 21", published: true });
    // The public line names neither the police case nor the decision's text; an unpaid deposit is said to be owed.
    expect(lines.every((l: { facts: string }) => !l.facts.includes("LN-2026-031") && !l.facts.includes("Dalian court") && !l.facts.includes("MPS decision"))).toBe(true);
    expect(lines.map((l: { facts: string }) => l.facts.includes("never paid")).sort()).toEqual([false, true]);
    // Another decision on a confirmed number is a different claim; the same one again changes nothing.
    expect(codes(await app.exec(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000032"], d: "another decision" }))).toEqual(["CONFLICT"]);
    // Confirmed fraud was no mistake.
    expect(codes(await app.exec(PSB_LN, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "oops", mistaken: true) { status } }`, { id: order.id })))
      .toEqual(["CONFLICT"]);

    // Lifted, the numbers do not serve again: their deposits are forfeited.
    await ok(PSB_LN, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "case closed") { status } }`, { id: order.id });
    expect(await number("4003000031")).toMatchObject({ status: "SUSPENDED", suspension: "PAPERS" });
    await expect(sql(`UPDATE numbers SET status = 'ACTIVE' WHERE number = '4003000031'`)).rejects.toThrow(/enters service only with its deposit/);
    await expectLedgerConsistent();
  });

  it("confirmed after the order was lifted, the number leaves service at once", async () => {
    await subscribers.verified(RS_A, CT_LN, ["4003000061"]);
    await ok(CT_LN, RECEIVED, { n: "4003000061", r: "bank 61" });
    const { issueShutdownOrder: order } = await ok(PSB_LN, ISSUE, {
      input: { numbers: ["4003000061"], caseNumber: "LN-2026-061", legalBasis: "Anti-Telecom Fraud Law", reason: "TELECOM_FRAUD" },
    });
    await ok(PSB_LN, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "investigation goes on") { status } }`, { id: order.id });
    expect((await number("4003000061")).status).toBe("ACTIVE");
    await ok(PSB_LN, CONFIRM, { id: order.id, numbers: ["4003000061"], d: "court 61" });
    expect(await number("4003000061")).toMatchObject({ status: "SUSPENDED", suspension: "PAPERS", deposit: { status: "FORFEITED" } });
    const { lookupNumber } = await ok(null, `{ lookupNumber(number: "4003000061") { status } }`);
    expect(lookupNumber.status).toBe("STOPPED");
  });

  it("a fraud order holds the deposit through termination until confirmed, or until the quarantine ends", async () => {
    await subscribers.verified(RS_A, CT_LN, ["4003000041"]);
    await ok(CT_LN, RECEIVED, { n: "4003000041", r: "bank 41" });
    const { issueShutdownOrder: order } = await ok(MPS, ISSUE, {
      input: { numbers: ["4003000041"], caseNumber: "MPS-2026-041", legalBasis: "Anti-Telecom Fraud Law", reason: "TELECOM_FRAUD" },
    });
    await ok(MPS, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "investigation continues") { status } }`, { id: order.id });
    await ok(CT_LN, SYNC, { input: { idempotencyKey: "close-41", numbers: [{ number: "4003000041", status: "TERMINATED" }] } });
    expect((await number("4003000041")).deposit.status).toBe("HELD");
    await ok(MIIT, CONFIRM, { id: order.id, numbers: ["4003000041"], d: "MIIT decision 41" });
    expect((await number("4003000041")).deposit.status).toBe("FORFEITED");
    await expectLedgerConsistent();
  });

  it("only fraud or unsolicited marketing forfeits; an order lifted as a mistake confirms nothing", async () => {
    await subscribers.verified(RS_A, CT_LN, ["4003000051"]);
    const { issueShutdownOrder: harassment } = await ok(MPS, ISSUE, {
      input: { numbers: ["4003000051"], caseNumber: "MPS-2026-051", legalBasis: "Public Security Administration Punishments Law", reason: "HARASSMENT" },
    });
    expect(codes(await app.exec(MPS, CONFIRM, { id: harassment.id, numbers: ["4003000051"], d: "x" }))).toEqual(["CONFLICT"]);
    const { issueShutdownOrder: mistaken } = await ok(MPS, ISSUE, {
      input: { numbers: ["4003000051"], caseNumber: "MPS-2026-052", legalBasis: "Anti-Telecom Fraud Law", reason: "TELECOM_FRAUD" },
    });
    await ok(MPS, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "wrong number typed", mistaken: true) { status } }`, { id: mistaken.id });
    expect(codes(await app.exec(MPS, CONFIRM, { id: mistaken.id, numbers: ["4003000051"], d: "x" }))).toEqual(["CONFLICT"]);
    expect((await number("4003000051")).deposit.status).toBe("DUE");
  });
});

describe("each party's own side", () => {
  it("a reseller its obligations, a carrier what it holds, a regulator its reach, the police none; with totals and the forfeiture rate", async () => {
    const mine = async (as: As, filter: Record<string, unknown> = {}) => (await ok(as, DEPOSITS, { filter, first: 500 })).deposits;
    const a = await mine(RS_A);
    expect(a.edges.length).toBeGreaterThan(0);
    expect(a.edges.every((e: { node: { reseller: { code: string } } }) => e.node.reseller.code === "RS-A")).toBe(true);
    expect(a.totalCount).toBe(a.edges.length);
    expect(a.totals.count).toBe(a.edges.length);
    const b = await mine(RS_B);
    expect(b.edges.every((e: { node: { reseller: { code: string } } }) => e.node.reseller.code === "RS-B")).toBe(true);
    expect((await mine(CT_LN)).edges.every((e: { node: { carrier: { code: string } } }) => e.node.carrier.code === "CT-LN")).toBe(true);
    expect((await mine(CA_LN)).edges.every((e: { node: { province: string } }) => e.node.province === "21")).toBe(true);
    expect((await mine(CA_ZJ)).totalCount).toBe(0);
    const all = await mine(MIIT);
    expect(all.totalCount).toBe(a.totalCount + b.totalCount);
    expect(all.totals.postedCny).toBeCloseTo(a.totals.postedCny + b.totals.postedCny, 2);
    expect(codes(await app.exec(MPS, DEPOSITS, {}))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(null, DEPOSITS, {}))).toEqual(["FORBIDDEN"]);
    // Another reseller's deposit on a number is not shown through the number either.
    expect((await number("4003000001", CT_LN)).deposit).not.toBeNull();
    expect(codes(await app.exec(MPS, NUMBER, { n: "4003000001" }))).toEqual(["FORBIDDEN"]);

    const { depositTotals } = await ok(MIIT, TOTALS, { groupBy: ["RESELLER"] });
    const rowA = depositTotals.find((r: { resellerCode: string }) => r.resellerCode === "RS-A");
    expect(rowA.count).toBe(a.totalCount);
    expect(rowA.forfeitureRate).toBeCloseTo(rowA.forfeited / rowA.count, 10);
    expect((await ok(RS_B, TOTALS, { groupBy: ["RESELLER"] })).depositTotals.map((r: { resellerCode: string }) => r.resellerCode)).toEqual(["RS-B"]);
  });
});

describe("who may call what", () => {
  it("refunds are the carrier's, totals and schedules the deposit parties': every other role is FORBIDDEN and nothing moves", async () => {
    const postings = async () => (await sql(`SELECT count(*)::int AS n FROM deposit_postings`))[0].n;
    const before = await postings();
    for (const as of [RS_A, MIIT, MPS, ADMIN, null]) {
      expect(codes(await app.exec(as, REFUNDED, { n: "4003000011", r: "refund again" }))).toEqual(["FORBIDDEN"]);
    }
    for (const as of [MPS, ADMIN, null]) {
      expect(codes(await app.exec(as, TOTALS, { groupBy: ["RESELLER"] }))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, `{ depositSchedules { amountCny } }`))).toEqual(["FORBIDDEN"]);
    }
    expect(await postings()).toBe(before);
    expect((await ok(RS_A, `{ depositSchedules { province amountCny } }`)).depositSchedules).toContainEqual({ province: null, amountCny: 2000 });
  });
});

describe("the database holds the ledger", () => {
  it("entries and postings never change, a posting that does not balance is refused at commit, a status moves only with its posting", async () => {
    await expectLedgerConsistent();
    await expect(sql(`UPDATE deposit_entries SET amount_fen = amount_fen + 1`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM deposit_postings`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM deposits`)).rejects.toThrow(/append-only/);
    const [deposit] = await sql(`SELECT id FROM deposits WHERE status = 'DUE' LIMIT 1`);
    await expect(sql(`UPDATE deposits SET status = 'REFUNDED' WHERE id = $1`, [deposit.id])).rejects.toThrow(/not a move of a deposit/);
    await expect(sql(`UPDATE deposits SET status = 'HELD', paid = true WHERE id = $1`, [deposit.id])).rejects.toThrow(/without its posting/);
    await expect(sql(`UPDATE deposits SET amount_fen = 1 WHERE id = $1`, [deposit.id])).rejects.toThrow(/only its status moves/);
    await expect(app.dataSource.transaction(async (tx) => {
      const [{ id: posting }] = await tx.query(
        `INSERT INTO deposit_postings (deposit_id, kind, at, reference) VALUES ($1, 'RECEIVE', now(), 'forged') RETURNING id`, [deposit.id],
      );
      const [{ id: account }] = await tx.query(`SELECT id FROM deposit_accounts LIMIT 1`);
      await tx.query(`INSERT INTO deposit_entries (posting_id, account_id, amount_fen) VALUES ($1, $2, 100)`, [posting, account]);
    })).rejects.toThrow(/does not balance/);
    await expectLedgerConsistent();
  });
});

describe("a randomised life of assignments, receipts, orders, confirmations, terminations, refunds and sweeps over a moved clock", () => {
  type Op =
    | { kind: "assign" | "receive" | "refund" | "terminate" | "unassign" | "order" | "confirm" | "lift"; at: number }
    | { kind: "sweep"; days: number };
  // Four numbers a run (two of each carrier), so operations meet the same numbers again and again.
  const op = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom("assign", "receive", "refund", "terminate", "unassign", "order", "confirm", "lift") as fc.Arbitrary<Exclude<Op["kind"], "sweep">>, at: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("sweep" as const), days: fc.integer({ min: 1, max: 120 }) }) },
  );
  let block = 0;

  /** Each deposit's postings are a path of its machine, each account's balance what its deposits say, every ACTIVE number may serve. */
  async function expectStateConsistent(clock: Date | null): Promise<void> {
    await expectLedgerConsistent();
    const paths = await sql(`SELECT d.id, string_agg(p.kind, ',' ORDER BY p.id) AS path, d.paid FROM deposits d JOIN deposit_postings p ON p.deposit_id = d.id GROUP BY d.id`);
    for (const { path, paid } of paths) {
      expect(path).toMatch(/^POST(,RECEIVE)?(,FORFEIT|,RELEASE(,REFUND)?)?$/);
      expect(paid).toBe(path.includes("RECEIVE"));
      if (path.endsWith("REFUND")) expect(path).toContain("RECEIVE");
    }
    const balances = await sql(
      `WITH b AS (SELECT a.kind, a.owner_id, a.counterparty_id, sum(e.amount_fen) AS balance FROM deposit_accounts a JOIN deposit_entries e ON e.account_id = a.id
                   GROUP BY a.id, a.kind, a.owner_id, a.counterparty_id),
            expected AS (
              SELECT 'CARRIER_DUE' AS kind, carrier_id AS owner_id, reseller_id AS counterparty_id, sum(amount_fen) FILTER (WHERE status = 'DUE') AS balance FROM deposits GROUP BY 2, 3
              UNION ALL SELECT 'CARRIER_HELD', carrier_id, reseller_id, sum(amount_fen) FILTER (WHERE status = 'HELD') FROM deposits GROUP BY 2, 3
              UNION ALL SELECT 'RESELLER_REFUND_DUE', reseller_id, carrier_id, sum(amount_fen) FILTER (WHERE status = 'RELEASED' AND paid) FROM deposits GROUP BY 2, 3
              UNION ALL SELECT 'RESELLER_OBLIGATION', reseller_id, carrier_id,
                               -sum(amount_fen) FILTER (WHERE status IN ('DUE', 'HELD', 'FORFEITED') OR (status = 'RELEASED' AND paid)) FROM deposits GROUP BY 2, 3
              UNION ALL SELECT 'FORFEITED', NULL, NULL, sum(amount_fen) FILTER (WHERE status = 'FORFEITED') FROM deposits)
       SELECT e.kind, coalesce(e.balance, 0)::text AS expected, coalesce(b.balance, 0)::text AS actual
         FROM expected e LEFT JOIN b ON b.kind = e.kind AND b.owner_id IS NOT DISTINCT FROM e.owner_id AND b.counterparty_id IS NOT DISTINCT FROM e.counterparty_id
        WHERE coalesce(e.balance, 0) <> coalesce(b.balance, 0)`,
    );
    expect(balances).toEqual([]);
    const [{ standing }] = await sql(`SELECT count(*)::int AS standing FROM (SELECT number FROM deposits WHERE status IN ('DUE', 'HELD') GROUP BY number HAVING count(*) > 1) x`);
    expect(standing).toBe(0);
    // No number in service that its deposit forbids: as of a sweep's clock right after it (it suspended those
    // whose grace had ended), as of now after anything else.
    const serving = await app.dataSource.transaction(async (tx) => {
      if (clock) await tx.query(`SELECT set_config('registry.clock', $1, true)`, [clock.toISOString()]);
      return tx.query(`SELECT number FROM numbers WHERE status = 'ACTIVE' AND NOT number_may_serve(number, subscriber_id)`);
    });
    expect(serving).toEqual([]);
    // A number back in the pool has no deposit standing.
    expect(await sql(`SELECT n.number FROM numbers n JOIN deposits d ON d.number = n.number AND d.status IN ('DUE', 'HELD') WHERE n.status IN ('SPARE', 'RESERVED')`)).toEqual([]);
  }

  it("keeps the ledger balanced and every deposit's state consistent with its history, on either database", async () => {
    const { SweepService } = await import("../../src/modules/sweeps/sweep.service");
    const sweeper = new SweepService(app.dataSource, app.config);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 30, maxLength: 60 }), async (ops) => {
        block += 1;
        // Eight new numbers of each carrier for this run (fast-check's shrinking runs it many times), and a
        // verified subscriber of each reseller holding the first.
        const ours = async (carrier: As, reseller: string, start: number) => {
          const numbers = Array.from({ length: 8 }, (_, i) => String(start + block * 8 + i));
          await ok(carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, { s: numbers[0], e: numbers[7] });
          await ok(carrier, `mutation($n: [String!]!, $r: String!) { wholesaleNumbers(input: { numbers: $n, resellerCode: $r }) { updated } }`, { n: numbers, r: reseller });
          return numbers;
        };
        const ct = await ours(CT_LN, "RS-A", 4003100000), cm = await ours(CM_GD, "RS-B", 4004100000);
        const owners = [
          { numbers: ct, reseller: RS_A, carrier: CT_LN, police: PSB_LN, subscriber: await subscribers.verified(RS_A, CT_LN, [ct[0]]) },
          { numbers: cm, reseller: RS_B, carrier: CM_GD, police: MPS, subscriber: await subscribers.verified(RS_B, CM_GD, [cm[0]]) },
        ];
        let clock = new Date();
        const orders = new Map<string, string>();
        let k = 0;
        for (const o of ops) {
          k += 1;
          if (o.kind === "sweep") {
            clock = new Date(clock.getTime() + o.days * 86_400_000);
            await sweeper.run(clock);
          } else {
            const owner = owners[o.at % 2];
            const n = owner.numbers[Math.floor(o.at / 2)];
            const calls: Record<Exclude<Op["kind"], "sweep">, () => Promise<Partial<GraphQLBody>>> = {
              assign: () => app.exec(owner.reseller, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n, id: owner.subscriber }),
              receive: () => app.exec(owner.carrier, RECEIVED, { n, r: `bank ${block}-${k}` }),
              refund: () => app.exec(owner.carrier, REFUNDED, { n, r: `refund ${block}-${k}` }),
              terminate: () => app.exec(owner.carrier, SYNC, { input: { idempotencyKey: `t-${block}-${k}`, numbers: [{ number: n, status: "TERMINATED" }] } }),
              unassign: () => app.exec(owner.reseller, `mutation($n: String!) { unassignNumber(number: $n, reason: "mistake") { status } }`, { n }),
              order: async () => {
                const body = await app.exec(owner.police, ISSUE, {
                  input: { numbers: [n], caseNumber: `P-${block}-${k}`, legalBasis: "Anti-Telecom Fraud Law", reason: k % 3 === 0 ? "ILLEGAL_MARKETING" : "TELECOM_FRAUD" },
                });
                if (!body.errors) orders.set(n, body.data!.issueShutdownOrder.id);
                return body;
              },
              confirm: () => (orders.has(n) ? app.exec(MPS, CONFIRM, { id: orders.get(n), numbers: [n], d: `decision ${block}-${k}` }) : Promise.resolve({})),
              lift: () =>
                orders.has(n)
                  ? app.exec(MPS, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "done", mistaken: ${k % 4 === 0}) { status } }`, { id: orders.get(n) })
                  : Promise.resolve({}),
            };
            const body = await calls[o.kind]();
            expect((body.errors ?? []).map((e) => e.extensions.code)).not.toContain("INTERNAL_SERVER_ERROR");
          }
          await expectStateConsistent(o.kind === "sweep" ? clock : null);
        }
      }),
      { numRuns: 6 },
    );
  }, 300_000);
});

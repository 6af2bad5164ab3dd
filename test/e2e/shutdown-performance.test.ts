import { Role } from "../../src/shared/auth/roles";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const CC = { org: "CC-1", role: Role.CALL_CENTER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_GD = { org: "CA-GD", role: Role.REGULATOR } as const;

const PERFORMANCE = `query($from: String!, $to: String!) { shutdownPerformance(from: $from, to: $to) {
  carrier { code } items acknowledged executed acknowledgeP50Seconds acknowledgeP95Seconds executeP50Seconds executeP95Seconds
  overdue acknowledgedLate executedLate } }`;
const ORDERS = `{ shutdownOrders(first: 500) { edges { node { id issuedAt acknowledgementDeadline executionDeadline
  items { number carrier { code } state acknowledgedAt executedAt overdue } } } } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;

// The period the orders below were issued in (moved there after issuing: the test waits for no clock).
const FROM = "2025-03-01";
const TO = "2025-03-31";
const MINUTE = 60;

let app: TestApp;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

type Times = { ack?: number; exec?: number };

/**
 * An order issued by `issuer`, its items acknowledged and executed through the API as each carrier would,
 * then moved to `issuedAt` with each item's acknowledgement and execution `times` seconds after it.
 */
async function order(issuer: As, issuedAt: string, times: Record<string, Times>, lift = false): Promise<string> {
  const numbers = Object.keys(times);
  const { issueShutdownOrder } = await ok(issuer, ISSUE, {
    input: { numbers, caseNumber: `SLA-${issuedAt}`, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "" },
  });
  const id: string = issueShutdownOrder.id;
  for (const carrier of [CT_LN, CM_GD]) {
    const mine = numbers.filter((n) => (carrier === CT_LN ? n.startsWith("40051") : n.startsWith("40052")));
    const executed = mine.filter((n) => times[n].exec !== undefined);
    if (executed.length) await ok(carrier, `mutation($id: ID!, $n: [String!]) { confirmShutdownExecuted(orderId: $id, numbers: $n) { id } }`, { id, n: executed });
    if (mine.some((n) => times[n].ack !== undefined && times[n].exec === undefined)) await ok(carrier, `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id } }`, { id });
  }
  if (lift) await ok(issuer, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "case closed") { status } }`, { id });
  await app.dataSource.query(
    `UPDATE shutdown_orders SET issued_at = $2::timestamptz, acknowledgement_deadline = $2::timestamptz + interval '15 minutes',
            execution_deadline = $2::timestamptz + interval '2 hours', lifted_at = CASE WHEN lifted_at IS NULL THEN NULL ELSE $2::timestamptz + interval '3 days' END
      WHERE id = $1`,
    [id, issuedAt],
  );
  for (const [number, t] of Object.entries(times)) {
    await app.dataSource.query(
      `UPDATE shutdown_items i SET acknowledged_at = CASE WHEN i.acknowledged_at IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => $4) END,
              executed_at = CASE WHEN i.executed_at IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => $5) END
        WHERE i.order_id = $1 AND i.number = $2`,
      [id, number, issuedAt, t.ack ?? t.exec ?? 0, t.exec ?? 0],
    );
  }
  return id;
}

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The figures computed from the viewer's own shutdownOrders answer: the items whose times it reads (overdue not null). */
async function fromOrders(as: As, start: Date, end: Date) {
  const { shutdownOrders } = await ok(as, ORDERS);
  const byCarrier = new Map<string, { ack: number[]; exec: number[]; items: number; overdue: number; ackLate: number; execLate: number }>();
  for (const { node: o } of shutdownOrders.edges) {
    const issued = Date.parse(o.issuedAt);
    if (issued < start.getTime() || issued >= end.getTime()) continue;
    for (const item of o.items) {
      if (item.overdue === null) continue;
      const c = byCarrier.get(item.carrier.code) ?? { ack: [], exec: [], items: 0, overdue: 0, ackLate: 0, execLate: 0 };
      c.items += 1;
      if (item.overdue) c.overdue += 1;
      if (item.acknowledgedAt) {
        c.ack.push((Date.parse(item.acknowledgedAt) - issued) / 1000);
        if (Date.parse(item.acknowledgedAt) > Date.parse(o.acknowledgementDeadline)) c.ackLate += 1;
      }
      if (item.executedAt) {
        c.exec.push((Date.parse(item.executedAt) - issued) / 1000);
        if (Date.parse(item.executedAt) > Date.parse(o.executionDeadline)) c.execLate += 1;
      }
      byCarrier.set(item.carrier.code, c);
    }
  }
  return [...byCarrier.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, c]) => ({
    carrier: { code },
    items: c.items,
    acknowledged: c.ack.length,
    executed: c.exec.length,
    acknowledgeP50Seconds: percentile(c.ack, 0.5),
    acknowledgeP95Seconds: percentile(c.ack, 0.95),
    executeP50Seconds: percentile(c.exec, 0.5),
    executeP95Seconds: percentile(c.exec, 0.95),
    overdue: c.overdue,
    acknowledgedLate: c.ackLate,
    executedLate: c.execLate,
  }));
}

/** Floats compared to the microsecond; everything else exactly. */
function close(actual: any[], expected: any[]) {
  const round = (rows: any[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v])));
  expect(round(actual)).toEqual(round(expected));
}

const ln = (i: number) => String(4005100000 + i);
const gd = (i: number) => String(4005200000 + i);

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "CC-1", name: "Call centre", kind: "CALL_CENTER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning CA", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-GD", name: "Guangdong CA", kind: "REGULATOR", parentCode: "MIIT", province: "44" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4005100000", rangeEnd: "4005100099", province: "21" }) { created } }`);
  await ok(CM_GD, `mutation { publishAllocation(input: { rangeStart: "4005200000", rangeEnd: "4005200099", province: "44" }) { created } }`);

  // March 2025: Liaoning's items acknowledged in 1 to 20 minutes, executed in 30 minutes to 3 hours; Guangdong's slower, some never.
  await order(MPS, "2025-03-03T02:00:00Z", { [ln(1)]: { ack: 1 * MINUTE, exec: 30 * MINUTE }, [gd(1)]: { ack: 10 * MINUTE, exec: 50 * MINUTE } });
  await order(PSB_LN, "2025-03-05T06:30:00Z", { [ln(2)]: { ack: 2 * MINUTE, exec: 45 * MINUTE }, [ln(3)]: { ack: 2 * MINUTE } });
  await order(MPS, "2025-03-09T12:00:00Z", { [ln(4)]: { ack: 5 * MINUTE, exec: 90 * MINUTE }, [gd(2)]: { ack: 25 * MINUTE, exec: 200 * MINUTE } });
  // Guangdong only: no Liaoning bureau sees these. (A carrier acknowledges all its items of an order at once.)
  await order(MPS, "2025-03-12T01:00:00Z", { [gd(3)]: {} });
  await order(MPS, "2025-03-14T01:00:00Z", { [gd(4)]: { ack: 40 * MINUTE } });
  await order(PSB_LN, "2025-03-20T08:00:00Z", { [ln(5)]: { ack: 20 * MINUTE, exec: 180 * MINUTE }, [ln(6)]: {} }, true); // lifted: nothing overdue
  await order(MIIT, "2025-03-28T22:00:00Z", { [ln(7)]: { ack: 10 * MINUTE, exec: 100 * MINUTE }, [gd(5)]: {} });
  // Outside the period: April.
  await order(MPS, "2025-04-02T03:00:00Z", { [ln(8)]: { ack: 3 * MINUTE, exec: 33 * MINUTE }, [gd(6)]: { ack: 1 * MINUTE, exec: 5 * MINUTE } });
});
afterAll(() => app.close());

/** March 2025 in China Standard Time, as instants. */
const MARCH = [new Date("2025-02-28T16:00:00Z"), new Date("2025-03-31T16:00:00Z")] as const;

describe("shutdownPerformance", () => {
  it("gives each carrier's percentiles, computed in SQL, as its figures from the national view's own shutdownOrders", async () => {
    const { shutdownPerformance } = await ok(MIIT, PERFORMANCE, { from: FROM, to: TO });
    expect(shutdownPerformance.map((r: any) => r.carrier.code)).toEqual(["CM-GD", "CT-LN"]);
    const ctln = shutdownPerformance.find((r: any) => r.carrier.code === "CT-LN");
    // Acknowledged after 1, 2, 2, 5, 10, 20 minutes; executed after 30, 45, 90, 100, 180 minutes.
    expect(ctln).toEqual({
      carrier: { code: "CT-LN" }, items: 7, acknowledged: 6, executed: 5,
      acknowledgeP50Seconds: 3.5 * MINUTE, acknowledgeP95Seconds: (10 + 0.75 * 10) * MINUTE,
      executeP50Seconds: 90 * MINUTE, executeP95Seconds: (100 + 0.8 * 80) * MINUTE,
      // ln(3) acknowledged, never executed, its order in effect; ln(6)'s order was lifted.
      overdue: 1, acknowledgedLate: 1, executedLate: 1,
    });
    const cmgd = shutdownPerformance.find((r: any) => r.carrier.code === "CM-GD");
    expect(cmgd).toMatchObject({ items: 5, acknowledged: 3, executed: 2, overdue: 3, acknowledgedLate: 2, executedLate: 1 });
    close(shutdownPerformance, await fromOrders(MIIT, ...MARCH));
  });

  it("for every reader, counts exactly the items it reads in shutdownOrders: a carrier its own, a provincial bureau those whose times it reads", async () => {
    for (const as of [MPS, PSB_LN, MIIT, CA_LN, CA_GD, CT_LN, CT, CM_GD] as As[]) {
      const { shutdownPerformance } = await ok(as, PERFORMANCE, { from: FROM, to: TO });
      close(shutdownPerformance, await fromOrders(as, ...MARCH));
    }
    const codesFor = async (as: As) => (await ok(as, PERFORMANCE, { from: FROM, to: TO })).shutdownPerformance.map((r: any) => r.carrier.code);
    expect(await codesFor(CT_LN)).toEqual(["CT-LN"]);
    expect(await codesFor(CT)).toEqual(["CT-LN"]);
    expect(await codesFor(CM_GD)).toEqual(["CM-GD"]);
    // Liaoning's bureau and administration: Guangdong's items in orders they see show no times to them, so they do not count.
    expect(await codesFor(PSB_LN)).toEqual(["CT-LN"]);
    expect(await codesFor(CA_LN)).toEqual(["CT-LN"]);
    expect(await codesFor(CA_GD)).toEqual(["CM-GD"]);
  });

  it("is refused to the public, resellers, call centres and the platform", async () => {
    for (const as of [null, RS_A, CC, ADMIN] as As[]) expect(codes(await app.exec(as, PERFORMANCE, { from: FROM, to: TO }))).toEqual(["FORBIDDEN"]);
  });

  it("reads days in China Standard Time and times as given, and a period has bounds", async () => {
    // 17:00 UTC on 1 June is 01:00 on 2 June in Beijing.
    await order(MPS, "2025-06-01T17:00:00Z", { [ln(20)]: { ack: 4 * MINUTE, exec: 40 * MINUTE } });
    const items = async (from: string, to: string) =>
      (await ok(MIIT, PERFORMANCE, { from, to })).shutdownPerformance.reduce((n: number, r: any) => n + r.items, 0);
    expect(await items("2025-06-02", "2025-06-02")).toBe(1);
    expect(await items("2025-06-01", "2025-06-01")).toBe(0);
    expect(await items("2025-06-01T17:00:00Z", "2025-06-01T17:00:00Z")).toBe(1); // both ends of a time are included
    expect(await items("2025-06-01T17:00:00.001Z", "2025-06-30")).toBe(0);
    expect(await items("2025-06-01T09:00:00+08:00", "2025-06-02T00:59:59+08:00")).toBe(0);
    expect(await items("2022-06-03", "2025-06-05")).toBeGreaterThan(1); // 1,099 days: March's and April's too
    expect(await items("2030-01-01", "2030-12-31")).toBe(0);
    expect(await items("9999-12-01", "9999-12-31")).toBe(0); // the calendar's last days
    expect(await items("1000-01-01", "1000-01-31")).toBe(0);

    for (const [from, to] of [
      ["2022-06-02", "2025-06-06"], // 1,101 days
      ["2025-06-02", "2025-06-01"],
      ["2025-06-01T12:00:00Z", "2025-06-01T11:59:59Z"],
      ["2025-02-30", "2025-03-01"],
      ["2025-06-01T12:00:00", "2025-06-02"], // a time without its zone
      ["last week", "2025-06-02"],
      ["2025-06-01", "9".repeat(3000)],
      ["0999-12-31", "1000-01-02"],
    ]) {
      expect([from, to.slice(0, 20), codes(await app.exec(MIIT, PERFORMANCE, { from, to }))]).toEqual([from, to.slice(0, 20), ["BAD_USER_INPUT"]]);
    }
  });
});

import { verifyAuditChain } from "../../src/cli/audit-verify";
import { seedDemo } from "../../src/db/seed-demo";
import { Role } from "../../src/shared/auth/roles";
import { addDays, chinaDayOf } from "../../src/shared/dates";
import { As, TestApp, auditCount, startTestApp } from "../helpers/app";

const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;

async function ok(as: As, query: string) {
  const body = await app.exec(as, query);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe("demo data", () => {
  it("loads once, through the audited services, and the chain verifies", async () => {
    expect(await seedDemo(app.server.services)).toBe(true);
    const events = await auditCount(app.dataSource);
    expect(events).toBeGreaterThan(20);
    expect(await seedDemo(app.server.services)).toBe(false);
    expect(await auditCount(app.dataSource)).toBe(events);

    const kinds = await app.dataSource.query("SELECT kind, count(*)::int AS n FROM organizations GROUP BY kind ORDER BY kind");
    expect(kinds).toEqual([
      { kind: "CALL_CENTER", n: 1 },
      { kind: "CARRIER", n: 11 },
      { kind: "PLATFORM", n: 1 },
      { kind: "POLICE", n: 2 },
      { kind: "REGULATOR", n: 3 },
      { kind: "RESELLER", n: 3 },
    ]);
    const lines: string[] = [];
    expect(await verifyAuditChain(app.dataSource, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^audit chain OK: ${events} events verified; head hash [0-9a-f]{64}$`));
  });

  it("the sub-agent sits under its agent, the city branch under its province", async () => {
    const rows = await app.dataSource.query(
      "SELECT o.code, p.code AS parent, o.province FROM organizations o LEFT JOIN organizations p ON p.id = o.parent_id WHERE o.code IN ('RS-HUATONG-DL', 'CT-LN-TL') ORDER BY o.code",
    );
    expect(rows).toEqual([
      { code: "CT-LN-TL", parent: "CT-LN", province: "21" },
      { code: "RS-HUATONG-DL", parent: "RS-HUATONG", province: "21" },
    ]);
  });

  it("a verified company has its numbers in service; a draft one has a number waiting", async () => {
    const rows = await app.dataSource.query(
      `SELECT s.name, s.identity_status AS status, array_agg(n.number || ':' || n.status ORDER BY n.number) AS numbers
         FROM subscribers s JOIN numbers n ON n.subscriber_id = s.id
        WHERE s.name IN ('Dalian Haiyun Logistics Co., Ltd.', 'Shenyang Beifang Machinery Co., Ltd.')
        GROUP BY s.name, s.identity_status ORDER BY s.name`,
    );
    expect(rows).toEqual([
      { name: "Dalian Haiyun Logistics Co., Ltd.", status: "DRAFT", numbers: ["4001000002:PENDING_VERIFICATION"] },
      { name: "Shenyang Beifang Machinery Co., Ltd.", status: "VERIFIED", numbers: ["4001000000:ACTIVE", "4001000001:ACTIVE"] },
    ]);
    const byCarrier = await app.dataSource.query(
      `SELECT c.code, count(*)::int AS numbers FROM numbers n JOIN organizations c ON c.id = n.carrier_id GROUP BY c.code ORDER BY c.code`,
    );
    expect(byCarrier).toEqual([
      { code: "CBN-BJ", numbers: 100 }, { code: "CM-GD", numbers: 500 }, { code: "CT-LN", numbers: 1000 }, { code: "CT-ZJ", numbers: 100 }, { code: "CU-YN", numbers: 100 },
    ]);
  });

  it("has 90 days of compliance history, labelled DEMO, the real-name rate rising in every province, today's the report's own", async () => {
    const today = chinaDayOf(new Date());
    const FIGURES = "inService verified realNameRate suspended forceStopped complaints campaignName target";
    const { complianceHistory: days } = await ok(MIIT, `{ complianceHistory(groupBy: [PROVINCE], from: "${addDays(today, -89)}", to: "${today}") {
      date source rows { province ${FIGURES} } totals { ${FIGURES} } } }`);
    expect(days.map((d: any) => d.date)).toEqual(Array.from({ length: 90 }, (_, k) => addDays(today, k - 89)));
    expect(new Set(days.map((d: any) => d.source))).toEqual(new Set(["DEMO"]));
    const [first, last] = [days[0], days[89]];
    expect(last.rows.map((r: any) => r.province)).toEqual(["11", "21", "33", "44", "53"]);
    for (const row of last.rows) {
      const before = first.rows.find((r: any) => r.province === row.province);
      expect([row.province, row.realNameRate > before.realNameRate + 0.15, row.inService > before.inService]).toEqual([row.province, true, true]);
    }
    expect(first.totals.realNameRate).toBeLessThan(0.7);
    expect(last.totals.realNameRate).toBeGreaterThan(0.85);
    expect(last.totals.campaignName).toBe("National 400-number real-name verification drive");
    expect(last.rows.find((r: any) => r.province === "21").campaignName).toBe("Liaoning 400-number real-name drive");
    expect(days.some((d: any) => d.totals.forceStopped > 0) && days.some((d: any) => d.totals.suspended > 0) && last.totals.complaints > 0).toBe(true);
    const { complianceReport: now } = await ok(MIIT, `{ complianceReport(groupBy: [PROVINCE]) { rows { province ${FIGURES} } totals { ${FIGURES} } } }`);
    expect({ rows: last.rows, totals: last.totals }).toEqual(now);
  });

  it("has shutdown orders of several ages: each carrier's SLA figures, and overdue items", async () => {
    const today = chinaDayOf(new Date());
    const { shutdownPerformance } = await ok(MIIT, `{ shutdownPerformance(from: "${addDays(today, -89)}", to: "${today}") {
      carrier { code } items acknowledgeP50Seconds acknowledgeP95Seconds executeP50Seconds executeP95Seconds overdue } }`);
    expect(shutdownPerformance.map((r: any) => r.carrier.code)).toEqual(["CBN-BJ", "CM-GD", "CT-LN", "CT-ZJ", "CU-YN"]);
    for (const row of shutdownPerformance) {
      expect(row.acknowledgeP95Seconds).toBeGreaterThanOrEqual(row.acknowledgeP50Seconds);
      expect(row.executeP50Seconds).toBeGreaterThan(row.acknowledgeP50Seconds);
    }
    expect(shutdownPerformance.reduce((n: number, r: any) => n + r.overdue, 0)).toBeGreaterThanOrEqual(3);
    const { shutdownOrders } = await ok(MIIT, `{ shutdownOrders(filter: { overdue: true }) { totalCount } }`);
    expect(shutdownOrders.totalCount).toBeGreaterThanOrEqual(2);
  });

  it("has reported numbers on the hot list and published penalties", async () => {
    const { hotNumbers } = await ok(MIIT, `{ hotNumbers(first: 3) { number reports } }`);
    expect(hotNumbers[0].reports).toBeGreaterThanOrEqual(5);
    const { penalties } = await ok(null, `{ penalties(first: 10) { totalCount edges { node { targetName fineCny } } } }`);
    // Two penalties of the story, and a reseller's forfeited deposit as a line of its own.
    expect(penalties.totalCount).toBe(3);
    expect(penalties.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ targetName: "Huatong Communications Agency Co., Ltd.", fineCny: 2000 });
  });

  it("has a deposit in each state, the ledger balanced", async () => {
    const { deposits } = await ok(MIIT, `{ deposits(first: 10) { totals { count forfeited heldCny } edges { node { number status amountCny } } } }`);
    expect(deposits.edges.map((e: { node: unknown }) => e.node).sort((a: { number: string }, b: { number: string }) => a.number.localeCompare(b.number))).toEqual([
      { number: "4001000150", status: "DUE", amountCny: 2000 },
      { number: "4001000151", status: "HELD", amountCny: 2000 },
      { number: "4001000152", status: "FORFEITED", amountCny: 2000 },
      { number: "4001000153", status: "RELEASED", amountCny: 2000 },
      { number: "4001000154", status: "REFUNDED", amountCny: 2000 },
    ]);
    expect(deposits.totals).toEqual({ count: 5, forfeited: 1, heldCny: 2000 });
    const [{ total }] = await app.dataSource.query(`SELECT coalesce(sum(amount_fen), 0)::text AS total FROM deposit_entries`);
    expect(total).toBe("0");
    const { number } = await ok(MIIT, `{ number(number: "4001000150") { status } }`);
    expect(number.status).toBe("PENDING_VERIFICATION");
  });

  it("the public sees the official marketing numbers", async () => {
    const body = await app.exec(null, "{ officialMarketingNumbers { carrierName number } }");
    expect(body.data!.officialMarketingNumbers).toEqual([
      { carrierName: "China Telecom", number: "10001" },
      { carrierName: "China Unicom", number: "10016" },
      { carrierName: "China Mobile", number: "10085" },
    ]);
  });
});

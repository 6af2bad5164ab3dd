import { verifyAuditChain } from "../../src/cli/audit-verify";
import { seedDemo } from "../../src/db/seed-demo";
import { TestApp, auditCount, startTestApp } from "../helpers/app";

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
         FROM subscribers s JOIN numbers n ON n.subscriber_id = s.id GROUP BY s.name, s.identity_status ORDER BY s.name`,
    );
    expect(rows).toEqual([
      { name: "Dalian Haiyun Logistics Co., Ltd.", status: "DRAFT", numbers: ["4001000002:PENDING_VERIFICATION"] },
      { name: "Shenyang Beifang Machinery Co., Ltd.", status: "VERIFIED", numbers: ["4001000000:ACTIVE", "4001000001:ACTIVE"] },
    ]);
    const [{ spare }] = await app.dataSource.query("SELECT count(*)::int AS spare FROM numbers WHERE status = 'SPARE'");
    expect(spare).toBe(1500 - 3);
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

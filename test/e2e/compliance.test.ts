import { CARRIER_FIGURES, CARRIER_FIGURES_FROM_ROLLUP, FIGURES_FROM_NUMBERS, FIGURES_FROM_ROLLUP } from "../../src/modules/compliance/compliance";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CARRIERS = [{ org: "CT-LN", role: Role.CARRIER }, { org: "CT-ZJ", role: Role.CARRIER }, { org: "CM-GD", role: Role.CARRIER }] as const;
const RESELLERS = [{ org: "RS-A", role: Role.RESELLER }, { org: "RS-B", role: Role.RESELLER }] as const;
const PSB = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const FIRST: Record<string, number> = { "CT-LN": 4008000000, "CT-ZJ": 4008100000, "CM-GD": 4008200000 };
const PER_CARRIER = 60;

const REPORT = `query($groupBy: [ComplianceDimension!]!, $filter: ComplianceFilter) { complianceReport(groupBy: $groupBy, filter: $filter) {
  rows { carrierCode province resellerCode inService verified realNameRate suspended forceStopped complaints campaignName target gap targetDate daysToTarget }
  totals { inService verified realNameRate suspended forceStopped complaints campaignName target gap } } }`;

let app: TestApp;

/** A small deterministic generator, so a failure replays with the same seed. */
function prng(seed: number) {
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    x = (x ^ (x >>> 12)) >>> 0;
    return x / 2 ** 32;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)], int: (n: number) => Math.floor(next() * n) };
}

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

let subscriberSeq = 0;
async function readySubscriber(reseller: As): Promise<string> {
  subscriberSeq += 1;
  const n = String(subscriberSeq).padStart(6, "0");
  const id = (body: string) => body + residentIdCheckCharacter(body);
  const { registerSubscriber } = await ok(reseller, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: `Compliance Test ${n} Ltd.`, uscc: `91210102MA${n}X` + usccCheckCharacter(`91210102MA${n}X`),
      legalRep: { name: "Rep", idNumber: id(`21010219800101${String(subscriberSeq % 1000).padStart(3, "0")}`) },
      handler: { name: "Handler", idNumber: id(`21010219900101${String((subscriberSeq + 500) % 1000).padStart(3, "0")}`) },
      landline: "02400000000", address: "Shenyang", businessScope: "Trade", declaredUse: "Hotline",
    },
  });
  const sid = registerSubscriber.id;
  for (const [i, kind] of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"].entries()) {
    await ok(reseller, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: sid, input: { kind, sha256: `${subscriberSeq}x${i}`.replace("x", "f").padStart(64, "c"), mediaType: "application/pdf", sizeBytes: 10, storageUri: `s3://c/${sid}/${i}` },
    });
  }
  await ok(reseller, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: sid });
  return sid;
}

const statusesSeen = new Set<string>();

async function expectExact(context: string) {
  for (const { status } of await app.dataSource.query("SELECT DISTINCT status FROM numbers")) statusesSeen.add(status);
  const fromNumbers = await app.dataSource.query(`${FIGURES_FROM_NUMBERS} ORDER BY 1, 2, 3`);
  const fromRollup = await app.dataSource.query(`${FIGURES_FROM_ROLLUP} ORDER BY 1, 2, 3`);
  expect([context, fromRollup]).toEqual([context, fromNumbers]);
  const byCarrier = await app.dataSource.query(`${CARRIER_FIGURES} ORDER BY 1, 2`);
  expect([context, byCarrier]).toEqual([context, await app.dataSource.query(`${CARRIER_FIGURES_FROM_ROLLUP} ORDER BY 1, 2`)]);
  const [{ reports, counted }] = await app.dataSource.query(
    `SELECT (SELECT count(*)::int FROM number_reports WHERE carrier_id IS NOT NULL) AS reports, (SELECT coalesce(sum(complaints), 0)::int FROM compliance_rollup) AS counted`,
  );
  expect([context, counted]).toEqual([context, reports]);
}

beforeAll(async () => {
  // Reports come through a trusted loopback proxy from an address per step: one address reports a number once a day.
  app = await startTestApp({ env: { REPORT_LIMIT: "1000", TRUST_PROXY: "loopback" } });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-ZJ", name: "China Telecom Zhejiang", kind: "CARRIER", parentCode: "CT", province: "33" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER", province: "33" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning CA", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  for (const carrier of CARRIERS) {
    const first = FIRST[carrier.org];
    await ok(carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, {
      s: String(first), e: String(first + PER_CARRIER - 1),
    });
    for (const [r, reseller] of RESELLERS.entries()) {
      const numbers = Array.from({ length: 25 }, (_, i) => String(first + r * 25 + i));
      await ok(carrier, `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`, { input: { numbers, resellerCode: reseller.org } });
    }
  }
});
afterAll(() => app.close());

describe("the rollup stays exact", () => {
  it("after a randomised sequence of publish, assign, approve, suspend, stop, lift, terminate, revoke, sweep and report", async () => {
    const random = prng(20261123);
    const subscribers: { id: string; reseller: As; approved: boolean }[] = [];
    for (const reseller of RESELLERS) for (let i = 0; i < 3; i++) subscribers.push({ id: await readySubscriber(reseller), reseller, approved: false });
    const orders: string[] = [];
    const numberOf = () => {
      const carrier = random.pick(CARRIERS);
      return { carrier, number: String(FIRST[carrier.org] + random.int(PER_CARRIER)) };
    };
    const counts: Record<string, number> = {};
    // Operations may be refused (CONFLICT, FORBIDDEN, ...) in a random sequence, but never fail.
    const attempt = async (as: As, query: string, variables: Record<string, unknown> = {}) => {
      const body = await app.exec(as, query, variables);
      expect([query, codes(body).filter((c) => c === "INTERNAL_SERVER_ERROR")]).toEqual([query, []]);
      return body;
    };
    for (let step = 0; step < 160; step++) {
      const op = random.pick(["assign", "assign", "assign", "approve", "suspend", "stop", "lift", "terminate", "revoke", "report", "publish", "age"] as const);
      counts[op] = (counts[op] ?? 0) + 1;
      const { carrier, number } = numberOf();
      switch (op) {
        case "assign": {
          const s = random.pick(subscribers);
          await attempt(s.reseller, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: s.id });
          break;
        }
        case "approve": {
          const s = random.pick(subscribers.filter((x) => !x.approved));
          if (!s) break;
          // The carrier of one of its numbers re-checks and approves: a carrier reaches a subscriber only through its numbers.
          const [holder] = await app.dataSource.query(
            `SELECT c.code FROM numbers n JOIN organizations c ON c.id = n.carrier_id WHERE n.subscriber_id = $1 ORDER BY n.number LIMIT 1`, [s.id],
          );
          if (!holder) break;
          const approver = { org: holder.code as string, role: Role.CARRIER } as const;
          await attempt(approver, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
          await attempt(s.reseller, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
          const body = await attempt(approver, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
          s.approved = !body.errors;
          break;
        }
        case "suspend": {
          // Among the numbers in service, so that suspensions happen.
          const inService = await app.dataSource.query(
            `SELECT n.number, c.code FROM numbers n JOIN organizations c ON c.id = n.carrier_id
              WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION') ORDER BY n.number`,
          );
          if (inService.length === 0) break;
          const { number: n, code } = random.pick(inService) as { number: string; code: string };
          const body = await attempt({ org: code, role: Role.CARRIER }, `mutation($n: String!) {
            syncNumbers(input: { idempotencyKey: "${step}-s", numbers: [{ number: $n, status: SUSPENDED }] }) { updated } }`, { n });
          expect([body.errors, body.data?.syncNumbers.updated]).toEqual([undefined, 1]);
          break;
        }
        case "stop": {
          const { issueShutdownOrder } = await ok(PSB, `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`, {
            input: { numbers: [number, numberOf().number], caseNumber: `C-${step}`, legalBasis: "Article 21", reason: random.pick(["TELECOM_FRAUD", "HARASSMENT"]), note: "" },
          });
          orders.push(issueShutdownOrder.id);
          break;
        }
        case "lift":
          if (orders.length) await attempt(PSB, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "lifted in the test") { status } }`, { id: orders.splice(random.int(orders.length), 1)[0] });
          break;
        case "terminate":
          await attempt(carrier, `mutation($n: String!) { syncNumbers(input: { idempotencyKey: "${step}-t", numbers: [{ number: $n, status: TERMINATED }] }) { updated } }`, { n: number });
          break;
        case "revoke": {
          const s = random.pick(subscribers);
          await attempt(MIIT, `mutation($id: ID!) { revokeSubscriber(subscriberId: $id, reason: "borrowed papers") { identityStatus } }`, { id: s.id });
          break;
        }
        case "report": {
          const res = await app.request.post("/graphql").set("content-type", "application/json").set("x-forwarded-for", `10.7.${step >> 8}.${step & 255}`)
            .send({ query: `mutation($n: String!) { reportNumber(input: { number: $n, category: FRAUD }) { id } }`, variables: { n: number } });
          expect(res.body.errors).toBeUndefined();
          break;
        }
        case "publish": {
          const start = FIRST[carrier.org] + PER_CARRIER + step * 3;
          await ok(carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, { s: String(start), e: String(start + 2) });
          break;
        }
        case "age":
          await app.server.services.sweeps.run(new Date(Date.now() + random.int(400) * 86_400_000));
          break;
      }
      for (const { status } of await app.dataSource.query("SELECT DISTINCT status FROM numbers")) statusesSeen.add(status);
      if (step % 20 === 19) await expectExact(`after step ${step}`);
    }
    await expectExact("at the end");
    // The sequence exercised every kind of operation and left numbers in many states.
    expect(Object.keys(counts).sort()).toEqual(["age", "approve", "assign", "lift", "publish", "report", "revoke", "stop", "suspend", "terminate"]);
    for (const status of ["SPARE", "RESERVED", "PENDING_VERIFICATION", "ACTIVE", "SUSPENDED", "FORCE_STOPPED", "AGING"]) {
      if (status !== "RESERVED") expect([status, statusesSeen.has(status)]).toEqual([status, true]);
    }
  });
});

describe("complianceReport", () => {
  it("equals a GROUP BY over the numbers, by carrier and province", async () => {
    const { complianceReport } = await ok(MIIT, REPORT, { groupBy: ["CARRIER", "PROVINCE"] });
    const expected = await app.dataSource.query(`
      SELECT split_part(c.path, '/', 2) AS "carrierCode", f.province, sum(f.in_service)::float8 AS "inService", sum(f.verified)::float8 AS verified,
             sum(f.suspended)::float8 AS suspended, sum(f.force_stopped)::float8 AS "forceStopped"
        FROM (${FIGURES_FROM_NUMBERS}) f JOIN organizations c ON c.id::text = f.carrier_id
       GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(complianceReport.rows.filter((r: any) => r.inService > 0).map((r: any) => ({
      carrierCode: r.carrierCode, province: r.province, inService: r.inService, verified: r.verified, suspended: r.suspended, forceStopped: r.forceStopped,
    }))).toEqual(expected);
    for (const row of complianceReport.rows) {
      expect(row.realNameRate).toBe(row.inService > 0 ? row.verified / row.inService : null);
      expect(row.resellerCode).toBeNull();
    }
    expect(complianceReport.totals.inService).toBe(expected.reduce((t: number, r: any) => t + r.inService, 0));
  });

  it("a provincial administration sees its province only: other provinces are absent, not zero", async () => {
    const { complianceReport } = await ok(CA_LN, REPORT, { groupBy: ["PROVINCE", "RESELLER"] });
    expect(complianceReport.rows.length).toBeGreaterThan(0);
    expect(new Set(complianceReport.rows.map((r: any) => r.province))).toEqual(new Set(["21"]));
    const other = await ok(CA_LN, REPORT, { groupBy: ["PROVINCE"], filter: { province: "44" } });
    expect(other.complianceReport.rows).toEqual([]);
    expect(other.complianceReport.totals.inService).toBe(0);
  });

  it("shows a campaign's next target and the gap beside the figures", async () => {
    await ok(CA_LN, `mutation { openCampaign(input: { name: "Liaoning real-name 2027", province: "21", targets: [{ date: "2099-06-30", rate: 0.95 }, { date: "2099-12-31", rate: 1 }], hardDeadline: "2099-12-31" }) { id } }`);
    const { complianceReport } = await ok(MIIT, REPORT, { groupBy: ["PROVINCE"] });
    const ln = complianceReport.rows.find((r: any) => r.province === "21");
    expect(ln).toMatchObject({ campaignName: "Liaoning real-name 2027", targetDate: "2099-06-30", target: 0.95 });
    expect(ln.gap).toBeCloseTo(0.95 - ln.realNameRate, 6);
    expect(ln.daysToTarget).toBeGreaterThan(0);
    expect(complianceReport.rows.find((r: any) => r.province === "44").campaignName).toBeNull();
    expect(complianceReport.totals.campaignName).toBeNull(); // no national campaign
  });

  it("counts complaints per reseller", async () => {
    const { complianceReport } = await ok(MIIT, REPORT, { groupBy: ["RESELLER"] });
    const [{ n }] = await app.dataSource.query(
      "SELECT count(*)::int AS n FROM number_reports WHERE reseller_id = (SELECT id FROM organizations WHERE code = 'RS-A')",
    );
    expect(complianceReport.rows.find((r: any) => r.resellerCode === "RS-A")?.complaints ?? 0).toBe(n);
  });

  it("a carrier sees its own subtree's figures, by the resellers it supplies too, and nobody else's", async () => {
    const { complianceReport } = await ok(CARRIERS[0], REPORT, { groupBy: ["RESELLER"] });
    const expected = await app.dataSource.query(`
      SELECT r.code AS "resellerCode", sum(f.in_service)::int AS "inService", sum(f.verified)::int AS verified
        FROM (${FIGURES_FROM_NUMBERS}) f JOIN organizations c ON c.id::text = f.carrier_id LEFT JOIN organizations r ON r.id::text = f.reseller_id
       WHERE c.code = 'CT-LN' GROUP BY 1 HAVING sum(f.in_service) > 0 ORDER BY 1`);
    expect(complianceReport.rows.filter((r: any) => r.inService > 0).map((r: any) => ({ resellerCode: r.resellerCode, inService: r.inService, verified: r.verified })))
      .toEqual(expected);
    const byCarrier = (await ok(CARRIERS[0], REPORT, { groupBy: ["CARRIER"] })).complianceReport.rows;
    expect(byCarrier.map((r: any) => r.carrierCode)).toEqual(["CT"]);
    expect((await ok(CARRIERS[0], REPORT, { groupBy: ["CARRIER"], filter: { carrierCode: "CM" } })).complianceReport.rows).toEqual([]);
  });

  it("is FORBIDDEN to every role but the regulator and the carrier, and checks its arguments", async () => {
    for (const as of [RESELLERS[0], PSB, ADMIN, null] as As[]) {
      expect(codes(await app.exec(as, REPORT, { groupBy: ["CARRIER"] }))).toEqual(["FORBIDDEN"]);
    }
    expect(codes(await app.exec(MIIT, REPORT, { groupBy: ["CARRIER", "CARRIER"] }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, REPORT, { groupBy: ["COUNTY"] }))).toEqual(["BAD_USER_INPUT"]);
  });
});

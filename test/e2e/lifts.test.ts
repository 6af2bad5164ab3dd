import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT_GD = { org: "CT-GD", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;
const CC = { org: "CC-1", role: Role.CALL_CENTER } as const;

const SUSPEND = `mutation($n: String!, $r: String!) { suspendNumber(number: $n, reason: $r) { number status suspension } }`;
const LIFT = `mutation($n: String!, $r: String!) { liftSuspension(number: $n, reason: $r) { number status suspension } }`;
const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { number status } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id caseNumber } }`;
const PAPERS = ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"];

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (birth: string, seq: string) => {
  const body = `210102${birth}${seq}`;
  return body + residentIdCheckCharacter(body);
};

let app: TestApp;
let sequence = 0;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

function subscriberInput() {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  return {
    name: `Shenyang Lift Example ${n} Co., Ltd.`,
    uscc: uscc(`91210100MA${n}Y`),
    legalRep: { name: "Zhou Qi", idNumber: residentId("19750303", String(300 + sequence).slice(-3)) },
    handler: { name: "Wu Ba", idNumber: residentId("19850404", String(500 + sequence).slice(-3)) },
    landline: "02488886666",
    address: "3 Example Road, Shenyang",
    businessScope: "Retail",
    declaredUse: "Customer service hotline",
  };
}

/** A subscriber of RS-A holding `numbers`: approved (the numbers ACTIVE), or a draft (PENDING_VERIFICATION). */
async function subscriber(numbers: string[], verified: boolean): Promise<string> {
  const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input: subscriberInput() });
  for (const n of numbers) await ok(RS_A, ASSIGN, { n, id: s.id });
  if (!verified) return s.id;
  for (const [i, kind] of PAPERS.entries()) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: { kind, sha256: `${sequence}${i}`.padStart(64, "d"), mediaType: "application/pdf", sizeBytes: 1024, storageUri: `s3://evidence/${sequence}/${i}` },
    });
  }
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  return s.id;
}

const row = async (number: string) => {
  const [r] = await app.dataSource.query(
    `SELECT n.status, n.suspension, n.status_since AS "statusSince" FROM numbers n WHERE n.number = $1`,
    [number],
  );
  return r as { status: string; suspension: string | null; statusSince: Date };
};
const lastChange = async (number: string) =>
  (await app.dataSource.query(
    "SELECT previous_status, status, cause FROM number_changes WHERE number = $1 ORDER BY seq DESC LIMIT 1",
    [number],
  ))[0];
const lifted = (number: string) =>
  app.dataSource.query(
    `SELECT s.suspension, o.code AS "imposedBy", l.code AS "liftedBy", s.lift_reason AS "liftReason", s.lifted_at IS NOT NULL AS lifted
       FROM number_suspensions s JOIN organizations o ON o.id = s.organization_id
       LEFT JOIN organizations l ON l.id = s.lifted_by_organization_id
      WHERE s.number = $1 ORDER BY s.at`,
    [number],
  );

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-GD", name: "China Telecom Guangdong", kind: "CARRIER", parentCode: "CT", province: "44" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
    { code: "CC-1", name: "A call centre", kind: "CALL_CENTER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4006100000", rangeEnd: "4006100099" }) { created } }`);
  const numbers = Array.from({ length: 100 }, (_, i) => String(4006100000 + i));
  await ok(CT_LN, `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`, { input: { numbers, resellerCode: "RS-A" } });
});
afterAll(() => app.close());

describe("liftSuspension", () => {
  it("a regulator lifts its own suspension, and MIIT a provincial one: ACTIVE again, in the feed as LIFT, the record kept", async () => {
    await subscriber(["4006100001", "4006100002"], true);
    await ok(MIIT, SUSPEND, { n: "4006100001", r: "complaints confirmed" });
    await ok(CA_LN, SUSPEND, { n: "4006100002", r: "provincial inspection" });

    const events = await auditCount(app.dataSource);
    expect((await ok(MIIT, LIFT, { n: "400-610-0001", r: "complaints resolved" })).liftSuspension).toEqual({
      number: "4006100001", status: "ACTIVE", suspension: null,
    });
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    const [event] = await app.dataSource.query("SELECT operation, outcome, targets FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ operation: "liftSuspension", outcome: "SUCCESS", targets: ["4006100001"] });
    expect(await lastChange("4006100001")).toEqual({ previous_status: "SUSPENDED", status: "ACTIVE", cause: "LIFT" });
    expect(await lifted("4006100001")).toEqual([
      { suspension: "REGULATOR", imposedBy: "MIIT", liftedBy: "MIIT", liftReason: "complaints resolved", lifted: true },
    ]);

    expect((await ok(MIIT, LIFT, { n: "4006100002", r: "reviewed by the ministry" })).liftSuspension.status).toBe("ACTIVE");
    expect(await lifted("4006100002")).toMatchObject([{ imposedBy: "CA-LN", liftedBy: "MIIT", lifted: true }]);
    // Lifted once: a second lift finds nothing suspended.
    const again = await app.exec(MIIT, LIFT, { n: "4006100002", r: "again" });
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect(again.errors![0].extensions.reason).toBe("NOT_SUSPENDED");
  });

  it("a carrier's suspension is lifted by its parent carrier, not by a branch below it or a sibling", async () => {
    await subscriber(["4006100011", "4006100012"], true);
    await ok(CT_LN, SUSPEND, { n: "4006100011", r: "customer reported the line abused" });
    await ok(CT, SUSPEND, { n: "4006100012", r: "group decision" });

    expect((await ok(CT, LIFT, { n: "4006100011", r: "group review" })).liftSuspension.status).toBe("ACTIVE");
    expect(await lifted("4006100011")).toMatchObject([{ imposedBy: "CT-LN", liftedBy: "CT", lifted: true }]);

    const below = await app.exec(CT_LN, LIFT, { n: "4006100012", r: "the branch disagrees" });
    expect(codes(below)).toEqual(["FORBIDDEN"]);
    expect(below.errors![0].message).toMatch(/suspended by another organisation: only it or one above it/);
    for (const as of [CT_GD, CM]) expect(codes(await app.exec(as, LIFT, { n: "4006100012", r: "not ours" }))).toEqual(["FORBIDDEN"]);
    // A regulator is not above a carrier: it lifts only suspensions of its own tree.
    expect(codes(await app.exec(MIIT, LIFT, { n: "4006100012", r: "not ours" }))).toEqual(["FORBIDDEN"]);
    expect(await row("4006100012")).toMatchObject({ status: "SUSPENDED", suspension: "CARRIER" });
    expect(await lifted("4006100012")).toMatchObject([{ imposedBy: "CT", liftedBy: null, lifted: false }]);
  });

  it("another province's regulator, a provincial one under MIIT's suspension and the number's carrier are refused", async () => {
    await subscriber(["4006100021", "4006100022"], true);
    await ok(MIIT, SUSPEND, { n: "4006100021", r: "national campaign" });
    await ok(CA_LN, SUSPEND, { n: "4006100022", r: "provincial inspection" });

    const otherProvince = await app.exec(CA_ZJ, LIFT, { n: "4006100022", r: "not our province" });
    const nowhere = await app.exec(CA_ZJ, LIFT, { n: "4009990123", r: "not anywhere" });
    expect(codes(otherProvince)).toEqual(["FORBIDDEN"]);
    // The same words whether or not the number exists.
    expect(otherProvince.errors![0].message.replace("4006100022", "N")).toBe(nowhere.errors![0].message.replace("4009990123", "N"));
    expect(codes(await app.exec(CA_LN, LIFT, { n: "4006100021", r: "below the ministry" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CT_LN, LIFT, { n: "4006100021", r: "the carrier's wish" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(MIIT, LIFT, { n: "4009990124", r: "unknown" }))).toEqual(["NOT_FOUND"]);
    expect(await row("4006100021")).toMatchObject({ status: "SUSPENDED", suspension: "REGULATOR" });
    expect((await ok(CA_LN, LIFT, { n: "4006100022", r: "inspection passed" })).liftSuspension.status).toBe("ACTIVE");
  });

  it("an unverified subscriber's number stays SUSPENDED for PAPERS, and the sweep terminates it 90 days after the lift, not the suspension", async () => {
    await subscriber(["4006100031"], false);
    await ok(MIIT, SUSPEND, { n: "4006100031", r: "complaints confirmed" });
    // Suspended 60 days ago: the old clock would end 30 days from now.
    await app.dataSource.query("UPDATE numbers SET status_since = now() - interval '60 days' WHERE number = '4006100031'");

    expect((await ok(MIIT, LIFT, { n: "4006100031", r: "complaints resolved" })).liftSuspension).toEqual({
      number: "4006100031", status: "SUSPENDED", suspension: "PAPERS",
    });
    const { statusSince: liftedAt } = await row("4006100031");
    expect(Math.abs(liftedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await lastChange("4006100031")).toEqual({ previous_status: "SUSPENDED", status: "SUSPENDED", cause: "LIFT" });
    expect(await lifted("4006100031")).toMatchObject([{ imposedBy: "MIIT", liftedBy: "MIIT", lifted: true }]);

    const at = (days: number, seconds = 0) => new Date(liftedAt.getTime() + days * 86_400_000 + seconds * 1000);
    await app.server.services.sweeps.run(at(30));
    await app.server.services.sweeps.run(at(90, -1));
    expect(await row("4006100031")).toMatchObject({ status: "SUSPENDED", suspension: "PAPERS" });
    // A second either side of the 90 days (PostgreSQL keeps microseconds a Date drops).
    await app.server.services.sweeps.run(at(90, 1));
    expect((await row("4006100031")).status).toBe("AGING");
    const moves = await app.dataSource.query(
      "SELECT previous_status, status FROM number_changes WHERE number = '4006100031' AND cause = 'SWEEP' ORDER BY seq",
    );
    expect(moves).toEqual([{ previous_status: "SUSPENDED", status: "TERMINATED" }, { previous_status: "TERMINATED", status: "AGING" }]);
  });

  it("a PAPERS or CAMPAIGN suspension is lifted by verification, not here; a number not suspended or FORCE_STOPPED: CONFLICT", async () => {
    await subscriber(["4006100041", "4006100042", "4006100043"], false);
    await ok(MIIT, SUSPEND, { n: "4006100041", r: "complaints confirmed" });
    await ok(MIIT, LIFT, { n: "4006100041", r: "complaints resolved" });
    const papers = await app.exec(MIIT, LIFT, { n: "4006100041", r: "once more" });
    expect(codes(papers)).toEqual(["CONFLICT"]);
    expect(papers.errors![0].message).toMatch(/SUSPENDED for PAPERS: only verifying its subscriber lifts that/);
    expect(papers.errors![0].extensions.reason).toBe("LIFTED_BY_VERIFICATION");

    await app.dataSource.query("UPDATE numbers SET status = 'SUSPENDED', suspension = 'CAMPAIGN' WHERE number = '4006100042'");
    const campaign = await app.exec(CA_LN, LIFT, { n: "4006100042", r: "x" });
    expect(codes(campaign)).toEqual(["CONFLICT"]);
    expect(campaign.errors![0].message).toMatch(/SUSPENDED for CAMPAIGN/);

    const pending = await app.exec(CT_LN, LIFT, { n: "4006100043", r: "x" });
    expect(codes(pending)).toEqual(["CONFLICT"]);
    expect(pending.errors![0].message).toMatch(/not suspended: it is PENDING_VERIFICATION/);

    await ok(MIIT, SUSPEND, { n: "4006100043", r: "complaints confirmed" });
    const { issueShutdownOrder } = await ok(MPS, ISSUE, {
      input: { numbers: ["4006100043"], caseNumber: "LN-2026-0707", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "" },
    });
    const stopped = await app.exec(MIIT, LIFT, { n: "4006100043", r: "x" });
    expect(codes(stopped)).toEqual(["CONFLICT"]);
    expect(stopped.errors![0].extensions.reason).toBe("FORCE_STOPPED");
    expect(stopped.errors![0].message).toContain(`order ${issueShutdownOrder.id} (case LN-2026-0707)`);

    expect(codes(await app.exec(MIIT, LIFT, { n: "4006100041", r: "  " }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is FORBIDDEN to every other role, and audited as refused", async () => {
    await subscriber(["4006100051"], true);
    await ok(CT_LN, SUSPEND, { n: "4006100051", r: "abuse" });
    for (const as of [null, RS_A, MPS, ADMIN, CC] as As[]) {
      const events = await auditCount(app.dataSource);
      expect(codes(await app.exec(as, LIFT, { n: "4006100051", r: "x" }))).toEqual(["FORBIDDEN"]);
      expect(await auditCount(app.dataSource)).toBe(events + 1);
      const [event] = await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1");
      expect(event).toEqual({ operation: "liftSuspension", outcome: "FORBIDDEN" });
    }
    expect(await row("4006100051")).toMatchObject({ status: "SUSPENDED", suspension: "CARRIER" });
  });
});

describe("an order lifted as issued by mistake takes away only what it imposed", () => {
  const order = (numbers: string[], caseNumber: string, reason = "TELECOM_FRAUD") => ({
    input: { numbers, caseNumber, legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason, note: "n" },
  });
  const MISTAKEN = `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "issued by mistake", mistaken: true) { status } }`;
  const DONE = `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "case closed") { status } }`;
  const quarantine = async (n: string) =>
    (await app.dataSource.query("SELECT status, aging_days AS days, aging_until AS until FROM numbers WHERE number = $1", [n]))[0];
  const bars = async (n: string) => (await app.dataSource.query("SELECT count(*)::int AS n FROM number_bars WHERE number = $1", [n]))[0].n;

  it("a genuine fraud order's quarantine survives another order lifted as a mistake, and a second mistaken fraud order", async () => {
    const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created } }`;
    await ok(CT_LN, SYNC, { input: { idempotencyKey: "mistakes-1", numbers: [{ number: "4006200001", status: "AGING" }] } });
    const start = await quarantine("4006200001");
    expect(start.days).toBe(90);

    const genuine = (await ok(MPS, ISSUE, order(["4006200001"], "MPS-GENUINE-1"))).issueShutdownOrder.id;
    await ok(MPS, DONE, { id: genuine });
    const after = await quarantine("4006200001");
    expect(after).toMatchObject({ status: "AGING", days: 180 });
    expect(after.until.getTime() - start.until.getTime()).toBe(90 * 86_400_000);

    // Another order, of another reason, lifted as a mistake: it imposed no quarantine, so it takes none away.
    const harassment = (await ok(MPS, ISSUE, order(["4006200001"], "MPS-OTHER-1", "HARASSMENT"))).issueShutdownOrder.id;
    await ok(MPS, MISTAKEN, { id: harassment });
    expect(await quarantine("4006200001")).toEqual(after);
    // A fraud order lifted as a mistake after a genuine one: the genuine one's quarantine stands.
    const wrong = (await ok(MPS, ISSUE, order(["4006200001"], "MPS-WRONG-1"))).issueShutdownOrder.id;
    await ok(MPS, MISTAKEN, { id: wrong });
    expect(await quarantine("4006200001")).toEqual(after);
  });

  it("two fraud orders both lifted as mistakes: the period before the first comes back", async () => {
    const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created } }`;
    await ok(CT_LN, SYNC, { input: { idempotencyKey: "mistakes-2", numbers: [{ number: "4006200002", status: "AGING" }] } });
    const start = await quarantine("4006200002");
    const first = (await ok(MPS, ISSUE, order(["4006200002"], "MPS-TWICE-1"))).issueShutdownOrder.id;
    const second = (await ok(MPS, ISSUE, order(["4006200002"], "MPS-TWICE-2"))).issueShutdownOrder.id;
    await ok(MPS, MISTAKEN, { id: first });
    expect((await quarantine("4006200002")).status).toBe("FORCE_STOPPED");
    await ok(MPS, MISTAKEN, { id: second });
    expect(await quarantine("4006200002")).toEqual(start);
  });

  it("a revocation's bar survives a fraud order lifted as a mistake: the number never goes back to that company", async () => {
    const id = await subscriber(["4006100090"], true);
    const fraud = (await ok(MPS, ISSUE, order(["4006100090"], "MPS-BAR-1"))).issueShutdownOrder.id;
    await ok(CT_LN, `mutation($id: ID!) { revokeSubscriber(subscriberId: $id, reason: "licence forged") { identityStatus } }`, { id });
    expect(await bars("4006100090")).toBe(2);
    await ok(MPS, MISTAKEN, { id: fraud });
    expect(await bars("4006100090")).toBe(1);
    expect(await quarantine("4006100090")).toMatchObject({ status: "TERMINATED", days: 180 });
    const [bar] = await app.dataSource.query("SELECT reason, order_id FROM number_bars WHERE number = '4006100090'");
    expect(bar).toEqual({ reason: "identity revoked", order_id: null });
  });
});

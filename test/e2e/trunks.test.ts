import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { exportDno } from "../../src/cli/export-dno";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";
import { countStatements } from "../helpers/statements";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const CC_A = { org: "CC-A", role: Role.CALL_CENTER } as const;
const CC_B = { org: "CC-B", role: Role.CALL_CENTER } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;

const TRUNK_FIELDS = `id status purpose capacity province carrier { code } callCenter { code } callerNumbers requiredDepartments
  approvals { department approvedBy note at } inspections { id date passed findings inspector }`;
const REGISTER_TRUNK = `mutation($input: RegisterTrunkLineInput!) { registerTrunkLine(input: $input) { ${TRUNK_FIELDS} } }`;
const APPROVE_TRUNK = `mutation($id: ID!, $d: String!, $note: String) { approveTrunkLine(trunkId: $id, department: $d, note: $note) { id status approvals { department approvedBy } } }`;
const INSPECT = `mutation($id: ID!, $input: RecordInspectionInput!) { recordInspection(trunkId: $id, input: $input) { id date passed findings inspector at } }`;
const SUSPEND = `mutation($id: ID!, $reason: String!) { suspendTrunkLine(trunkId: $id, reason: $reason) { id status suspendedAt suspensionReason } }`;
const REINSTATE = `mutation($id: ID!, $reason: String!) { reinstateTrunkLine(trunkId: $id, reason: $reason) { id status } }`;
const TRUNKS = `query($filter: TrunkLineFilter, $first: Int, $after: String) { trunkLines(filter: $filter, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id status purpose callCenter { code } carrier { code } } } } }`;
const VERIFY = `query($checks: [CallerCheckInput!]!) { verifyCallers(checks: $checks) { decision reason } }`;
const REFUSE = `mutation($input: RecordMarketingRefusalInput!) { recordMarketingRefusal(input: $input) { id calleeNumber callerOrg { code } at } }`;
const REFUSALS = `query($after: String, $first: Int) { marketingRefusals(after: $after, first: $first) {
  totalCount edges { node { calleeNumber callerOrg { code } } } pageInfo { hasNextPage endCursor } } }`;
const DNO = `query($after: String, $first: Int) { doNotOriginate(after: $after, first: $first) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { number reason } } } }`;
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code uscc } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;
const REVOKE = `mutation($id: ID!, $reason: String!) { revokeSubscriber(subscriberId: $id, reason: $reason) { identityStatus } }`;

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (body17: string) => body17 + residentIdCheckCharacter(body17);

const COMPANY_A = { name: "Shenyang Call Services Co., Ltd.", uscc: uscc("91210102MA0CC0A1X"), rep: "21010219800101101" };
const COMPANY_B = { name: "Dalian Outreach Co., Ltd.", uscc: uscc("91210202MA0CC0B2X"), rep: "21010219800101102" };
const COMPANY_BLACKLISTED = uscc("91210102MA0CC0C3X");

// Company A's fixed lines: L1 stays verified; L2's subscriber is revoked and L3's expires
// during the tests; L4's subscriber is only SUBMITTED. LB is company B's.
const L1 = "02488886601";
const L2 = "02488886602";
const L3 = "02488886603";
const L4 = "02488886604";
const LB = "02488886611";
const LR = "02488886609"; // its subscriber is revoked by the do-not-originate test
const PERSON = "13900000000";
const REFUSED_ALL = "13900000001";
const REFUSED_A = "13900000002";
const REFUSED_B = "13900000003";
const STOPPED_400 = "4001000005";
const STOPPED_DNO = "4001000007";

let app: TestApp;
let sequence = 0;
const subscriberIds: Record<string, string> = {};
const trunks: Record<string, string> = {};

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A carrier's user: approvals are by person, so each department's approver has a token of their own. */
async function user(org: string, sub: string): Promise<As> {
  return { token: await signToken(app.config.jwtSecret, { sub, org, role: Role.CARRIER }, 3600) };
}

/** A subscriber of company `company` with fixed line `landline`, registered by RS-A with every paper and both checks; approved unless told. */
async function subscriber(company: typeof COMPANY_A, landline: string, options: { licenceExpires?: string; approve?: boolean } = {}) {
  sequence += 1;
  const { registerSubscriber: s } = await ok(RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: company.name, uscc: company.uscc, legalRep: { name: "Zhao Yi", idNumber: residentId(company.rep) },
      handler: { name: "Qian Er", idNumber: residentId(`21010219900215${String(sequence).padStart(3, "0")}`) },
      landline, address: "1 Example Road, Shenyang", businessScope: "Call-centre services", declaredUse: "Outbound calls",
    },
  });
  for (const kind of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"]) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: {
        kind, sha256: createHash("sha256").update(`${sequence}/${kind}`).digest("hex"), mediaType: "application/pdf", sizeBytes: 1000,
        storageUri: `s3://evidence/${sequence}/${kind}`, expiresOn: kind === "BUSINESS_LICENSE" ? (options.licenceExpires ?? "2099-12-31") : "2099-12-31",
      },
    });
  }
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  // The carrier reaches a subscriber only through its numbers in the carrier's subtree: one is assigned before the re-check.
  await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: String(4001000020 + sequence), id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  if (options.approve !== false) await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  return s.id as string;
}

/** Registers a trunk and has every department approve it, each by a person of its own. */
async function activeTrunk(carrier: string, input: Record<string, unknown>): Promise<string> {
  const { registerTrunkLine } = await ok({ org: carrier, role: Role.CARRIER }, REGISTER_TRUNK, { input });
  for (const d of ["SALES", "SECURITY", "LEGAL"]) await ok(await user(carrier, `${carrier}-${d.toLowerCase()}`), APPROVE_TRUNK, { id: registerTrunkLine.id, d });
  return registerTrunkLine.id;
}

const check = (trunkId: string, callerNumber: string, calleeNumber = PERSON) => ({ trunkId, callerNumber, calleeNumber });

async function verify(checks: ReturnType<typeof check>[], as: As = CT_LN) {
  return (await ok(as, VERIFY, { checks })).verifyCallers as { decision: string; reason: string | null }[];
}

const count = async (table: string) => (await app.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "CC-A", name: "Shenyang Call Services", kind: "CALL_CENTER", province: "21", uscc: COMPANY_A.uscc },
    { code: "CC-B", name: "Dalian Outreach", kind: "CALL_CENTER", province: "21", uscc: COMPANY_B.uscc },
    { code: "CC-BL", name: "Blacklisted Calls", kind: "CALL_CENTER", uscc: COMPANY_BLACKLISTED },
    { code: "CC-N", name: "No Company On Record", kind: "CALL_CENTER" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", province: "21" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: "REGULATOR", province: "33" },
  ]) {
    await ok(ADMIN, CREATE_ORG, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001000000", rangeEnd: "4001000099" }) { created } }`);
  await ok(CM, `mutation { publishAllocation(input: { rangeStart: "4009000000", rangeEnd: "4009000009", province: "33" }) { created } }`);
  await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["4001000001"], resellerCode: "RS-A" }) { updated } }`);
  // The numbers RS-A assigns to the subscribers below, one each.
  await ok(CT_LN, `mutation($numbers: [String!]!) { wholesaleNumbers(input: { numbers: $numbers, resellerCode: "RS-A" }) { updated } }`, {
    numbers: Array.from({ length: 20 }, (_, i) => String(4001000020 + i)),
  });
  await app.dataSource.query(`INSERT INTO blacklist (uscc, reason) VALUES ($1, 'penalty LN-2025-017')`, [COMPANY_BLACKLISTED]);

  subscriberIds.L1 = await subscriber(COMPANY_A, L1);
  subscriberIds.L2 = await subscriber(COMPANY_A, L2);
  subscriberIds.L3 = await subscriber(COMPANY_A, L3, { licenceExpires: "2040-01-01" });
  subscriberIds.L4 = await subscriber(COMPANY_A, L4, { approve: false });
  subscriberIds.LB = await subscriber(COMPANY_B, LB);
  subscriberIds.LR = await subscriber(COMPANY_B, LR);

  trunks.service = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 30, purpose: "CUSTOMER_SERVICE", callerNumbers: ["024-8888-6601", L2, L3] });
  trunks.marketing = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 10, purpose: "MARKETING", callerNumbers: [L1] });
  trunks.mobile = await activeTrunk("CM", { callCenterCode: "CC-B", capacity: 5, purpose: "NOTIFICATION", province: "33", callerNumbers: [LB] });
});
afterAll(() => app.close());

describe("organisations", () => {
  it("a call centre is created with its company's USCC, checked by its algorithm; no other kind has one", async () => {
    expect((await ok(ADMIN, `{ organization(code: "CC-A") { uscc } }`)).organization.uscc).toBe(COMPANY_A.uscc);
    const wrong = COMPANY_A.uscc.slice(0, 17) + (COMPANY_A.uscc[17] === "0" ? "1" : "0");
    let body = await app.exec(ADMIN, CREATE_ORG, { input: { code: "CC-Q", name: "Q", kind: "CALL_CENTER", uscc: wrong } });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/^uscc: .*check character/);
    body = await app.exec(ADMIN, CREATE_ORG, { input: { code: "CT-Q", name: "Q", kind: "CARRIER", uscc: COMPANY_B.uscc } });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(await app.dataSource.query(`SELECT code FROM organizations WHERE code IN ('CC-Q', 'CT-Q')`)).toEqual([]);
  });
});

describe("registering and approving a trunk line", () => {
  it("goes into service only when the last of the three departments approves; one person approves for one department", async () => {
    const { registerTrunkLine: t } = await ok(CT_LN, REGISTER_TRUNK, {
      input: { callCenterCode: "CC-A", capacity: 60, purpose: "NOTIFICATION", callerNumbers: ["+86 24 8888 6601"] },
    });
    expect(t).toMatchObject({
      status: "PENDING_APPROVAL", purpose: "NOTIFICATION", capacity: 60, province: "21", carrier: { code: "CT-LN" }, callCenter: { code: "CC-A" },
      callerNumbers: [L1], requiredDepartments: ["SALES", "SECURITY", "LEGAL"], approvals: [], inspections: [],
    });
    const alice = await user("CT-LN", "alice");
    const bob = await user("CT-LN", "bob");
    expect((await ok(alice, APPROVE_TRUNK, { id: t.id, d: "SALES", note: "contract checked" })).approveTrunkLine.status).toBe("PENDING_APPROVAL");
    const second = (await ok(bob, APPROVE_TRUNK, { id: t.id, d: "security" })).approveTrunkLine;
    expect(second.status).toBe("PENDING_APPROVAL");
    expect(second.approvals).toEqual([{ department: "SALES", approvedBy: "alice" }, { department: "SECURITY", approvedBy: "bob" }]);
    expect(await verify([check(t.id, L1)])).toEqual([{ decision: "BLOCK", reason: "TRUNK_NOT_ACTIVE" }]);

    // The same person for a second department; a department a second time; a department not required.
    let body = await app.exec(bob, APPROVE_TRUNK, { id: t.id, d: "LEGAL" });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/one person approves for one department only/);
    body = await app.exec(await user("CT-LN", "carol"), APPROVE_TRUNK, { id: t.id, d: "SECURITY" });
    expect(codes(body)).toEqual(["CONFLICT"]);
    body = await app.exec(await user("CT-LN", "carol"), APPROVE_TRUNK, { id: t.id, d: "FINANCE" });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/SALES, SECURITY, LEGAL/);
    expect((await app.dataSource.query(`SELECT count(*)::int AS n FROM trunk_approvals WHERE trunk_id = $1`, [t.id]))[0].n).toBe(2);

    // A carrier outside the trunk's carrier subtree cannot approve it; the group above can.
    expect(codes(await app.exec(await user("CM", "dave"), APPROVE_TRUNK, { id: t.id, d: "LEGAL" }))).toEqual(["NOT_FOUND"]);
    const last = (await ok(await user("CT", "erin"), APPROVE_TRUNK, { id: t.id, d: "LEGAL" })).approveTrunkLine;
    expect(last.status).toBe("ACTIVE");
    expect(await verify([check(t.id, L1)])).toEqual([{ decision: "ALLOW", reason: null }]);
    expect(codes(await app.exec(await user("CT-LN", "frank"), APPROVE_TRUNK, { id: t.id, d: "LEGAL" }))).toEqual(["CONFLICT"]);
  });

  it("the database keeps a trunk out of service without every approval, and one approval per person", async () => {
    const [{ id }] = await app.dataSource.query(
      `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, required_departments, registered_by)
       SELECT c.id, cc.id, 1, 'MARKETING', '{SALES,LEGAL}', 'sql' FROM organizations c, organizations cc WHERE c.code = 'CT-LN' AND cc.code = 'CC-A'
       RETURNING id`,
    );
    await expect(app.dataSource.query(`UPDATE trunk_lines SET status = 'ACTIVE', activated_at = now() WHERE id = $1`, [id])).rejects.toThrow(
      /in service without the approval of SALES/,
    );
    await expect(app.dataSource.query(`UPDATE trunk_lines SET status = 'SUSPENDED', suspended_at = now(), suspended_by = 'x', suspension_reason = 'x' WHERE id = $1`, [id]))
      .rejects.toThrow(/illegal trunk line status transition PENDING_APPROVAL -> SUSPENDED/);
    const approve = (department: string, by: string) =>
      app.dataSource.query(`INSERT INTO trunk_approvals (trunk_id, department, approved_by, organization_id) SELECT $1, $2, $3, id FROM organizations WHERE code = 'CT-LN'`, [id, department, by]);
    await approve("SALES", "gina");
    await expect(approve("LEGAL", "gina")).rejects.toThrow(/trunk_approvals_one_department_per_person/);
    await expect(approve("SECURITY", "hugo")).rejects.toThrow(/does not require the approval of SECURITY/);
    await expect(app.dataSource.query(`DELETE FROM trunk_lines WHERE id = $1`, [id])).rejects.toThrow(/refused/);
  });

  it("refuses a 400 number, and every number the call centre does not hold, naming each and why; nothing is stored", async () => {
    const [trunksBefore, events] = [await count("trunk_lines"), await auditCount(app.dataSource)];
    const register = (input: Record<string, unknown>) =>
      app.exec(CT_LN, REGISTER_TRUNK, { input: { callCenterCode: "CC-A", capacity: 10, purpose: "CUSTOMER_SERVICE", ...input } });

    let body = await register({ callerNumbers: [L1, "400-100-0001", "8001234567"] });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain("400-100-0001: a 400 number is never shown as a caller");
    expect(body.errors![0].message).toContain("8001234567: a 800 number is never shown as a caller");

    body = await register({ callerNumbers: [L1, "12345"] });
    expect(body.errors![0].message).toMatch(/"12345": not a fixed-line or mobile number in national form/);

    body = await register({ callerNumbers: [L1, LB, "13800138000", L4] });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].extensions.refused).toEqual([
      `${LB}: not a number the call centre holds (no verified subscriber with its USCC ${COMPANY_A.uscc} has this fixed line)`,
      `13800138000: not a number the call centre holds (no verified subscriber with its USCC ${COMPANY_A.uscc} has this fixed line)`,
      `${L4}: its subscriber with the call centre's USCC is SUBMITTED, not VERIFIED`,
    ]);

    body = await register({ callCenterCode: "CC-N", callerNumbers: [L1] });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/CC-N has no USCC on record/);
    expect(codes(await register({ callCenterCode: "RS-A", callerNumbers: [L1] }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await register({ callerNumbers: [L1], capacity: 0 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await register({ callerNumbers: [] }))).toEqual(["BAD_USER_INPUT"]);
    body = await register({ callerNumbers: [L1], province: "33" });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/a branch registers trunks in its own province/);

    body = await register({ callCenterCode: "CC-BL", callerNumbers: [L1] });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/blacklisted \(penalty LN-2025-017\): no trunk/);

    expect(await count("trunk_lines")).toBe(trunksBefore);
    expect(await auditCount(app.dataSource)).toBe(events + 9); // each refusal is audited, and nothing else happened
  });
});

describe("inspections and suspension", () => {
  it("records an inspection against the trunk; a date in the future or not in the calendar is refused", async () => {
    const { recordInspection } = await ok(await user("CT-LN", "ivan"), INSPECT, {
      id: trunks.service, input: { date: "2025-03-14", passed: false, findings: "Calls placed from a second, undeclared site in Hebei" },
    });
    expect(recordInspection).toMatchObject({ date: "2025-03-14", passed: false, inspector: "ivan" });
    expect(codes(await app.exec(CT_LN, INSPECT, { id: trunks.service, input: { date: "2999-01-01", passed: true, findings: "ok" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, INSPECT, { id: trunks.service, input: { date: "2025-02-30", passed: true, findings: "ok" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, INSPECT, { id: trunks.service, input: { date: "2025-02-03", passed: true, findings: "  " } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CM, INSPECT, { id: trunks.service, input: { date: "2025-02-03", passed: true, findings: "ok" } }))).toEqual(["NOT_FOUND"]);
    const { trunkLines } = await ok(CC_A, `{ trunkLines(filter: { purpose: CUSTOMER_SERVICE }) { edges { node { id inspections { date passed findings } } } } }`);
    const seen = trunkLines.edges.find((e: any) => e.node.id === trunks.service).node;
    expect(seen.inspections).toEqual([{ date: "2025-03-14", passed: false, findings: "Calls placed from a second, undeclared site in Hebei" }]);
  });

  it("a suspended trunk blocks every call on it", async () => {
    const id = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 2, purpose: "CUSTOMER_SERVICE", callerNumbers: [L1] });
    expect(await verify([check(id, L1)])).toEqual([{ decision: "ALLOW", reason: null }]);
    expect(codes(await app.exec(CT_LN, SUSPEND, { id, reason: "" }))).toEqual(["BAD_USER_INPUT"]);
    const { suspendTrunkLine } = await ok(CT_LN, SUSPEND, { id, reason: "remote outbound calling found on inspection" });
    expect(suspendTrunkLine).toMatchObject({ status: "SUSPENDED", suspensionReason: "remote outbound calling found on inspection" });
    expect(await verify([check(id, L1)])).toEqual([{ decision: "BLOCK", reason: "TRUNK_NOT_ACTIVE" }]);
    expect(codes(await app.exec(CT_LN, SUSPEND, { id, reason: "again" }))).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(CM, SUSPEND, { id: trunks.service, reason: "not mine" }))).toEqual(["NOT_FOUND"]);
  });
});

describe("who sees which trunk lines", () => {
  const seen = async (as: As, filter: Record<string, unknown> | null = null) => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { trunkLines } = await ok(as, TRUNKS, { filter, first: 2, after });
      ids.push(...trunkLines.edges.map((e: any) => e.node.id));
      if (!trunkLines.pageInfo.hasNextPage) return { ids, total: trunkLines.totalCount as number };
      after = trunkLines.pageInfo.endCursor;
    }
  };

  it("a call centre its own; a carrier its subtree's; a national regulator all, a provincial one its province's", async () => {
    const all = await app.dataSource.query(`SELECT t.id, c.code AS cc, o.code AS carrier, t.province FROM trunk_lines t
      JOIN organizations c ON c.id = t.call_center_id JOIN organizations o ON o.id = t.carrier_id ORDER BY t.seq`);
    const where = (f: (t: any) => boolean) => all.filter(f).map((t: any) => t.id);
    expect(await seen(CC_A)).toEqual({ ids: where((t) => t.cc === "CC-A"), total: where((t) => t.cc === "CC-A").length });
    expect((await seen(CC_B)).ids).toEqual([trunks.mobile]);
    expect((await seen(CT_LN)).ids).toEqual(where((t) => t.carrier === "CT-LN"));
    expect((await seen(CT)).ids).toEqual(where((t) => t.carrier === "CT-LN"));
    expect((await seen(CM)).ids).toEqual([trunks.mobile]);
    expect((await seen(MIIT)).ids).toEqual(all.map((t: any) => t.id));
    expect((await seen(CA_ZJ)).ids).toEqual([trunks.mobile]);
    expect((await seen(CC_A, { callCenterCode: "CC-B" })).ids).toEqual([]);
    expect((await seen(CC_A, { purpose: "MARKETING", status: "ACTIVE" })).ids).toEqual([trunks.marketing]);
    expect(codes(await app.exec(CC_A, TRUNKS, { after: "bm90LWEtY3Vyc29y" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("verifyCallers", () => {
  it("ALLOWs a clean call, and gives each BLOCK reason for the case that needs it, in input order", async () => {
    await ok(CT_LN, REFUSE, { input: { calleeNumber: REFUSED_ALL } });
    await ok(CC_A, REFUSE, { input: { calleeNumber: REFUSED_A, callerOrgCode: "CC-A" } });
    await ok(CT_LN, REFUSE, { input: { calleeNumber: REFUSED_B, callerOrgCode: "CC-B" } });
    const { registerTrunkLine: pending } = await ok(CT_LN, REGISTER_TRUNK, {
      input: { callCenterCode: "CC-A", capacity: 1, purpose: "CUSTOMER_SERVICE", callerNumbers: [L1] },
    });
    const results = await verify([
      check(trunks.service, L1),
      check(randomUUID(), L1),
      check("not-a-trunk", L1),
      check(trunks.mobile, LB), // CM's trunk: outside CT-LN's subtree
      check(pending.id, "4001000001"), // the trunk is tried first
      check(trunks.service, "4001000001"),
      check(trunks.service, "+86 800 123 4567"),
      check(trunks.service, LB),
      check(trunks.marketing, L2),
      check(trunks.service, L1, REFUSED_ALL), // refusals, even of all marketing, bind MARKETING trunks only
      check(trunks.marketing, L1, REFUSED_ALL),
      check(trunks.marketing, L1, REFUSED_A),
      check(trunks.service, L1, REFUSED_A), // a refusal of marketing does not stop a customer-service call
      check(trunks.marketing, L1, REFUSED_B), // another call centre's marketing was refused, not this one's
      check(trunks.service, "024 8888 6601", "139-0000-0000"),
    ]);
    expect(results.map((r) => r.reason ?? r.decision)).toEqual([
      "ALLOW", "TRUNK_UNKNOWN", "TRUNK_UNKNOWN", "TRUNK_UNKNOWN", "TRUNK_NOT_ACTIVE", "CALLER_IS_400", "CALLER_IS_400",
      "CALLER_NOT_AUTHORISED", "CALLER_NOT_AUTHORISED", "ALLOW", "CALLEE_ON_DO_NOT_CALL", "CALLEE_REFUSED_MARKETING",
      "ALLOW", "ALLOW", "ALLOW",
    ]);
    expect(results.filter((r) => r.decision === "ALLOW").every((r) => r.reason === null)).toBe(true);
    expect(results.filter((r) => r.decision === "BLOCK")).toHaveLength(10);
    expect((await verify([check(trunks.mobile, LB)], CM))[0]).toEqual({ decision: "ALLOW", reason: null });
    expect(await verify([])).toEqual([]);
  });

  it("revoking the caller's subscriber, or its papers expiring, blocks the caller at once", async () => {
    expect(await verify([check(trunks.service, L2), check(trunks.service, L3)])).toEqual([
      { decision: "ALLOW", reason: null }, { decision: "ALLOW", reason: null },
    ]);
    await ok(CT_LN, REVOKE, { id: subscriberIds.L2, reason: "papers borrowed from another company" });
    // The caller is stopped before the callee's refusal is looked at.
    expect(await verify([check(trunks.service, L2), check(trunks.service, L2, REFUSED_ALL)])).toEqual([
      { decision: "BLOCK", reason: "CALLER_STOPPED" }, { decision: "BLOCK", reason: "CALLER_STOPPED" },
    ]);
    await app.server.services.sweeps.run(new Date("2040-01-01T00:00:00Z"));
    expect((await app.dataSource.query(`SELECT identity_status FROM subscribers WHERE id = $1`, [subscriberIds.L3]))[0].identity_status).toBe("EXPIRED");
    expect(await verify([check(trunks.service, L3), check(trunks.service, L1)])).toEqual([
      { decision: "BLOCK", reason: "CALLER_SUSPENDED" }, { decision: "ALLOW", reason: null },
    ]);
    // A stopped number cannot be registered on a new trunk either.
    const body = await app.exec(CT_LN, REGISTER_TRUNK, { input: { callCenterCode: "CC-A", capacity: 1, purpose: "CUSTOMER_SERVICE", callerNumbers: [L2, L3] } });
    expect(body.errors![0].extensions.refused).toEqual([
      `${L2}: stopped, the fixed line of a revoked identity`,
      `${L3}: its subscriber with the call centre's USCC is EXPIRED, not VERIFIED`,
    ]);
  });

  it("a force-stopped 400 number as caller is CALLER_IS_400: that reason is tried before CALLER_STOPPED", async () => {
    await ok(PSB_LN, ISSUE, {
      input: { numbers: [STOPPED_400], caseNumber: "LN-2026-0901", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "SPOOFING", note: "" },
    });
    expect(await verify([check(trunks.service, STOPPED_400)])).toEqual([{ decision: "BLOCK", reason: "CALLER_IS_400" }]);
  });

  it("costs the same number of SQL statements for a batch of 10 as for one of 1,000", async () => {
    const cases = [check(trunks.service, L1), check(trunks.marketing, L1, REFUSED_A), check(randomUUID(), L1), check(trunks.service, "4001000001"), check(trunks.service, L2)];
    const statements = async (size: number) => {
      const checks = Array.from({ length: size }, (_, i) => cases[i % cases.length]);
      const { result: results, statements: n } = await countStatements(() => verify(checks));
      expect(results).toHaveLength(size);
      expect(results[size - 1]).toEqual(results[(size - 1) % cases.length]);
      return n;
    };
    const small = await statements(10);
    expect(await statements(1000)).toBe(small);
    expect(small).toBeLessThanOrEqual(2);
  });

  it("more than 1,000 checks, or an absurd number, is BAD_USER_INPUT; only a carrier checks", async () => {
    const body = await app.exec(CT_LN, VERIFY, { checks: Array.from({ length: 1001 }, () => check(trunks.service, L1)) });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/at most 1,000 checks a call, got 1,001/);
    expect(codes(await app.exec(CT_LN, VERIFY, { checks: [check(trunks.service, "1".repeat(40))] }))).toEqual(["BAD_USER_INPUT"]);
    for (const as of [CC_A, MIIT, RS_A, PSB_LN, ADMIN, null]) {
      expect(codes(await app.exec(as, VERIFY, { checks: [check(trunks.service, L1)] }))).toEqual(["FORBIDDEN"]);
    }
  });
});

describe("marketing refusals", () => {
  it("are recorded once per callee and caller organisation; a call centre records only its own; the audit keeps no callee number", async () => {
    const first = (await ok(CC_B, REFUSE, { input: { calleeNumber: "139 0000 0009", callerOrgCode: "CC-B" } })).recordMarketingRefusal;
    expect(first).toMatchObject({ calleeNumber: "13900000009", callerOrg: { code: "CC-B" } });
    const again = (await ok(CT_LN, REFUSE, { input: { calleeNumber: "13900000009", callerOrgCode: "CC-B" } })).recordMarketingRefusal;
    expect(again).toEqual(first);
    const all = (await ok(CT_LN, REFUSE, { input: { calleeNumber: "13900000009" } })).recordMarketingRefusal;
    expect(all.callerOrg).toBeNull();
    expect(all.id).not.toBe(first.id);
    const [event] = await app.dataSource.query(`SELECT targets FROM audit_events WHERE operation = 'recordMarketingRefusal' ORDER BY seq DESC LIMIT 1`);
    expect(JSON.stringify(event.targets)).not.toContain("13900000009");

    const refusals = await count("marketing_refusals");
    expect(codes(await app.exec(CC_B, REFUSE, { input: { calleeNumber: "13900000008", callerOrgCode: "CC-A" } }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CC_B, REFUSE, { input: { calleeNumber: "13900000008" } }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CT_LN, REFUSE, { input: { calleeNumber: "4001000001" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, REFUSE, { input: { calleeNumber: "13900000008", callerOrgCode: "CT-LN" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(await count("marketing_refusals")).toBe(refusals);
  });

  it("each reads the list it must honour, two at a time: a call centre its own and everyone's, a carrier its trunks' call centres', its own and everyone's", async () => {
    await ok(CT_LN, REFUSE, { input: { calleeNumber: "13900000021", callerOrgCode: "CC-A" } });
    await ok(CC_B, REFUSE, { input: { calleeNumber: "13900000022", callerOrgCode: "CC-B" } });
    await ok(CT_LN, REFUSE, { input: { calleeNumber: "13900000023" } });
    await ok(CT_LN, REFUSE, { input: { calleeNumber: "13900000024", callerOrgCode: "CC-B" } });
    const read = async (as: As) => {
      const seen: [string, string | null][] = [];
      let after: string | null = null;
      let totalCount = 0;
      for (;;) {
        const { marketingRefusals: page } = await ok(as, REFUSALS, { after, first: 2 });
        totalCount = page.totalCount;
        for (const { node } of page.edges) seen.push([node.calleeNumber, node.callerOrg?.code ?? null]);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen.length).toBe(totalCount);
      return seen;
    };
    const everyone = (await app.dataSource.query(`SELECT callee_number AS n FROM marketing_refusals WHERE caller_org_id IS NULL ORDER BY seq`)).map(
      (r: { n: string }) => [r.n, null],
    );
    expect(everyone).toContainEqual(["13900000023", null]);

    const ccA = await read(CC_A);
    expect(ccA).toEqual(expect.arrayContaining([["13900000021", "CC-A"], ...everyone]));
    expect(ccA.every(([, code]) => code === null || code === "CC-A")).toBe(true);
    const ccB = await read(CC_B);
    expect(ccB).toEqual(expect.arrayContaining([["13900000022", "CC-B"], ...everyone]));
    expect(ccB.every(([, code]) => code === null || code === "CC-B")).toBe(true);

    // CT-LN rents trunks to CC-A and recorded a refusal of CC-B's calls just now; CM rents one to CC-B.
    const ctLn = await read(CT_LN);
    expect(ctLn).toEqual(expect.arrayContaining([["13900000021", "CC-A"], ["13900000024", "CC-B"], ...everyone]));
    expect(ctLn).not.toContainEqual(["13900000022", "CC-B"]);
    const cm = await read(CM);
    expect(cm).toEqual(expect.arrayContaining([["13900000022", "CC-B"], ["13900000024", "CC-B"], ...everyone]));
    expect(cm.some(([, code]) => code === "CC-A")).toBe(false);

    for (const as of [RS_A, PSB_LN, MIIT, ADMIN, null]) expect(codes(await app.exec(as, REFUSALS, {}))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(CC_A, REFUSALS, { after: "not-a-cursor" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("the do-not-originate list", () => {
  const readAll = async (as: As, first: number) => {
    const nodes: { number: string; reason: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { doNotOriginate } = await ok(as, DNO, { after, first });
      pages += 1;
      nodes.push(...doNotOriginate.edges.map((e: any) => e.node));
      if (!doNotOriginate.pageInfo.hasNextPage) return { nodes, pages, total: doNotOriginate.totalCount as number };
      after = doNotOriginate.pageInfo.endCursor;
    }
  };

  it("has every 400 number and every stopped number, each once, in number order; it resumes from a cursor", async () => {
    await ok(CT_LN, REVOKE, { id: subscriberIds.LR, reason: "forged business licence" });
    await ok(PSB_LN, ISSUE, {
      input: { numbers: [STOPPED_DNO], caseNumber: "LN-2026-0902", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "" },
    });
    const numbers: { number: string; status: string }[] = await app.dataSource.query(`SELECT number, status FROM numbers ORDER BY number`);
    const revoked: { landline: string }[] = await app.dataSource.query(`SELECT DISTINCT landline FROM subscribers WHERE identity_status = 'REVOKED' ORDER BY landline`);
    const expected = [
      ...revoked.map((r) => ({ number: r.landline, reason: "STOPPED" })),
      ...numbers.map((n) => ({ number: n.number, reason: n.status === "FORCE_STOPPED" ? "STOPPED" : "FOUR_HUNDRED" })),
    ];
    expect(expected).toContainEqual({ number: LR, reason: "STOPPED" });
    expect(expected).toContainEqual({ number: STOPPED_DNO, reason: "STOPPED" });
    expect(expected.length).toBeGreaterThanOrEqual(111);

    const { nodes, pages, total } = await readAll(CC_A, 25);
    expect(nodes).toEqual(expected);
    expect(new Set(nodes.map((n) => n.number)).size).toBe(nodes.length);
    expect(pages).toBe(Math.ceil(expected.length / 25));
    expect(total).toBe(expected.length);
    expect((await readAll(MIIT, 5000)).nodes).toEqual(expected);

    // Resuming from the cursor of the 30th entry gives the rest exactly.
    const { doNotOriginate: firstPage } = await ok(CT_LN, DNO, { first: 30 });
    const { doNotOriginate: rest } = await ok(CT_LN, DNO, { after: firstPage.pageInfo.endCursor, first: 5000 });
    expect(rest.edges.map((e: any) => e.node)).toEqual(expected.slice(30));
    expect(rest.pageInfo).toEqual({ hasNextPage: false, endCursor: rest.edges.at(-1).cursor });

    expect(codes(await app.exec(CT_LN, DNO, { first: 5001 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, DNO, { first: 0 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, DNO, { after: "4001000000" }))).toEqual(["BAD_USER_INPUT"]);
    for (const as of [RS_A, PSB_LN, ADMIN, null]) expect(codes(await app.exec(as, DNO, { first: 1 }))).toEqual(["FORBIDDEN"]);
  });
});

describe("npm run export:dno", () => {
  let url: string;
  let dir: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
    dir = mkdtempSync(path.join(tmpdir(), "dno-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => app.server.httpServer.close(resolve));
  });

  it("writes the whole list as number,reason lines under a header, page by page", async () => {
    const out = path.join(dir, "dno.csv");
    const progress: [number, number][] = [];
    const summary = await exportDno({ url, token: await app.token("CC-A", Role.CALL_CENTER), out, page: 40, onProgress: (w, t) => progress.push([w, t]) });
    const { doNotOriginate } = await ok(MIIT, DNO, { first: 5000 });
    const expected = doNotOriginate.edges.map((e: any) => `${e.node.number},${e.node.reason}`);
    expect(readFileSync(out, "utf8")).toBe(["number,reason", ...expected, ""].join("\n"));
    expect(summary.total).toBe(expected.length);
    expect(summary.pages).toBe(Math.ceil(expected.length / 40));
    expect(summary.byReason.STOPPED + summary.byReason.FOUR_HUNDRED).toBe(expected.length);
    expect(progress.at(-1)).toEqual([expected.length, expected.length]);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("a failure part-way leaves no half-written file, and an earlier export as it was", async () => {
    const out = path.join(dir, "failing.csv");
    writeFileSync(out, "number,reason\n4001000000,FOUR_HUNDRED\n");
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 2) throw new Error("connection reset");
      return fetch(input, init);
    };
    await expect(exportDno({ url, token: await app.token("CT-LN", Role.CARRIER), out, page: 10, fetch: flaky })).rejects.toThrow(/page 2: could not reach .*connection reset/);
    expect(readFileSync(out, "utf8")).toBe("number,reason\n4001000000,FOUR_HUNDRED\n");
    expect(existsSync(`${out}.partial`)).toBe(false);
    await expect(exportDno({ url, token: await app.token("RS-A", Role.RESELLER), out: path.join(dir, "refused.csv") })).rejects.toThrow(/page 1 failed: FORBIDDEN/);
    expect(existsSync(path.join(dir, "refused.csv"))).toBe(false);
  });
});

describe("every mutation is FORBIDDEN to roles without its permission, and audited as refused", () => {
  const CASES: [string, string, Record<string, unknown>, As[]][] = [
    ["registerTrunkLine", REGISTER_TRUNK, { input: { callCenterCode: "CC-A", capacity: 1, purpose: "MARKETING", callerNumbers: [L1] } }, [CC_A, RS_A, PSB_LN, MIIT, ADMIN, null]],
    ["approveTrunkLine", APPROVE_TRUNK, { id: "00000000-0000-0000-0000-000000000000", d: "SALES" }, [CC_A, RS_A, PSB_LN, MIIT, ADMIN, null]],
    ["recordInspection", INSPECT, { id: "00000000-0000-0000-0000-000000000000", input: { date: "2025-01-01", passed: true, findings: "ok" } }, [CC_A, RS_A, PSB_LN, MIIT, ADMIN, null]],
    ["suspendTrunkLine", SUSPEND, { id: "00000000-0000-0000-0000-000000000000", reason: "because" }, [CC_A, RS_A, PSB_LN, ADMIN, null]],
    ["reinstateTrunkLine", REINSTATE, { id: "00000000-0000-0000-0000-000000000000", reason: "because" }, [CC_A, RS_A, PSB_LN, ADMIN, null]],
    ["recordMarketingRefusal", REFUSE, { input: { calleeNumber: PERSON } }, [RS_A, PSB_LN, MIIT, ADMIN, null]],
  ];
  it.each(CASES)("%s", async (operation, query, variables, refused) => {
    for (const as of refused) {
      const [before, trunksBefore, refusalsBefore] = [await auditCount(app.dataSource), await count("trunk_lines"), await count("marketing_refusals")];
      expect(codes(await app.exec(as, query, variables))).toEqual(["FORBIDDEN"]);
      expect(await auditCount(app.dataSource)).toBe(before + 1);
      const [event] = await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1");
      expect(event).toEqual({ operation, outcome: "FORBIDDEN" });
      expect([await count("trunk_lines"), await count("marketing_refusals")]).toEqual([trunksBefore, refusalsBefore]);
    }
  });

  it("trunkLines is FORBIDDEN to roles without TRUNK_READ", async () => {
    for (const as of [RS_A, ADMIN, null]) expect(codes(await app.exec(as, TRUNKS, {}))).toEqual(["FORBIDDEN"]);
    // The police read trunk lines by the one trunk policy (DESIGN.md, "Who sees what"): a provincial bureau its province's.
    const police = await app.exec(PSB_LN, TRUNKS, { first: 100 });
    expect(police.errors).toBeUndefined();
    const provinces = await app.dataSource.query(`SELECT count(*)::int AS n FROM trunk_lines WHERE province = '21'`);
    expect(police.data!.trunkLines.edges.length).toBe(provinces[0].n);
    expect(police.data!.trunkLines.edges.length).toBeGreaterThan(0);
    expect(police.data!.trunkLines.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(trunks.mobile);
  });
});

import { createHash } from "node:crypto";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

// Issue 15: a blacklisted call centre's trunks, refusals binding MARKETING trunks only, reinstatement, regulators' suspensions.

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const CC_A = { org: "CC-A", role: Role.CALL_CENTER } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;

const REGISTER_TRUNK = `mutation($input: RegisterTrunkLineInput!) { registerTrunkLine(input: $input) { id status } }`;
const APPROVE_TRUNK = `mutation($id: ID!, $d: String!) { approveTrunkLine(trunkId: $id, department: $d) { id status approvalRound approvals { department approvedBy } } }`;
const SUSPEND = `mutation($id: ID!, $reason: String!) { suspendTrunkLine(trunkId: $id, reason: $reason) { id status suspensionReason } }`;
const REINSTATE = `mutation($id: ID!, $reason: String!) { reinstateTrunkLine(trunkId: $id, reason: $reason) {
  id status approvalRound approvals { department } reinstatedAt reinstatementReason suspensionReason activatedAt } }`;
const TRUNKS = `query($filter: TrunkLineFilter) { trunkLines(filter: $filter, first: 100) { totalCount edges { node { id } } } }`;
const VERIFY = `query($checks: [CallerCheckInput!]!) { verifyCallers(checks: $checks) { decision reason } }`;
const REFUSE = `mutation($input: RecordMarketingRefusalInput!) { recordMarketingRefusal(input: $input) { id } }`;
const PENALTY = `mutation($input: RecordPenaltyInput!) { recordPenalty(input: $input) { id blacklisted } }`;

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (body17: string) => body17 + residentIdCheckCharacter(body17);

const COMPANY_A = { name: "Shenyang Clean Calls Co., Ltd.", uscc: uscc("91210102MA0BL0A1X"), rep: residentId("21010219800101201") };
const COMPANY_C = { name: "Shenyang Spoofing Co., Ltd.", uscc: uscc("91210102MA0BL0C3X"), rep: residentId("21010219800101202") };
const COMPANY_P = { name: "Shenyang Frontman Co., Ltd.", uscc: uscc("91210102MA0BL0P5X"), rep: residentId("21010219800101203") };

const LA = "02488887701";
const LC = "02488887702";
const LP = "02488887703";
const PERSON = "13900000100";
const REFUSED_ALL = "13900000101";
const REFUSED_A = "13900000102";

let app: TestApp;
let sequence = 0;
const trunks: Record<string, string> = {};

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

async function user(org: string, sub: string): Promise<As> {
  return { token: await signToken(app.config.jwtSecret, { sub, org, role: Role.CARRIER }, 3600) };
}

/** A VERIFIED subscriber of `company` with fixed line `landline`, registered by RS-A and approved by CT-LN. */
async function subscriber(company: typeof COMPANY_A, landline: string) {
  sequence += 1;
  const { registerSubscriber: s } = await ok(RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: company.name, uscc: company.uscc, legalRep: { name: "Zhao Yi", idNumber: company.rep },
      handler: { name: "Qian Er", idNumber: residentId(`21010219900215${String(sequence).padStart(3, "0")}`) },
      landline, address: "1 Example Road, Shenyang", businessScope: "Call-centre services", declaredUse: "Outbound calls",
    },
  });
  for (const kind of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"]) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: {
        kind, sha256: createHash("sha256").update(`bl/${sequence}/${kind}`).digest("hex"), mediaType: "application/pdf", sizeBytes: 1000,
        storageUri: `s3://evidence/bl/${sequence}/${kind}`, expiresOn: "2099-12-31",
      },
    });
  }
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: String(4001000020 + sequence), id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
}

async function approveAll(carrier: string, id: string, round = 1) {
  let status = "";
  for (const d of ["SALES", "SECURITY", "LEGAL"]) {
    status = (await ok(await user(carrier, `${carrier}-${d.toLowerCase()}-${round}`), APPROVE_TRUNK, { id, d })).approveTrunkLine.status;
  }
  return status;
}

async function activeTrunk(carrier: string, input: Record<string, unknown>): Promise<string> {
  const { registerTrunkLine } = await ok({ org: carrier, role: Role.CARRIER }, REGISTER_TRUNK, { input });
  expect(await approveAll(carrier, registerTrunkLine.id)).toBe("ACTIVE");
  return registerTrunkLine.id;
}

const check = (trunkId: string, callerNumber: string, calleeNumber = PERSON) => ({ trunkId, callerNumber, calleeNumber });

async function verify(checks: ReturnType<typeof check>[], as: As = CT_LN) {
  return ((await ok(as, VERIFY, { checks })).verifyCallers as { decision: string; reason: string | null }[]).map((r) => r.reason ?? r.decision);
}

const seen = async (as: As, filter: Record<string, unknown>) =>
  ((await ok(as, TRUNKS, { filter })).trunkLines.edges as { node: { id: string } }[]).map((e) => e.node.id).sort();

function penalty(overrides: Record<string, unknown>) {
  return {
    targetKind: "ORGANIZATION", facts: "Spoofed caller numbers over rented trunks.", legalBasis: "Telecommunications Regulations, Article 57",
    fineCny: 100000, decisionDate: "2025-06-30", publish: true, blacklist: true, ...overrides,
  };
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "CC-A", name: "Clean Calls", kind: "CALL_CENTER", province: "21", uscc: COMPANY_A.uscc },
    { code: "CC-C", name: "Spoofing Calls", kind: "CALL_CENTER", province: "21", uscc: COMPANY_C.uscc },
    { code: "CC-P", name: "Frontman Calls", kind: "CALL_CENTER", province: "21", uscc: COMPANY_P.uscc },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: "REGULATOR", province: "33" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001000000", rangeEnd: "4001000099" }) { created } }`);
  await ok(CT_LN, `mutation($numbers: [String!]!) { wholesaleNumbers(input: { numbers: $numbers, resellerCode: "RS-A" }) { updated } }`, {
    numbers: Array.from({ length: 20 }, (_, i) => String(4001000020 + i)),
  });
  await subscriber(COMPANY_A, LA);
  await subscriber(COMPANY_C, LC);
  await subscriber(COMPANY_P, LP);

  trunks.notification = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 10, purpose: "NOTIFICATION", callerNumbers: [LA] });
  trunks.marketing = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 10, purpose: "MARKETING", callerNumbers: [LA] });
  trunks.service = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 10, purpose: "CUSTOMER_SERVICE", callerNumbers: [LA] });
  trunks.company = await activeTrunk("CT-LN", { callCenterCode: "CC-C", capacity: 10, purpose: "CUSTOMER_SERVICE", callerNumbers: [LC] });
  trunks.person = await activeTrunk("CT-LN", { callCenterCode: "CC-P", capacity: 10, purpose: "NOTIFICATION", callerNumbers: [LP] });
  trunks.companyZj = await activeTrunk("CM", { callCenterCode: "CC-C", capacity: 10, purpose: "MARKETING", province: "33", callerNumbers: [LC] });
  // Registered, never approved: a trunk not in service is TRUNK_NOT_ACTIVE before anything else.
  trunks.pendingC = (await ok(CT_LN, REGISTER_TRUNK, { input: { callCenterCode: "CC-C", capacity: 1, purpose: "MARKETING", callerNumbers: [LC] } })).registerTrunkLine.id;
});
afterAll(() => app.close());

describe("a blacklisted call centre", () => {
  it("its company blacklisted by a regulator's penalty: every ACTIVE trunk it rents is BLOCKed with CALL_CENTER_BLACKLISTED on the next check", async () => {
    expect(await verify([check(trunks.company, LC)])).toEqual(["ALLOW"]);
    expect(await verify([check(trunks.companyZj, LC)], CM)).toEqual(["ALLOW"]);
    await ok(MIIT, PENALTY, { input: penalty({ targetName: COMPANY_C.name, targetUscc: COMPANY_C.uscc }) });

    expect(await verify([
      check(trunks.company, LC),
      check(trunks.company, "4001000001"), // tried before the caller number
      check(trunks.pendingC, LC), // the trunk comes first
      check(trunks.service, LA), // another call centre's trunk of the same carrier
    ])).toEqual(["CALL_CENTER_BLACKLISTED", "CALL_CENTER_BLACKLISTED", "TRUNK_NOT_ACTIVE", "ALLOW"]);
    expect(await verify([check(trunks.companyZj, LC)], CM)).toEqual(["CALL_CENTER_BLACKLISTED"]);
    // The trunk itself is untouched: the block is read live from the blacklist.
    expect((await app.dataSource.query(`SELECT status FROM trunk_lines WHERE id = $1`, [trunks.company]))[0].status).toBe("ACTIVE");
    // Nor does it get an approval or a new trunk.
    const body = await app.exec(await user("CT-LN", "late-sales"), APPROVE_TRUNK, { id: trunks.pendingC, d: "SALES" });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/the call centre's company is blacklisted \(penalty .*\): no trunk/);
  });

  it("its legal representative blacklisted (as a PERSON): its trunks are BLOCKed too, and it gets no new trunk", async () => {
    expect(await verify([check(trunks.person, LP)])).toEqual(["ALLOW"]);
    await ok(MIIT, PENALTY, { input: penalty({ targetKind: "PERSON", targetName: "Zhao Yi", targetIdNumber: COMPANY_P.rep }) });
    expect(await verify([check(trunks.person, LP), check(trunks.notification, LA)])).toEqual(["CALL_CENTER_BLACKLISTED", "ALLOW"]);
    const body = await app.exec(CT_LN, REGISTER_TRUNK, { input: { callCenterCode: "CC-P", capacity: 1, purpose: "NOTIFICATION", callerNumbers: [LP] } });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/the call centre's legal representative is blacklisted/);
  });

  it("trunkLines(filter: { blacklisted: true }): a carrier its subtree's trunks of blacklisted call centres; false: the others", async () => {
    await ok(MIIT, PENALTY, { input: penalty({ targetName: COMPANY_C.name, targetUscc: COMPANY_C.uscc, decisionDate: "2025-07-01" }) });
    expect(await seen(CT_LN, { blacklisted: true })).toEqual([trunks.company, trunks.person, trunks.pendingC].sort());
    expect(await seen(CT_LN, { blacklisted: true, status: "ACTIVE" })).toEqual([trunks.company, trunks.person].sort());
    expect(await seen(CT_LN, { blacklisted: false })).toEqual([trunks.notification, trunks.marketing, trunks.service].sort());
    expect(await seen(CM, { blacklisted: true })).toEqual([trunks.companyZj]);
    expect(await seen(CA_ZJ, { blacklisted: true })).toEqual([trunks.companyZj]);
    expect(await seen(CC_A, { blacklisted: true })).toEqual([]);
    expect((await seen(MIIT, { blacklisted: true })).length).toBe(4);
  });
});

describe("refusals bind MARKETING trunks only", () => {
  it("a NOTIFICATION or CUSTOMER_SERVICE trunk is allowed despite an all-marketing refusal and a refusal of its call centre; a MARKETING trunk is blocked", async () => {
    await ok(CT_LN, REFUSE, { input: { calleeNumber: REFUSED_ALL } });
    await ok(CC_A, REFUSE, { input: { calleeNumber: REFUSED_A, callerOrgCode: "CC-A" } });
    expect(await verify([
      check(trunks.notification, LA, REFUSED_ALL),
      check(trunks.notification, LA, REFUSED_A),
      check(trunks.service, LA, REFUSED_ALL),
      check(trunks.service, LA, REFUSED_A),
      check(trunks.marketing, LA, REFUSED_ALL),
      check(trunks.marketing, LA, REFUSED_A),
      check(trunks.marketing, LA, PERSON),
    ])).toEqual(["ALLOW", "ALLOW", "ALLOW", "ALLOW", "CALLEE_ON_DO_NOT_CALL", "CALLEE_REFUSED_MARKETING", "ALLOW"]);
  });

  it("reason is the CallerCheckReason enum, with exactly the documented values", async () => {
    const { __type } = await ok(CT_LN, `{ __type(name: "CallerCheckReason") { kind enumValues { name } } }`);
    expect(__type.kind).toBe("ENUM");
    expect(__type.enumValues.map((v: { name: string }) => v.name).sort()).toEqual([
      "CALLEE_ON_DO_NOT_CALL", "CALLEE_REFUSED_MARKETING", "CALLER_IS_400", "CALLER_NOT_AUTHORISED", "CALLER_STOPPED", "CALLER_SUSPENDED",
      "CALL_CENTER_BLACKLISTED", "TRUNK_NOT_ACTIVE", "TRUNK_UNKNOWN",
    ]);
  });
});

describe("suspension by regulators, and reinstatement", () => {
  it("a provincial regulator suspends a trunk in its province, not outside it; a national one anywhere", async () => {
    const id = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 2, purpose: "NOTIFICATION", callerNumbers: [LA] });
    expect(codes(await app.exec(CA_ZJ, SUSPEND, { id, reason: "not in Zhejiang" }))).toEqual(["NOT_FOUND"]);
    expect((await ok(CA_LN, SUSPEND, { id, reason: "ordered by the Liaoning administration" })).suspendTrunkLine).toMatchObject({
      status: "SUSPENDED", suspensionReason: "ordered by the Liaoning administration",
    });
    expect(await verify([check(id, LA)])).toEqual(["TRUNK_NOT_ACTIVE"]);
    expect(codes(await app.exec(CA_LN, SUSPEND, { id: trunks.companyZj, reason: "not in Liaoning" }))).toEqual(["NOT_FOUND"]);
    expect((await ok(MIIT, SUSPEND, { id: trunks.companyZj, reason: "national order" })).suspendTrunkLine.status).toBe("SUSPENDED");
    const [event] = await app.dataSource.query(`SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1`);
    expect(event).toMatchObject({ operation: "suspendTrunkLine", outcome: "SUCCESS" });
  });

  it("reinstating a suspended trunk puts it back to PENDING_APPROVAL, needing every department again; earlier approvals stay as history", async () => {
    const id = await activeTrunk("CT-LN", { callCenterCode: "CC-A", capacity: 3, purpose: "MARKETING", callerNumbers: [LA] });
    expect(codes(await app.exec(CT_LN, `mutation($id: ID!) { reinstateTrunkLine(trunkId: $id, reason: "not suspended") { id } }`, { id }))).toEqual(["CONFLICT"]);
    await ok(CT_LN, SUSPEND, { id, reason: "remote outbound calling found" });
    expect(codes(await app.exec(CM, REINSTATE, { id, reason: "not mine" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CA_ZJ, REINSTATE, { id, reason: "not mine" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CT_LN, REINSTATE, { id, reason: "" }))).toEqual(["BAD_USER_INPUT"]);

    const { reinstateTrunkLine: t } = await ok(CT_LN, REINSTATE, { id, reason: "site inspected again, corrected" });
    expect(t).toMatchObject({
      status: "PENDING_APPROVAL", approvalRound: 2, approvals: [], reinstatementReason: "site inspected again, corrected",
      suspensionReason: "remote outbound calling found", activatedAt: null,
    });
    expect(t.reinstatedAt).toBeTruthy();
    expect(await verify([check(id, LA)])).toEqual(["TRUNK_NOT_ACTIVE"]);

    // The same people may approve again, each for one department of this round; two of three keep it pending.
    const sales = (await ok(await user("CT-LN", "CT-LN-sales-1"), APPROVE_TRUNK, { id, d: "SALES" })).approveTrunkLine;
    expect(sales).toMatchObject({ status: "PENDING_APPROVAL", approvalRound: 2, approvals: [{ department: "SALES", approvedBy: "CT-LN-sales-1" }] });
    expect(codes(await app.exec(await user("CT-LN", "CT-LN-sales-1"), APPROVE_TRUNK, { id, d: "LEGAL" }))).toEqual(["CONFLICT"]);
    expect((await ok(await user("CT-LN", "CT-LN-security-1"), APPROVE_TRUNK, { id, d: "SECURITY" })).approveTrunkLine.status).toBe("PENDING_APPROVAL");
    expect((await ok(await user("CT-LN", "CT-LN-legal-1"), APPROVE_TRUNK, { id, d: "LEGAL" })).approveTrunkLine.status).toBe("ACTIVE");
    expect(await verify([check(id, LA)])).toEqual(["ALLOW"]);
    const rounds = await app.dataSource.query(`SELECT round, count(*)::int AS n FROM trunk_approvals WHERE trunk_id = $1 GROUP BY round ORDER BY round`, [id]);
    expect(rounds).toEqual([{ round: 1, n: 3 }, { round: 2, n: 3 }]);

    // A regulator in the province reinstates too.
    await ok(CA_LN, SUSPEND, { id, reason: "second suspension" });
    expect((await ok(CA_LN, REINSTATE, { id, reason: "corrected again" })).reinstateTrunkLine).toMatchObject({ status: "PENDING_APPROVAL", approvalRound: 3 });
  });

  it("a blacklisted call centre's trunk is not reinstated", async () => {
    await ok(CT_LN, SUSPEND, { id: trunks.company, reason: "blacklisted company" });
    const body = await app.exec(CT_LN, REINSTATE, { id: trunks.company, reason: "please" });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/blacklisted/);
    expect((await app.dataSource.query(`SELECT status, round FROM trunk_lines WHERE id = $1`, [trunks.company]))[0]).toEqual({ status: "SUSPENDED", round: 1 });
  });

  it("the database keeps rounds: a new round only with a reinstatement, an approval only for the current round", async () => {
    await expect(app.dataSource.query(`UPDATE trunk_lines SET round = round + 1 WHERE id = $1`, [trunks.service])).rejects.toThrow(/new approval round opens only/);
    await expect(app.dataSource.query(
      `INSERT INTO trunk_approvals (trunk_id, round, department, approved_by, organization_id) SELECT $1, 2, 'SALES', 'x', id FROM organizations WHERE code = 'CT-LN'`,
      [trunks.service],
    )).rejects.toThrow(/current round/);
    await expect(app.dataSource.query(
      `UPDATE trunk_lines SET status = 'PENDING_APPROVAL', activated_at = NULL WHERE id = $1`, [trunks.service],
    )).rejects.toThrow(/illegal trunk line status transition ACTIVE -> PENDING_APPROVAL/);
  });

  it("suspend and reinstate are FORBIDDEN to roles without TRUNK_SUSPEND", async () => {
    for (const as of [CC_A, RS_A, ADMIN, null]) {
      expect(codes(await app.exec(as, SUSPEND, { id: trunks.service, reason: "because" }))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, REINSTATE, { id: trunks.service, reason: "because" }))).toEqual(["FORBIDDEN"]);
    }
  });
});

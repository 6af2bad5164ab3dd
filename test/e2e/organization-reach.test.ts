import { createHash } from "node:crypto";
import { createLoaders } from "../../src/app/services";
import { resolveViewer } from "../../src/app/create-server";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, startTestApp } from "../helpers/app";

/*
 * Every path to an organisation answers as organization(code) does (DESIGN.md, "Who sees what"): the per-request
 * loader behind every nested organisation field, and the nested fields themselves, are null for an organisation the
 * caller could not fetch by code, and never null where the schema promises one.
 */

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const CC_A = { org: "CC-A", role: Role.CALL_CENTER } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (body17: string) => body17 + residentIdCheckCharacter(body17);
const COMPANY_A = { name: "Shenyang Call Services Co., Ltd.", uscc: uscc("91210102MA0CC0A1X"), rep: "21010219800101101" };
const L1 = "02488886601";
const SOLD = "4001000001"; // CT-LN's, wholesaled to RS-A, ACTIVE with COMPANY_A
const STOPPED = "4001000002"; // CT-LN's, named by PSB-LN's order
const STOPPED_GD = "4002000002"; // CM-GD's (Guangdong), named by PSB-LN's order
const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created updated unchanged rejected { number reason } } }`;

let app: TestApp;
let subscriberId: string;
const ids = new Map<string, string>();

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** organization(code) as the caller gets it: its code, or null. */
async function reach(as: As, code: string): Promise<string | null> {
  return (await ok(as, `query($code: String!) { organization(code: $code) { code } }`, { code })).organization?.code ?? null;
}

/** What the request's organisation loader answers for an organisation, as the caller. */
async function loaded(as: { org: string; role: Exclude<Role, Role.PUBLIC> }, code: string): Promise<string | null> {
  const viewer = await resolveViewer(app.server.services, `Bearer ${await app.token(as.org, as.role)}`);
  const org = await createLoaders(app.server.services, viewer).organizationById.load(ids.get(code)!);
  return org?.code ?? null;
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER" },
    { code: "CC-A", name: "Shenyang Call Services", kind: "CALL_CENTER", province: "21", uscc: COMPANY_A.uscc },
    { code: "CC-B", name: "Dalian Outreach", kind: "CALL_CENTER", province: "21" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", province: "21" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  for (const row of await app.dataSource.query(`SELECT id, code FROM organizations`)) ids.set(row.code, row.id);

  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4001000000", rangeEnd: "4001000049" }) { created } }`);
  await ok(CM_GD, `mutation { publishAllocation(input: { rangeStart: "4002000000", rangeEnd: "4002000009" }) { created } }`);
  await ok(CT_LN, `mutation { wholesaleNumbers(input: { numbers: ["${SOLD}", "4001000003"], resellerCode: "RS-A" }) { updated } }`);
  await ok(CM_GD, `mutation { wholesaleNumbers(input: { numbers: ["4002000001"], resellerCode: "RS-B" }) { updated } }`);

  // COMPANY_A, registered by RS-A, holding SOLD; RS-A calls back, CT-LN re-checks and approves.
  const { registerSubscriber: s } = await ok(RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: COMPANY_A.name, uscc: COMPANY_A.uscc, legalRep: { name: "Zhao Yi", idNumber: residentId(COMPANY_A.rep) },
      handler: { name: "Qian Er", idNumber: residentId("21010219900215001") },
      landline: L1, address: "1 Example Road, Shenyang", businessScope: "Call-centre services", declaredUse: "Customer service",
    },
  });
  subscriberId = s.id;
  for (const kind of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"]) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: {
        kind, sha256: createHash("sha256").update(`reach/${kind}`).digest("hex"), mediaType: "application/pdf", sizeBytes: 1000,
        storageUri: `s3://evidence/reach/${kind}`, expiresOn: "2099-12-31",
      },
    });
  }
  await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: SOLD, id: s.id });
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });

  await ok(CT_LN, `mutation($input: RegisterTrunkLineInput!) { registerTrunkLine(input: $input) { id } }`, {
    input: { callCenterCode: "CC-A", capacity: 10, purpose: "CUSTOMER_SERVICE", callerNumbers: [L1] },
  });
  // CT-LN records that a person refused CC-B's marketing calls, though CC-B rents none of its trunks.
  await ok(CT_LN, `mutation { recordMarketingRefusal(input: { calleeNumber: "13900000001", callerOrgCode: "CC-B" }) { id } }`);
  await ok(PSB_LN, `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`, {
    input: {
      numbers: [STOPPED, STOPPED_GD], caseNumber: "LN-2026-0001", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21",
      reason: "TELECOM_FRAUD", note: "reported by victims",
    },
  });
});
afterAll(() => app.close());

const EVERY_ORG = ["PLATFORM", "CT", "CT-LN", "CM", "CM-GD", "RS-A", "RS-B", "CC-A", "CC-B", "PSB-LN", "MIIT", "CA-LN"];

describe("organization(code), organizations and the loader agree, role by role", () => {
  it.each([
    [CT_LN, ["CT", "CT-LN", "RS-A", "CC-A", "CC-B", "PSB-LN"]],
    [CM_GD, ["CM", "CM-GD", "RS-B", "PSB-LN"]],
    [RS_A, ["CT-LN", "RS-A"]],
    [CC_A, ["CT-LN", "CC-A"]],
    [CA_LN, EVERY_ORG],
  ])("as %j: exactly %j", async (as, visible) => {
    for (const code of EVERY_ORG) {
      const expected = visible.includes(code) ? code : null;
      expect([code, await reach(as, code)]).toEqual([code, expected]);
      expect([code, await loaded(as, code)]).toEqual([code, expected]);
    }
    const { organizations } = await ok(as, `{ organizations(first: 100) { totalCount edges { node { code } } } }`);
    expect(organizations.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([...visible].sort());
    expect(organizations.totalCount).toBe(visible.length);
  });
});

describe("nested organisation fields answer as organization(code)", () => {
  it("a carrier: its number's carrier and reseller, its trunk's call centre, the order's issuer, the refusal's call centre", async () => {
    const data = await ok(CT_LN, `query($n: String!, $id: ID!) {
      number(number: $n) { carrier { code parent { code } } reseller { code } }
      trunkLines { edges { node { carrier { code } callCenter { code } } } }
      shutdownOrders { edges { node { issuedBy { code } items { carrier { code } } } } }
      marketingRefusals { edges { node { callerOrg { code } } } }
      subscriber(id: $id) { reseller { code } checks { organization { code } } }
    }`, { n: SOLD, id: subscriberId });
    expect(data.number).toEqual({ carrier: { code: "CT-LN", parent: { code: "CT" } }, reseller: { code: "RS-A" } });
    expect(data.trunkLines.edges).toEqual([{ node: { carrier: { code: "CT-LN" }, callCenter: { code: "CC-A" } } }]);
    expect(data.shutdownOrders.edges).toEqual([{ node: { issuedBy: { code: "PSB-LN" }, items: [{ carrier: { code: "CT-LN" } }] } }]);
    expect(data.marketingRefusals.edges).toEqual([{ node: { callerOrg: { code: "CC-B" } } }]);
    expect(data.subscriber).toEqual({ reseller: { code: "RS-A" }, checks: [{ organization: { code: "RS-A" } }, { organization: { code: "CT-LN" } }] });
    for (const code of ["CT", "CT-LN", "RS-A", "CC-A", "PSB-LN", "CC-B"]) expect(await reach(CT_LN, code)).toBe(code);
  });

  it("another carrier: none of those records, and its own tree's parent", async () => {
    const data = await ok(CM_GD, `query($n: String!) {
      theirs: number(number: $n) { carrier { code } }
      mine: number(number: "4002000001") { carrier { code parent { code } } reseller { code } }
      organization(code: "CM-GD") { parent { code } }
      marketingRefusals { edges { node { callerOrg { code } } } }
    }`, { n: SOLD });
    expect(data.theirs).toBeNull();
    expect(data.mine).toEqual({ carrier: { code: "CM-GD", parent: { code: "CM" } }, reseller: { code: "RS-B" } });
    expect(data.organization).toEqual({ parent: { code: "CM" } });
    expect(data.marketingRefusals.edges).toEqual([]);
    expect(await reach(CM_GD, "CT-LN")).toBeNull();
    expect(await reach(CM_GD, "CC-B")).toBeNull();
  });

  it("a reseller: the carrier that supplies it, but not the group above that carrier", async () => {
    const data = await ok(RS_A, `query($n: String!, $id: ID!) {
      number(number: $n) { carrier { code parent { code } } reseller { code } }
      numberChanges(first: 100) { edges { node { carrier { code } reseller { code } } } }
      subscriber(id: $id) { reseller { code } checks { organization { code } } }
    }`, { n: SOLD, id: subscriberId });
    expect(data.number).toEqual({ carrier: { code: "CT-LN", parent: null }, reseller: { code: "RS-A" } });
    expect(await reach(RS_A, "CT")).toBeNull();
    expect(await reach(RS_A, "CT-LN")).toBe("CT-LN");
    expect(data.numberChanges.edges.length).toBeGreaterThan(0);
    for (const { node } of data.numberChanges.edges) expect(node.carrier).toEqual({ code: "CT-LN" });
    expect(data.subscriber.checks).toEqual([{ organization: { code: "RS-A" } }, { organization: { code: "CT-LN" } }]);
  });

  it("a call centre: its trunk's carrier, but not the group above it", async () => {
    const data = await ok(CC_A, `{ trunkLines { edges { node { carrier { code parent { code } } callCenter { code parent { code } } } } } }`);
    expect(data.trunkLines.edges).toEqual([{ node: { carrier: { code: "CT-LN", parent: null }, callCenter: { code: "CC-A", parent: null } } }]);
    expect(await reach(CC_A, "CT")).toBeNull();
  });
});

describe("a number's province changes only while it is SPARE", () => {
  it("refuses a province change on an ACTIVE number, and allows it on a SPARE one that stays SPARE", async () => {
    expect((await ok(CT_LN, `{ number(number: "${SOLD}") { status province } }`)).number).toEqual({ status: "ACTIVE", province: "21" });
    const { syncNumbers } = await ok(CT_LN, SYNC, {
      input: {
        idempotencyKey: "reach-province",
        numbers: [
          { number: SOLD, status: "ACTIVE", province: "22" },
          { number: "4001000040", status: "SPARE", province: "22" },
          { number: "4001000041", status: "SPARE", province: "21" },
        ],
      },
    });
    expect(syncNumbers).toEqual({
      created: 0, updated: 1, unchanged: 1,
      rejected: [{ number: SOLD, reason: "the province changes only while the number is SPARE (it is ACTIVE)" }],
    });
    expect((await ok(CT_LN, `{ number(number: "${SOLD}") { province } }`)).number.province).toBe("21");
    expect((await ok(CT_LN, `{ number(number: "4001000040") { status province } }`)).number).toEqual({ status: "SPARE", province: "22" });
  });
});

describe("compliance", () => {
  it("a provincial administration's report counts its province only; MIIT's every province", async () => {
    const REPORT = `{ complianceReport(groupBy: [PROVINCE]) { rows { province inService } totals { inService } } }`;
    const national = (await ok(MIIT, REPORT)).complianceReport;
    expect(national.rows).toEqual([{ province: "21", inService: 2 }, { province: "44", inService: 1 }]);
    const liaoning = (await ok(CA_LN, REPORT)).complianceReport;
    expect(liaoning.rows).toEqual([{ province: "21", inService: 2 }]);
    expect(liaoning.totals.inService).toBe(2);
  });
});

import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

const LOOKUP = `query($n: String!) { lookupNumber(number: $n) { number status verified carrierName subscriberName } }`;
const CARRIER = { org: "CU-YN", role: Role.CARRIER } as const;
const RESELLER = { org: "RS-YN", role: Role.RESELLER } as const;

let app: TestApp;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A company of RS-YN with one number in service; verified or not. */
async function company(name: string, body: string, number: string, verify: boolean) {
  const id = (b: string) => b + residentIdCheckCharacter(b);
  const { registerSubscriber: s } = await ok(RESELLER, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name, uscc: body + usccCheckCharacter(body), legalRep: { name: "Yang Guang", idNumber: id(`530102197909090${body.slice(-2)}`) },
      handler: { name: "He Ping", idNumber: id(`530102198909090${body.slice(-2)}`) }, landline: "08712345678", address: "Kunming", businessScope: "Tea", declaredUse: "Orders",
    },
  });
  await ok(RESELLER, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: s.id });
  if (!verify) return;
  for (const [i, kind] of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"].entries()) {
    await ok(RESELLER, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id, input: { kind, sha256: `${body.slice(-2)}${i}`.padStart(64, "b"), mediaType: "application/pdf", sizeBytes: 1, storageUri: `s3://y/${i}` },
    });
  }
  await ok(RESELLER, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(CARRIER, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RESELLER, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  await ok(CARRIER, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CU", name: "China Unicom", kind: "CARRIER" },
    { code: "CU-YN", name: "China Unicom Yunnan Branch", kind: "CARRIER", parentCode: "CU", province: "53" },
    { code: "RS-YN", name: "Yunnan Agent", kind: "RESELLER", province: "53" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
  ]) {
    await ok({ org: "PLATFORM", role: Role.ADMIN }, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CARRIER, `mutation { publishAllocation(input: { rangeStart: "4009000000", rangeEnd: "4009000009" }) { created } }`);
  await ok(CARRIER, `mutation { wholesaleNumbers(input: { numbers: ["4009000001", "4009000002", "4009000003"], resellerCode: "RS-YN" }) { updated } }`);
  await company("Kunming Verified Tea Co., Ltd.", "91530102MA0000T01", "4009000001", true);
  await company("Kunming Unverified Tea Co., Ltd.", "91530102MA0000T02", "4009000002", false);
  await company("Kunming Stopped Tea Co., Ltd.", "91530102MA0000T03", "4009000003", true);
  await ok({ org: "MPS", role: Role.POLICE }, `mutation { issueShutdownOrder(input: { numbers: ["4009000003"], caseNumber: "YN-2026-1", legalBasis: "Article 21", reason: TELECOM_FRAUD }) { id } }`);
});
afterAll(() => app.close());

describe("lookupNumber, for anyone", () => {
  it.each([
    ["a verified number", "400-900-0001", { status: "IN_SERVICE", verified: true, carrierName: "China Unicom", subscriberName: "Kunming Verified Tea Co., Ltd." }],
    // PENDING_VERIFICATION must not be used (API.md, "Public").
    ["a number waiting for verification", "4009000002", { status: "NOT_IN_SERVICE", verified: false, carrierName: "China Unicom", subscriberName: null }],
    ["a stopped number", "400 900 0003", { status: "STOPPED", verified: true, carrierName: "China Unicom", subscriberName: "Kunming Stopped Tea Co., Ltd." }],
    ["a spare number", "4009000009", { status: "NOT_IN_SERVICE", verified: false, carrierName: "China Unicom", subscriberName: null }],
    ["an unknown number", "4008887777", { status: "NOT_IN_SERVICE", verified: false, carrierName: null, subscriberName: null }],
  ])("%s", async (_what, number, expected) => {
    const body = await app.exec(null, LOOKUP, { n: number });
    expect(body.data!.lookupNumber).toEqual({ number: number.replace(/\D/g, ""), ...expected });
  });

  it("has exactly these fields: nothing personal, no reseller, no internal id", async () => {
    const body = await app.exec(null, `{ __type(name: "NumberLookup") { fields { name } } }`);
    expect(body.data!.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(["carrierName", "number", "status", "subscriberName", "verified"]);
    for (const field of ["reseller", "subscriber", "id", "legalRepName", "uscc"]) {
      expect(codes(await app.exec(null, `query { lookupNumber(number: "4009000001") { ${field} } }`))).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("a malformed number is BAD_USER_INPUT naming it", async () => {
    const body = await app.exec(null, LOOKUP, { n: "400-900-00" });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain("400-900-00");
  });
});

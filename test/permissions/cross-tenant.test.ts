// The cross-tenant matrix: two of every party (an "A" side in Liaoning, "21", and a "B" side in Guangdong,
// "44"), and for every role on the A side and every read path, a question after the B side's records. The
// answer may be FORBIDDEN, null or a list without them, never one of their identifiers. The matrix is data:
// a new entity adds identifiers to SECRETS, a new path adds a row to PATHS.
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, GraphQLBody, TestApp, startTestApp } from "../helpers/app";

jest.setTimeout(180_000);

let app: TestApp;
const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (body: string) => body + residentIdCheckCharacter(body);

/** The B side's records, by name; filled in by beforeAll. */
const B: Record<string, string> = {};

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

async function registerAndAssign(reseller: string, name: string, usccBody: string, idBody: string, number: string): Promise<{ id: string; uscc: string }> {
  const as = { org: reseller, role: Role.RESELLER } as const;
  const input = {
    name, uscc: uscc(usccBody),
    legalRep: { name: "Zhang Wei", idNumber: residentId(idBody) }, handler: { name: "Li Na", idNumber: residentId(idBody.replace(/...$/, "777")) },
    landline: "02088886666", address: "1 Example Road", businessScope: "Trading", declaredUse: "Hotline",
  };
  const { registerSubscriber } = await ok(as, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id uscc } }`, { input });
  await ok(as, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: registerSubscriber.id });
  return registerSubscriber;
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CA", name: "Carrier A Liaoning", kind: "CARRIER", province: "21" },
    { code: "CB", name: "Carrier B Guangdong", kind: "CARRIER", province: "44" },
    { code: "RA", name: "Reseller A", kind: "RESELLER", province: "21" },
    { code: "RB", name: "Reseller B", kind: "RESELLER", province: "44" },
    { code: "CCA", name: "Call centre A", kind: "CALL_CENTER", province: "21", uscc: uscc("91210102MA0CCA00X") },
    { code: "CCB", name: "Call centre B", kind: "CALL_CENTER", province: "44", uscc: uscc("91440300MA0CCB00X") },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PA", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
    { code: "PB", name: "Guangdong Public Security", kind: "POLICE", parentCode: "MPS", province: "44" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "GA", name: "Liaoning Communications Administration", kind: "REGULATOR", province: "21" },
    { code: "GB", name: "Guangdong Communications Administration", kind: "REGULATOR", province: "44" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  const CA = { org: "CA", role: Role.CARRIER } as const;
  const CB = { org: "CB", role: Role.CARRIER } as const;
  const WHOLESALE = `mutation($n: [String!]!, $r: String!) { wholesaleNumbers(input: { numbers: $n, resellerCode: $r }) { updated } }`;
  await ok(CA, `mutation { publishAllocation(input: { rangeStart: "4007000000", rangeEnd: "4007000009" }) { created } }`);
  await ok(CB, `mutation { publishAllocation(input: { rangeStart: "4008000000", rangeEnd: "4008000009" }) { created } }`);
  await ok(CA, WHOLESALE, { n: ["4007000000"], r: "RA" });
  await ok(CB, WHOLESALE, { n: ["4008000000"], r: "RB" });
  // CB supplies RA too: supplying a reseller gives no reach over its other customers.
  await ok(CB, WHOLESALE, { n: ["4008000005"], r: "RA" });

  await registerAndAssign("RA", "Shenyang A Trading Co., Ltd.", "91210102MA0000A01", "21010219800101123", "4007000000");
  const sb = await registerAndAssign("RB", "Guangzhou B Trading Co., Ltd.", "91440101MA0000B01", "44010119800101456", "4008000000");
  B.number = "4008000000";
  B.subscriberId = sb.id;
  B.uscc = sb.uscc;

  const trunk = `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, required_departments, registered_by)
                 SELECT c.id, cc.id, 30, 'CUSTOMER_SERVICE', $3, ARRAY['SALES','SECURITY','LEGAL'], 'test'
                   FROM organizations c, organizations cc WHERE c.code = $1 AND cc.code = $2 RETURNING id`;
  await app.dataSource.query(trunk, ["CA", "CCA", "21"]);
  B.trunkId = (await app.dataSource.query(trunk, ["CB", "CCB", "44"]))[0].id;

  const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`;
  const order = (n: string, c: string) => ({ numbers: [n], caseNumber: c, legalBasis: "Anti-Telecom Fraud Law art. 31", reason: "TELECOM_FRAUD", note: "test" });
  await ok({ org: "PA", role: Role.POLICE }, ISSUE, { input: order("4007000001", "LN-2026-1") });
  B.orderId = (await ok({ org: "PB", role: Role.POLICE }, ISSUE, { input: order("4008000001", "GD-2026-1") })).issueShutdownOrder.id;
  B.stoppedNumber = "4008000001";

  await ok(null, `mutation { reportNumber(input: { number: "4008000000", category: FRAUD, description: "fake bank" }) { id } }`);
});
afterAll(() => app.close());

/** The A side: one viewer per role, each of which must reach none of the B side's records. */
const VIEWERS: [string, As][] = [
  ["carrier", { org: "CA", role: Role.CARRIER }],
  ["reseller", { org: "RA", role: Role.RESELLER }],
  ["call centre", { org: "CCA", role: Role.CALL_CENTER }],
  ["provincial police", { org: "PA", role: Role.POLICE }],
  ["provincial regulator", { org: "GA", role: Role.REGULATOR }],
  ["platform", ADMIN],
  ["public", null],
];

/** Every read path, as a query and its variables (from the B side's records). */
const PATHS: [string, string, (b: typeof B) => Record<string, unknown>][] = [
  ["number (root)", `query($n: String!) { number(number: $n) { number status subscriber { id } } }`, (b) => ({ n: b.number })],
  ["stopped number (root)", `query($n: String!) { number(number: $n) { number status } }`, (b) => ({ n: b.stoppedNumber })],
  ["numbers (list)", `{ numbers(first: 500) { totalCount edges { node { number } } } }`, () => ({})],
  ["numbers (filter)", `{ numbers(filter: { prefix: "400800" }, first: 500) { totalCount edges { node { number } } } }`, () => ({})],
  ["numberChanges (feed)", `{ numberChanges(after: "0", first: 500) { totalCount edges { node { number } } } }`, () => ({})],
  ["a visible number's nested subscriber and organisations",
    `{ number(number: "4008000005") { number subscriber { id } carrier { code } reseller { code } } }`, () => ({})],
  ["subscriber (root)", `query($id: ID!) { subscriber(id: $id) { id uscc numbers { number } } }`, (b) => ({ id: b.subscriberId })],
  ["subscribers (list)", `{ subscribers(first: 500) { totalCount edges { node { id uscc } } } }`, () => ({})],
  ["subscribers (filter)", `query($u: String!) { subscribers(filter: { uscc: $u }, first: 500) { totalCount edges { node { id } } } }`, (b) => ({ u: b.uscc })],
  ["holdings",
    `query($u: String!) { holdings(uscc: $u) { subscribers { id } numbers { number } trunkLines { id } resellers { code } } }`, (b) => ({ u: b.uscc })],
  ["trunkLines (list)", `{ trunkLines(first: 500) { totalCount edges { node { id callCenter { code } } } } }`, () => ({})],
  ["shutdownOrders (list)", `{ shutdownOrders(first: 500) { totalCount edges { node { id items { number } } } } }`, () => ({})],
  ["shutdownOrders (filter)", `{ shutdownOrders(filter: { caseNumber: "GD-2026-1" }, first: 500) { edges { node { id } } } }`, () => ({})],
  ["organization (root)", `{ organization(code: "RB") { code } }`, () => ({})],
  ["organization's nested parent", `{ organization(code: "CA") { code parent { code } } }`, () => ({})],
  ["hotNumbers", `{ hotNumbers(first: 50) { number } }`, () => ({})],
  ["auditTrail of a number", `query($t: String!) { auditTrail(target: $t, first: 50) { totalCount edges { node { operation targets } } } }`, (b) => ({ t: b.number })],
  ["auditTrail of a subscriber", `query($t: String!) { auditTrail(target: $t, first: 50) { totalCount edges { node { operation targets } } } }`, (b) => ({ t: b.subscriberId })],
  ["auditTrail of an order", `query($t: String!) { auditTrail(target: $t, first: 50) { totalCount edges { node { operation targets } } } }`, (b) => ({ t: b.orderId })],
  ["auditTrail of a case", `{ auditTrail(target: "GD-2026-1", first: 50) { totalCount edges { node { operation } } } }`, () => ({})],
];

/**
 * The B side's identifiers as they would appear in an answer. Its organisations (RB, CCB, as codes) are secret
 * only from the parties that deal with organisations they are related to: police, regulators and the platform
 * read every organisation, which holds no personal data.
 */
const secrets = (as: As) => {
  const records = [B.number, B.stoppedNumber, B.subscriberId, B.uscc, B.trunkId, B.orderId];
  const readsAllOrganizations = as !== null && "role" in as && [Role.POLICE, Role.REGULATOR, Role.ADMIN].includes(as.role);
  return readsAllOrganizations ? records : [...records, `"code":"RB"`, `"code":"CCB"`];
};

function leaked(body: GraphQLBody, as: As): string[] {
  const text = JSON.stringify(body.data ?? null);
  return secrets(as).filter((secret) => text.includes(secret));
}

describe("no role of the A side reaches a record of the B side, by any path", () => {
  const rows = VIEWERS.flatMap(([who, as]) => PATHS.map(([path, query, vars]) => [who, path, as, query, vars] as const));
  it.each(rows)("%s: %s", async (_who, _path, as, query, vars) => {
    const body = await app.exec(as, query, vars(B));
    for (const error of body.errors ?? []) expect(["FORBIDDEN", "UNAUTHENTICATED"]).toContain(error.extensions.code);
    expect(leaked(body, as)).toEqual([]);
  });
});

describe("the matrix asks real questions", () => {
  // The same paths answered for the B side and the national authorities: each of them does reach the records.
  it.each([
    ["the B carrier", { org: "CB", role: Role.CARRIER }, ["number (root)", "subscriber (root)", "trunkLines (list)", "shutdownOrders (list)", "organization (root)"]],
    ["the B reseller", { org: "RB", role: Role.RESELLER }, ["number (root)", "subscriber (root)", "subscribers (list)"]],
    ["the B provincial police", { org: "PB", role: Role.POLICE }, ["number (root)", "subscriber (root)", "holdings", "shutdownOrders (list)"]],
    ["the B provincial regulator", { org: "GB", role: Role.REGULATOR }, ["number (root)", "subscribers (filter)", "trunkLines (list)", "auditTrail of a number", "hotNumbers"]],
    ["MIIT", { org: "MIIT", role: Role.REGULATOR }, ["number (root)", "subscriber (root)", "holdings", "auditTrail of an order", "subscribers (list)"]],
    ["the ministry of public security", { org: "MPS", role: Role.POLICE }, ["number (root)", "shutdownOrders (list)", "holdings"]],
  ] as [string, As, string[]][])("%s", async (_who, as, paths) => {
    for (const name of paths) {
      const [, query, vars] = PATHS.find(([path]) => path === name)!;
      const body = await app.exec(as, query, vars(B));
      expect({ name, errors: body.errors }).toEqual({ name, errors: undefined });
      expect({ name, leaked: leaked(body, as).length > 0 }).toEqual({ name, leaked: true });
    }
  });
});

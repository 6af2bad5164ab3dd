import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

/**
 * Investigations as records (DESIGN.md, "Who sees what"): a police bureau opens, lists and closes
 * its cases; only an open case of the caller's bureau or the bureau above it unmasks a resident ID
 * number or lets the police search holdings by one; every search of holdings is audited without
 * the ID number, and searches by ID number are rate-limited per organisation across server instances.
 */

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const PSB_SY = { org: "PSB-SY", role: Role.POLICE } as const;
const PSB_ZJ = { org: "PSB-ZJ", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;

const LIMIT = 4;

const OPEN = `mutation($input: OpenCaseInput!) { openCase(input: $input) { caseNumber title legalBasis status openedAt closedAt } }`;
const CLOSE = `mutation($n: String!) { closeCase(caseNumber: $n) { caseNumber status openedAt closedAt } }`;
const CASES = `query($first: Int, $after: String) { cases(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { caseNumber status } } } }`;
const SUBSCRIBER = `query($id: ID!, $case: String) { subscriber(id: $id) { legalRepIdNumber(caseNumber: $case) handlerIdNumber(caseNumber: $case) } }`;
const HOLDINGS = `query($uscc: String, $id: String, $case: String, $purpose: String) {
  holdings(uscc: $uscc, legalRepIdNumber: $id, caseNumber: $case, purpose: $purpose) {
    subscribers { id } numbers { number } resellers { code } trunkLines { province callCenter { code } } } }`;

const residentId = (body: string) => body + residentIdCheckCharacter(body);
const LEGAL_REP_ID = residentId("21010219750615123");
const HANDLER_ID = residentId("21010419880303456");
const OTHER_ID = residentId("33010619900101789");
const USCC = (() => {
  const body = "91210102MA0000013";
  return body + usccCheckCharacter(body);
})();
const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`;
const BASIS = "Anti-Telecom and Online Fraud Law, Article 21";

let app: TestApp;
let other: TestApp;
let subscriberId: string;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}, on: TestApp = app) {
  const body = await on.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const openCase = (as: As, caseNumber: string, title = "Fraud ring calling about delayed flights") =>
  app.exec(as, OPEN, { input: { caseNumber, title, legalBasis: BASIS } });

type AuditRow = { seq: string; actor: string; org_code: string; role: string; operation: string; targets: string[]; input_digest: string; outcome: string };
const eventsAfter = async (seq: string, operation: string): Promise<AuditRow[]> =>
  app.dataSource.query(`SELECT * FROM audit_events WHERE seq > $1 AND operation = $2 ORDER BY seq`, [seq, operation]);
const lastSeq = async (): Promise<string> => String((await app.dataSource.query(`SELECT coalesce(max(seq), 0) AS seq FROM audit_events`))[0].seq);

beforeAll(async () => {
  app = await startTestApp({ env: { HOLDINGS_ID_SEARCH_LIMIT: String(LIMIT) } });
  // A second server instance on the same database: the limit holds across both.
  other = await app.withServer({ HOLDINGS_ID_SEARCH_LIMIT: String(LIMIT) });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-ZJ", name: "China Telecom Zhejiang", kind: "CARRIER", parentCode: "CT", province: "33" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "PSB-LN", name: "Liaoning Public Security", kind: "POLICE", parentCode: "MPS", province: "21" },
    { code: "PSB-SY", name: "Shenyang Public Security", kind: "POLICE", parentCode: "PSB-LN", province: "21" },
    { code: "PSB-DL", name: "Dalian Public Security", kind: "POLICE", parentCode: "PSB-LN", province: "21" },
    { code: "PSB-AS", name: "Anshan Public Security", kind: "POLICE", parentCode: "PSB-LN", province: "21" },
    { code: "PSB-ZJ", name: "Zhejiang Public Security", kind: "POLICE", parentCode: "MPS", province: "33" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CC-EX", name: "Example Call Centre", kind: "CALL_CENTER", province: "21", uscc: USCC },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  // One number in Liaoning, one in Zhejiang, both sold through RS-A to one company.
  await ok({ org: "CT-LN", role: Role.CARRIER }, `mutation { publishAllocation(input: { rangeStart: "4005000000", rangeEnd: "4005000009" }) { created } }`);
  await ok({ org: "CT-ZJ", role: Role.CARRIER }, `mutation { publishAllocation(input: { rangeStart: "4006000000", rangeEnd: "4006000009" }) { created } }`);
  await ok({ org: "CT-LN", role: Role.CARRIER }, `mutation { wholesaleNumbers(input: { numbers: ["4005000000"], resellerCode: "RS-A" }) { updated } }`);
  await ok({ org: "CT-ZJ", role: Role.CARRIER }, `mutation { wholesaleNumbers(input: { numbers: ["4006000000"], resellerCode: "RS-A" }) { updated } }`);
  const { registerSubscriber } = await ok(RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: "Example Travel Services Co., Ltd.", uscc: USCC,
      legalRep: { name: "Wang Fang", idNumber: LEGAL_REP_ID }, handler: { name: "Zhao Lei", idNumber: HANDLER_ID },
      landline: "02488887777", address: "2 Example Street, Shenyang", businessScope: "Ticketing", declaredUse: "Hotline",
    },
  });
  subscriberId = registerSubscriber.id;
  for (const n of ["4005000000", "4006000000"]) {
    await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n, id: subscriberId });
  }
  // The company's call centre rents a trunk in each province (trunks have their own tests).
  await app.dataSource.query(
    `INSERT INTO trunk_lines (carrier_id, call_center_id, capacity, purpose, province, required_departments, registered_by)
     SELECT c.id, cc.id, 30, 'CUSTOMER_SERVICE', c.province, '{SALES}', 'test'
       FROM organizations c, organizations cc WHERE c.code IN ('CT-LN', 'CT-ZJ') AND cc.code = 'CC-EX'`,
  );
});
afterAll(async () => {
  await other?.close();
  await app?.close();
});

describe("cases", () => {
  it("a bureau opens a case, lists it and closes it once; every step is audited", async () => {
    const before = await lastSeq();
    const { openCase: opened } = await ok(PSB_LN, OPEN, { input: { caseNumber: "  LN-2026-0001 ", title: " Fake refunds ", legalBasis: ` ${BASIS} ` } });
    expect(opened).toMatchObject({ caseNumber: "LN-2026-0001", title: "Fake refunds", legalBasis: BASIS, status: "OPEN", closedAt: null });
    expect(Date.parse(opened.openedAt)).toBeGreaterThan(Date.now() - 60_000);

    const listed = await ok(PSB_LN, CASES);
    expect(listed.cases.edges.map((e: any) => e.node)).toContainEqual({ caseNumber: "LN-2026-0001", status: "OPEN" });

    const { closeCase: closed } = await ok(PSB_LN, CLOSE, { n: "LN-2026-0001" });
    expect(closed).toMatchObject({ caseNumber: "LN-2026-0001", status: "CLOSED", openedAt: opened.openedAt });
    expect(Date.parse(closed.closedAt)).toBeGreaterThanOrEqual(Date.parse(opened.openedAt));

    const again = await app.exec(PSB_LN, CLOSE, { n: "LN-2026-0001" });
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(PSB_LN, CLOSE, { n: "LN-2026-9999" }))).toEqual(["NOT_FOUND"]);

    const events = await app.dataSource.query(
      `SELECT operation, org_code, targets, outcome FROM audit_events WHERE seq > $1 AND operation IN ('openCase', 'closeCase') ORDER BY seq`,
      [before],
    );
    expect(events.map((e: any) => [e.operation, e.org_code, e.targets[0], e.outcome])).toEqual([
      ["openCase", "PSB-LN", "LN-2026-0001", "SUCCESS"],
      ["closeCase", "PSB-LN", "LN-2026-0001", "SUCCESS"],
      ["closeCase", "PSB-LN", "LN-2026-0001", "CONFLICT"],
      ["closeCase", "PSB-LN", "LN-2026-9999", "NOT_FOUND"],
    ]);
  });

  it("a case number is unique within its bureau, open or closed; another bureau may use the same", async () => {
    expect((await openCase(PSB_LN, "LN-2026-0002")).errors).toBeUndefined();
    expect(codes(await openCase(PSB_LN, "LN-2026-0002"))).toEqual(["CONFLICT"]);
    expect(codes(await openCase(PSB_LN, "LN-2026-0001"))).toEqual(["CONFLICT"]); // closed above, never reopened
    expect((await openCase(PSB_ZJ, "LN-2026-0002")).errors).toBeUndefined();
  });

  it("inputs are checked: a case number of letters, digits and separators, a title and a legal basis of bounded length", async () => {
    expect((await openCase(PSB_SY, "沈公（刑）立字〔2026〕123号")).errors).toBeUndefined();
    for (const input of [
      { caseNumber: "<script>", title: "t", legalBasis: BASIS },
      { caseNumber: "AB", title: "t", legalBasis: BASIS },
      { caseNumber: "X".repeat(65), title: "t", legalBasis: BASIS },
      { caseNumber: "SY-2026-0100", title: "   ", legalBasis: BASIS },
      { caseNumber: "SY-2026-0100", title: "t".repeat(201), legalBasis: BASIS },
      { caseNumber: "SY-2026-0100", title: "t", legalBasis: " a " },
      { caseNumber: "SY-2026-0100", title: "t", legalBasis: "b".repeat(501) },
      // Two characters written as four UTF-16 units (found by the fuzz suite: it passed, then the table's CHECK refused it).
      { caseNumber: "SY-2026-0100", title: "t", legalBasis: "😀😀" },
      { caseNumber: "SY-2026-0100", title: "😀".repeat(201), legalBasis: BASIS },
    ]) {
      expect(codes(await app.exec(PSB_SY, OPEN, { input }))).toEqual(["BAD_USER_INPUT"]);
    }
    // Counted as characters, an emoji is one: 200 of them are a title of 200.
    expect((await app.exec(PSB_SY, OPEN, { input: { caseNumber: "SY-2026-0101", title: "😀".repeat(200), legalBasis: "😀😀😀" } })).errors).toBeUndefined();
    expect(codes(await app.exec(PSB_SY, CLOSE, { n: "<script>" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("a bureau sees its own cases and those of the bureaus below it, and closes only its own", async () => {
    expect((await openCase(MPS, "MPS-2026-0001")).errors).toBeUndefined();
    expect((await openCase(PSB_SY, "SY-2026-0001")).errors).toBeUndefined();
    const numbers = async (as: As) => (await ok(as, CASES, { first: 500 })).cases.edges.map((e: any) => e.node.caseNumber).sort();
    const ofMps = await numbers(MPS);
    expect(ofMps).toEqual(expect.arrayContaining(["MPS-2026-0001", "LN-2026-0001", "SY-2026-0001", "LN-2026-0002"]));
    expect(ofMps.filter((n: string) => n === "LN-2026-0002")).toHaveLength(2); // Liaoning's and Zhejiang's
    const ofLn = await numbers(PSB_LN);
    expect(ofLn).toEqual(expect.arrayContaining(["LN-2026-0001", "LN-2026-0002", "SY-2026-0001"]));
    expect(ofLn).not.toContain("MPS-2026-0001");
    expect(ofLn.filter((n: string) => n === "LN-2026-0002")).toHaveLength(1);
    expect(await numbers(PSB_SY)).not.toContain("LN-2026-0001");
    expect(await numbers(PSB_ZJ)).toEqual(["LN-2026-0002"]);

    // Closing is the bureau's own: not the one above it, not another.
    expect(codes(await app.exec(MPS, CLOSE, { n: "SY-2026-0001" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(PSB_ZJ, CLOSE, { n: "SY-2026-0001" }))).toEqual(["NOT_FOUND"]);
    expect((await ok(PSB_SY, CASES, { first: 500 })).cases.edges.map((e: any) => e.node)).toContainEqual({ caseNumber: "SY-2026-0001", status: "OPEN" });
  });

  it("pages newest first", async () => {
    const first = await ok(PSB_LN, CASES, { first: 1 });
    expect(first.cases.pageInfo.hasNextPage).toBe(true);
    const rest = await ok(PSB_LN, CASES, { first: 500, after: first.cases.pageInfo.endCursor });
    const all = await ok(PSB_LN, CASES, { first: 500 });
    expect([...first.cases.edges, ...rest.cases.edges].map((e: any) => e.node)).toEqual(all.cases.edges.map((e: any) => e.node));
    expect(all.cases.totalCount).toBe(all.cases.edges.length);
    expect(all.cases.edges[0].node.caseNumber).toBe("SY-2026-0001");
  });

  it("only the police keep cases", async () => {
    for (const as of [MIIT, RS_A, { org: "CT-LN", role: Role.CARRIER }, ADMIN, null] as As[]) {
      expect(codes(await openCase(as, "X-2026-0001"))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, CASES, {}))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, CLOSE, { n: "LN-2026-0002" }))).toEqual(["FORBIDDEN"]);
    }
  });

  it("the database keeps a case closed once, with its closing time, and never deletes it", async () => {
    await ok(PSB_SY, OPEN, { input: { caseNumber: "SY-2026-0002", title: "t", legalBasis: BASIS } });
    const where = `case_number = 'SY-2026-0002'`;
    await expect(app.dataSource.query(`UPDATE cases SET status = 'CLOSED' WHERE ${where}`)).rejects.toThrow(/cases_closed_iff_closed/);
    await expect(app.dataSource.query(`UPDATE cases SET title = 'other' WHERE ${where}`)).rejects.toThrow(/keeps its number, title/);
    await ok(PSB_SY, CLOSE, { n: "SY-2026-0002" });
    await expect(app.dataSource.query(`UPDATE cases SET status = 'OPEN', closed_at = NULL, closed_by = NULL WHERE ${where}`)).rejects.toThrow(/never reopened/);
    await expect(app.dataSource.query(`DELETE FROM cases WHERE ${where}`)).rejects.toThrow(/never deleted/);
  });
});

describe("resident ID numbers in full only for an open case", () => {
  beforeAll(async () => {
    for (const [as, caseNumber] of [[MPS, "MPS-2026-0100"], [PSB_LN, "LN-2026-0100"], [PSB_ZJ, "ZJ-2026-0100"], [PSB_LN, "LN-2026-0101"]] as const) {
      expect((await openCase(as, caseNumber)).errors).toBeUndefined();
    }
    await ok(PSB_LN, CLOSE, { n: "LN-2026-0101" });
  });

  /**
   * The refusals of both ID fields after seq. The response may leave before the second is written: the first
   * refused field nulls the subscriber and GraphQL answers without waiting for its sibling, so wait for both.
   */
  const refusalsAfter = async (seq: string): Promise<AuditRow[]> => {
    const query = `SELECT * FROM audit_events WHERE seq > $1 AND operation LIKE 'read:Subscriber.%' ORDER BY operation`;
    for (let waited = 0; ; waited += 20) {
      const rows: AuditRow[] = await app.dataSource.query(query, [seq]);
      if (rows.length >= 2 || waited > 5000) return rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const full = [LEGAL_REP_ID, HANDLER_ID];
  const hidden = [masked(LEGAL_REP_ID), masked(HANDLER_ID)];
  const read = async (as: As, caseNumber: string | null) => app.exec(as, SUBSCRIBER, { id: subscriberId, case: caseNumber });

  it.each([
    ["the ministry, its own case", MPS, "MPS-2026-0100"],
    ["a provincial bureau, its own case", PSB_LN, "LN-2026-0100"],
    ["a provincial bureau, the ministry's case (its parent's)", PSB_LN, "MPS-2026-0100"],
    ["a city bureau, its province's case (its parent's)", PSB_SY, "LN-2026-0100"],
    ["a case number given with spaces around it", PSB_LN, "  LN-2026-0100 "],
  ] as [string, As, string][])("%s: in full, audited with the case", async (_who, as, caseNumber) => {
    const before = await lastSeq();
    const body = await read(as, caseNumber);
    expect(body.errors).toBeUndefined();
    expect([body.data!.subscriber.legalRepIdNumber, body.data!.subscriber.handlerIdNumber]).toEqual(full);
    const events = [...(await eventsAfter(before, "read:Subscriber.legalRepIdNumber")), ...(await eventsAfter(before, "read:Subscriber.handlerIdNumber"))];
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e).toMatchObject({ org_code: (as as { org: string }).org, role: "POLICE", targets: [subscriberId, caseNumber.trim()], outcome: "SUCCESS" });
    }
  });

  it.each([
    ["a closed case of its own", PSB_LN, "LN-2026-0101"],
    ["another province's bureau's case", PSB_LN, "ZJ-2026-0100"],
    ["a case of a bureau below it", MPS, "LN-2026-0100"],
    ["its grandparent's case (only the bureau directly above counts)", PSB_SY, "MPS-2026-0100"],
    ["a made-up case", MPS, "MPS-2026-9999"],
  ] as [string, As, string][])("%s: FORBIDDEN, the refusal audited", async (_who, as, caseNumber) => {
    const before = await lastSeq();
    const body = await read(as, caseNumber);
    // The first refused ID field nulls the subscriber; the other may or may not be reported beside it.
    expect([...new Set(codes(body))]).toEqual(["FORBIDDEN"]);
    expect(body.data!.subscriber).toBeNull();
    expect(body.errors![0].message).toContain(caseNumber);
    expect(body.errors![0].extensions.reason).toBe("NO_OPEN_CASE");
    const events = await refusalsAfter(before);
    expect(events.map((e) => [e.operation, e.targets, e.outcome])).toEqual([
      ["read:Subscriber.handlerIdNumber", [subscriberId, caseNumber], "FORBIDDEN"],
      ["read:Subscriber.legalRepIdNumber", [subscriberId, caseNumber], "FORBIDDEN"],
    ]);
  });

  it("a case closed after use unmasks nothing from then on", async () => {
    expect((await openCase(PSB_SY, "SY-2026-0200")).errors).toBeUndefined();
    expect((await read(PSB_SY, "SY-2026-0200")).data!.subscriber.legalRepIdNumber).toBe(LEGAL_REP_ID);
    await ok(PSB_SY, CLOSE, { n: "SY-2026-0200" });
    const before = await lastSeq();
    expect([...new Set(codes(await read(PSB_SY, "SY-2026-0200")))]).toEqual(["FORBIDDEN"]);
    expect((await refusalsAfter(before)).map((e) => e.outcome)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });

  it("no case: masked and not audited; a malformed one: BAD_USER_INPUT; a regulator's case unmasks nothing", async () => {
    const before = await lastSeq();
    expect(Object.values((await ok(MPS, SUBSCRIBER, { id: subscriberId, case: null })).subscriber)).toEqual(hidden);
    expect(Object.values((await ok(MIIT, SUBSCRIBER, { id: subscriberId, case: "MPS-2026-0100" })).subscriber)).toEqual(hidden);
    expect(await app.dataSource.query(`SELECT seq FROM audit_events WHERE seq > $1 AND operation LIKE 'read:%'`, [before])).toEqual([]);
    expect(codes(await read(MPS, "<script>"))).toContain("BAD_USER_INPUT");
  });
});

describe("holdings", () => {
  const numbersOf = (h: any) => h.numbers.map((n: any) => n.number);

  beforeAll(async () => {
    for (const [as, caseNumber] of [[MPS, "MPS-2026-0300"], [PSB_LN, "LN-2026-0300"], [PSB_LN, "LN-2026-0301"]] as const) {
      expect((await openCase(as, caseNumber)).errors).toBeUndefined();
    }
    await ok(PSB_LN, CLOSE, { n: "LN-2026-0301" });
  });

  it("by USCC: everything under the company, nationally for the ministry; audited with the USCC and what was found", async () => {
    const before = await lastSeq();
    const { holdings } = await ok(MPS, HOLDINGS, { uscc: USCC });
    expect(holdings.subscribers).toEqual([{ id: subscriberId }]);
    expect(numbersOf(holdings)).toEqual(["4005000000", "4006000000"]);
    expect(holdings.resellers).toEqual([{ code: "RS-A" }]);
    expect(holdings.trunkLines.map((t: any) => t.province).sort()).toEqual(["21", "33"]);
    const [event, ...more] = await eventsAfter(before, "read:holdings.uscc");
    expect(more).toEqual([]);
    expect(event).toMatchObject({ org_code: "MPS", role: "POLICE", targets: [USCC, subscriberId], outcome: "SUCCESS" });
    expect(event.input_digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a provincial bureau's holdings show its province's numbers and trunks only", async () => {
    const ln = (await ok(PSB_LN, HOLDINGS, { uscc: USCC })).holdings;
    expect(ln.subscribers).toEqual([{ id: subscriberId }]);
    expect(numbersOf(ln)).toEqual(["4005000000"]);
    expect(ln.trunkLines).toEqual([{ province: "21", callCenter: { code: "CC-EX" } }]);
    const zj = (await ok(PSB_ZJ, HOLDINGS, { uscc: USCC })).holdings;
    expect(numbersOf(zj)).toEqual(["4006000000"]);
    expect(zj.trunkLines).toEqual([{ province: "33", callCenter: { code: "CC-EX" } }]);
    // The same person, found by ID under an open case: the same reach.
    const byId = (await ok(PSB_LN, HOLDINGS, { id: LEGAL_REP_ID, case: "LN-2026-0300" })).holdings;
    expect(numbersOf(byId)).toEqual(["4005000000"]);
    expect(byId.trunkLines).toEqual([{ province: "21", callCenter: { code: "CC-EX" } }]);
  });

  it("by resident ID, the police name an open case of their bureau or the one above it; the audit row holds no ID", async () => {
    const before = await lastSeq();
    const { holdings } = await ok(PSB_SY, HOLDINGS, { id: LEGAL_REP_ID, case: "LN-2026-0300" });
    expect(holdings.subscribers).toEqual([{ id: subscriberId }]);
    expect(numbersOf((await ok(MPS, HOLDINGS, { id: OTHER_ID, case: "MPS-2026-0300" })).holdings)).toEqual([]);

    expect(codes(await app.exec(MPS, HOLDINGS, { id: LEGAL_REP_ID }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MPS, HOLDINGS, { id: LEGAL_REP_ID, case: "<x>" }))).toEqual(["BAD_USER_INPUT"]);
    const closed = await app.exec(PSB_LN, HOLDINGS, { id: LEGAL_REP_ID, case: "LN-2026-0301" });
    expect(codes(closed)).toEqual(["FORBIDDEN"]);
    expect(closed.data).toBeNull();
    expect(codes(await app.exec(PSB_ZJ, HOLDINGS, { id: LEGAL_REP_ID, case: "LN-2026-0300" }))).toEqual(["FORBIDDEN"]);

    const events: AuditRow[] = await app.dataSource.query(`SELECT * FROM audit_events WHERE seq > $1 AND operation LIKE 'read:holdings%' ORDER BY seq`, [before]);
    expect(events.map((e) => [e.operation, e.org_code, e.targets, e.outcome])).toEqual([
      ["read:holdings.legalRepIdNumber", "PSB-SY", ["LN-2026-0300", subscriberId], "SUCCESS"],
      ["read:holdings.legalRepIdNumber", "MPS", ["MPS-2026-0300"], "SUCCESS"],
      ["read:holdings.legalRepIdNumber", "PSB-LN", ["LN-2026-0301"], "FORBIDDEN"],
      ["read:holdings.legalRepIdNumber", "PSB-ZJ", ["LN-2026-0300"], "FORBIDDEN"],
    ]);
    // Searches of two people digest differently, and no column holds an ID number or its look-up hash.
    expect(events[0].input_digest).not.toBe(events[1].input_digest);
    const text = JSON.stringify(events);
    const [{ hash }] = await app.dataSource.query(`SELECT legal_rep_id_hash AS hash FROM subscribers WHERE id = $1`, [subscriberId]);
    for (const secret of [LEGAL_REP_ID, OTHER_ID, LEGAL_REP_ID.slice(0, 14), hash]) expect(text).not.toContain(secret);
  });

  it("by resident ID, a regulator states its purpose, which is audited only as part of the digest", async () => {
    const purpose = "Checking a complaint about fake ticket refunds";
    const before = await lastSeq();
    const { holdings } = await ok(MIIT, HOLDINGS, { id: LEGAL_REP_ID, purpose });
    expect(numbersOf(holdings)).toEqual(["4005000000", "4006000000"]);
    expect(codes(await app.exec(MIIT, HOLDINGS, { id: LEGAL_REP_ID }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, HOLDINGS, { id: LEGAL_REP_ID, purpose: "  checking " }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, HOLDINGS, { id: LEGAL_REP_ID, purpose: "p".repeat(501) }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, HOLDINGS, { id: LEGAL_REP_ID, purpose, case: "MPS-2026-0300" }))).toEqual(["BAD_USER_INPUT"]);
    const events = await eventsAfter(before, "read:holdings.legalRepIdNumber");
    expect(events.map((e) => [e.org_code, e.role, e.targets, e.outcome])).toEqual([["MIIT", "REGULATOR", [subscriberId], "SUCCESS"]]);
    expect(JSON.stringify(events)).not.toContain("refunds");
    expect(JSON.stringify(events)).not.toContain(LEGAL_REP_ID);
  });
});

describe("searches by resident ID are rate-limited per organisation, across server instances", () => {
  beforeAll(async () => {
    for (const as of [{ org: "PSB-DL", role: Role.POLICE }, { org: "PSB-AS", role: Role.POLICE }] as const) {
      expect((await openCase(as, `${as.org}-2026-0001`)).errors).toBeUndefined();
    }
  });

  it(`${LIMIT} a minute, then FORBIDDEN (RATE_LIMITED) with nothing answered; searches by USCC and other bureaus go on`, async () => {
    const DL = { org: "PSB-DL", role: Role.POLICE } as const;
    const search = { id: LEGAL_REP_ID, case: "PSB-DL-2026-0001" };
    const before = await lastSeq();
    for (let i = 0; i < LIMIT; i++) await ok(DL, HOLDINGS, search, i % 2 ? other : app);
    for (const server of [app, other]) {
      const refused = await server.exec(DL, HOLDINGS, search);
      expect(codes(refused)).toEqual(["FORBIDDEN"]);
      expect(refused.errors![0].extensions).toMatchObject({ reason: "RATE_LIMITED" });
      expect(refused.errors![0].extensions.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.errors![0].extensions.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(refused.data).toBeNull();
    }
    const events = await eventsAfter(before, "read:holdings.legalRepIdNumber");
    expect(events.map((e) => e.outcome)).toEqual([...Array(LIMIT).fill("SUCCESS"), "FORBIDDEN", "FORBIDDEN"]);
    expect(events.at(-1)!.targets).toEqual(["PSB-DL-2026-0001"]);

    expect((await ok(DL, HOLDINGS, { uscc: USCC })).holdings.subscribers).toEqual([{ id: subscriberId }]);
    expect((await ok(PSB_LN, HOLDINGS, { id: LEGAL_REP_ID, case: "LN-2026-0300" })).holdings.subscribers).toEqual([{ id: subscriberId }]);
  });

  it("concurrent searches on two servers never pass the limit between them", async () => {
    const AS = { org: "PSB-AS", role: Role.POLICE } as const;
    const results = await Promise.all(
      Array.from({ length: 3 * LIMIT }, (_, i) => (i % 2 ? other : app).exec(AS, HOLDINGS, { id: LEGAL_REP_ID, case: "PSB-AS-2026-0001" })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(LIMIT);
    expect(results.filter((r) => r.errors).every((r) => r.errors![0].extensions.reason === "RATE_LIMITED")).toBe(true);
  });
});

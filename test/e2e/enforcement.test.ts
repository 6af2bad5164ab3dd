import http from "node:http";
import { AddressInfo } from "node:net";
import { clientBucket } from "../../src/modules/enforcement/reports.service";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { PiiVault } from "../../src/shared/pii";
import { As, GraphQLBody, TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;
const CC = { org: "CC-1", role: Role.CALL_CENTER } as const;

const REPORT = `mutation($input: ReportNumberInput!) { reportNumber(input: $input) { id number category receivedAt } }`;
const HOT = `query($first: Int) { hotNumbers(first: $first) { number reports carrier { code } reseller { code } } }`;
const SUSPEND = `mutation($n: String!, $r: String!) { suspendNumber(number: $n, reason: $r) { number status suspension carrier { code } } }`;
const PENALTY_FIELDS = `id targetName targetKind targetOrgCode targetUscc facts legalBasis fineCny correctionOrdered decisionDate published publishedAt blacklisted createdAt`;
const RECORD = `mutation($input: RecordPenaltyInput!) { recordPenalty(input: $input) { ${PENALTY_FIELDS} } }`;
const PUBLISH = `mutation($id: ID!) { publishPenalty(penaltyId: $id) { id published publishedAt } }`;
const PENALTIES = `query($first: Int, $after: String) { penalties(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id targetName decisionDate published } } } }`;
const TRAIL = `query($t: String!, $first: Int, $after: String) { auditTrail(target: $t, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { sequence at actor orgCode role operation targets outcome requestId hash } } } }`;
const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id uscc } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { number status } }`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id caseNumber } }`;

const uscc = (body: string) => body + usccCheckCharacter(body);
const residentId = (birth: string, seq: string) => {
  const body = `210102${birth}${seq}`;
  return body + residentIdCheckCharacter(body);
};

/** The same code with a wrong check character. */
const mistyped = (code: string) => code.slice(0, 17) + (code[17] === "0" ? "1" : "0");
const BAD_ID = mistyped(residentId("19700707", "779"));

let app: TestApp;
let sequence = 0;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}, on: TestApp = app) {
  const body = await on.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

function subscriberInput(overrides: Record<string, unknown> = {}) {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  return {
    name: `Dalian Enforcement Example ${n} Co., Ltd.`,
    uscc: uscc(`91210200MA${n}Y`),
    legalRep: { name: "Zhou Qi", idNumber: residentId("19750303", String(300 + sequence).slice(-3)) },
    handler: { name: "Wu Ba", idNumber: residentId("19850404", String(500 + sequence).slice(-3)) },
    landline: "041188886666",
    address: "2 Example Road, Dalian",
    businessScope: "Retail",
    declaredUse: "Customer service hotline",
    ...overrides,
  };
}

const PAPERS = ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"];

/** A subscriber of RS-A with its papers and both landline checks, submitted and approved; `numbers` go ACTIVE. */
async function verifiedSubscriber(numbers: string[], overrides: Record<string, unknown> = {}) {
  const input = subscriberInput(overrides);
  const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input });
  for (const [i, kind] of PAPERS.entries()) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: { kind, sha256: `${sequence}${i}`.padStart(64, "c"), mediaType: "application/pdf", sizeBytes: 1024, storageUri: `s3://evidence/${sequence}/${i}` },
    });
  }
  // The carrier reaches the subscriber (to re-check it) only once it holds one of the carrier's numbers.
  for (const n of numbers) await ok(RS_A, ASSIGN, { n, id: s.id });
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
  await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
  return { id: s.id as string, input };
}

/** A DRAFT subscriber of RS-A holding `numbers` PENDING_VERIFICATION. */
async function draftSubscriber(numbers: string[], overrides: Record<string, unknown> = {}) {
  const input = subscriberInput(overrides);
  const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input });
  for (const n of numbers) await ok(RS_A, ASSIGN, { n, id: s.id });
  return { id: s.id as string, input };
}

function penaltyInput(overrides: Record<string, unknown> = {}) {
  return {
    targetName: "Example Call Centre Co., Ltd.",
    targetKind: "ORGANIZATION",
    facts: "Passed spoofed caller numbers over rented trunks without caller authentication.",
    legalBasis: "Telecommunications Regulations, Article 57",
    fineCny: 500000,
    correctionOrdered: "Authenticate every caller number",
    decisionDate: "2025-06-30",
    publish: true,
    blacklist: false,
    ...overrides,
  };
}

/** A report sent through a trusted proxy on behalf of this client address (the main app trusts loopback proxies). */
async function reportVia(address: string, input: Record<string, unknown>): Promise<GraphQLBody> {
  const res = await app.request.post("/graphql").set("content-type", "application/json").set("x-forwarded-for", address).send({ query: REPORT, variables: { input } });
  return res.body as GraphQLBody;
}

const reportsOf = async (number: string) =>
  (await app.dataSource.query("SELECT count(*)::int AS n FROM number_reports WHERE number = $1", [number]))[0].n as number;

beforeAll(async () => {
  // Most tests report many times from the one address supertest uses: the rate limit has its own app below.
  // Loopback proxies are trusted, so reportVia() speaks for other addresses (one source reports a number once a day).
  app = await startTestApp({ env: { REPORT_LIMIT: "100000", TRUST_PROXY: "loopback" } });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
    { code: "CC-1", name: "A call centre", kind: "CALL_CENTER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4006000000", rangeEnd: "4006000199" }) { created } }`);
  await ok(CM_GD, `mutation { publishAllocation(input: { rangeStart: "4008000000", rangeEnd: "4008000099" }) { created } }`);
  const wholesale = `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`;
  await ok(CT_LN, wholesale, { input: { numbers: Array.from({ length: 100 }, (_, i) => String(4006000000 + i)), resellerCode: "RS-A" } });
  await ok(CM_GD, wholesale, { input: { numbers: Array.from({ length: 10 }, (_, i) => String(4008000000 + i)), resellerCode: "RS-A" } });
});
afterAll(() => app.close());

describe("penalties and the blacklist", () => {
  it("a penalty blacklisting a company stops its next assignNumber and registration, in the same transaction", async () => {
    const company = await verifiedSubscriber(["4006000001"]);
    const { recordPenalty } = await ok(MIIT, RECORD, {
      input: penaltyInput({ targetName: company.input.name, targetUscc: company.input.uscc, targetOrgCode: null, blacklist: true, fineCny: 1000000.5 }),
    });
    expect(recordPenalty).toMatchObject({
      targetKind: "ORGANIZATION", targetUscc: company.input.uscc, targetOrgCode: null, fineCny: 1000000.5,
      decisionDate: "2025-06-30", published: true, blacklisted: true,
    });

    const refused = await app.exec(RS_A, ASSIGN, { n: "4006000002", id: company.id });
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors![0].message).toContain(`the company is blacklisted (penalty ${recordPenalty.id} decided 2025-06-30)`);
    expect((await ok(MIIT, `query { number(number: "4006000002") { status subscriber { id } } }`)).number).toEqual({ status: "SPARE", subscriber: null });

    const again = await app.exec(RS_A, REGISTER, { input: subscriberInput({ uscc: company.input.uscc, name: "Same Company Renamed Ltd." }) });
    expect(codes(again)).toEqual(["FORBIDDEN"]);
    // Numbers it already holds are not touched by the blacklist.
    expect((await ok(MIIT, `query { number(number: "4006000001") { status } }`)).number.status).toBe("ACTIVE");
  });

  it("a penalty blacklisting a person (as legal representative) stops the next assignNumber for their companies; the ID number is never shown or stored", async () => {
    const idNumber = residentId("19700707", "777");
    const company = await draftSubscriber(["4006000011"], { legalRep: { name: "Wang Wu", idNumber } });
    const { recordPenalty } = await ok(CA_LN, RECORD, {
      input: penaltyInput({ targetName: "Wang Wu", targetKind: "PERSON", targetIdNumber: idNumber, fineCny: 10000, blacklist: true, publish: false }),
    });
    expect(recordPenalty).toMatchObject({ targetKind: "PERSON", targetName: "Wang Wu", blacklisted: true, published: false, targetUscc: null });

    const refused = await app.exec(RS_A, ASSIGN, { n: "4006000012", id: company.id });
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors![0].message).toMatch(/its legal representative is blacklisted/);
    // Another company with the same legal representative gets no numbers either: it is not even registered.
    const other = await app.exec(RS_A, REGISTER, { input: subscriberInput({ legalRep: { name: "Wang Wu", idNumber } }) });
    expect(codes(other)).toEqual(["FORBIDDEN"]);

    const hash = new PiiVault(app.config.piiKey).lookupHash(idNumber);
    const regulatorView = await app.exec(MIIT, PENALTIES, { first: 500 });
    for (const text of [JSON.stringify(recordPenalty), JSON.stringify(regulatorView)]) {
      expect(text).not.toContain(idNumber);
      expect(text).not.toContain(hash);
    }
    const [row] = await app.dataSource.query("SELECT * FROM penalties WHERE id = $1", [recordPenalty.id]);
    expect(row.target_id_hash).toBe(hash);
    expect(JSON.stringify(row)).not.toContain(idNumber);
    expect(await app.dataSource.query("SELECT count(*)::int AS n FROM blacklist WHERE legal_rep_id_hash = $1", [hash])).toEqual([{ n: 1 }]);
    const events = await app.dataSource.query("SELECT * FROM audit_events WHERE operation = 'recordPenalty'");
    expect(JSON.stringify(events)).not.toContain(idNumber);
  });

  it("the public and every non-regulator see published penalties only, newest decision first; a regulator all; publishing shows it", async () => {
    const { recordPenalty: hidden } = await ok(MIIT, RECORD, { input: penaltyInput({ targetName: "Hidden Ltd.", publish: false, decisionDate: "2025-09-01" }) });
    const { recordPenalty: shown } = await ok(CA_LN, RECORD, {
      input: penaltyInput({ targetName: "Shown Ltd.", targetOrgCode: "CT-LN", publish: true, decisionDate: "2025-08-01" }),
    });
    expect(shown).toMatchObject({ targetOrgCode: "CT-LN", published: true });
    expect(shown.publishedAt).not.toBeNull();

    const ids = (body: GraphQLBody) => body.data!.penalties.edges.map((e: any) => e.node.id);
    for (const as of [null, CT_LN, RS_A, MPS, ADMIN, CC] as As[]) {
      const body = await app.exec(as, PENALTIES, { first: 500 });
      expect(body.errors).toBeUndefined();
      expect(ids(body)).toContain(shown.id);
      expect(ids(body)).not.toContain(hidden.id);
      expect(body.data!.penalties.edges.every((e: any) => e.node.published)).toBe(true);
    }
    const all = await ok(MIIT, PENALTIES, { first: 500 });
    const nodes = all.penalties.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.id)).toEqual(expect.arrayContaining([hidden.id, shown.id]));
    expect(all.penalties.totalCount).toBe(nodes.length);
    const dates = nodes.map((n: any) => n.decisionDate);
    expect(dates).toEqual([...dates].sort().reverse());

    // Paging walks the same list.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: any = (await ok(MIIT, PENALTIES, { first: 2, after })).penalties;
      walked.push(...page.edges.map((e: any) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(walked).toEqual(nodes.map((n: any) => n.id));

    // A provincial administration publishes only its own (or below); MIIT, above, may.
    expect(codes(await app.exec(CA_ZJ, PUBLISH, { id: hidden.id }))).toEqual(["FORBIDDEN"]);
    const { publishPenalty } = await ok(MIIT, PUBLISH, { id: hidden.id });
    expect(publishPenalty).toMatchObject({ id: hidden.id, published: true });
    expect(ids(await app.exec(null, PENALTIES, { first: 500 }))).toContain(hidden.id);
    expect(codes(await app.exec(MIIT, PUBLISH, { id: hidden.id }))).toEqual(["CONFLICT"]);
    expect(codes(await app.exec(MIIT, PUBLISH, { id: "00000000-0000-4000-8000-000000000000" }))).toEqual(["NOT_FOUND"]);
  });

  it.each([
    ["a bad USCC", { targetUscc: mistyped(uscc("91210200MA000001Y")) }, "input.targetUscc"],
    ["a bad resident ID", { targetKind: "PERSON", targetIdNumber: BAD_ID }, "input.targetIdNumber"],
    ["an ID number for an organisation", { targetIdNumber: residentId("19700707", "778") }, "input.targetIdNumber"],
    ["an unknown organisation", { targetOrgCode: "NOPE" }, "input.targetOrgCode"],
    ["a blacklisted organisation without a USCC", { blacklist: true }, "input.targetUscc"],
    ["a blacklisted person without an ID number", { targetKind: "PERSON", blacklist: true }, "input.targetIdNumber"],
    ["a decision in the future", { decisionDate: "2999-01-01" }, "input.decisionDate"],
  ])("%s is BAD_USER_INPUT and nothing is stored", async (_name, overrides, argument) => {
    const before = await app.dataSource.query("SELECT (SELECT count(*) FROM penalties)::int AS p, (SELECT count(*) FROM blacklist)::int AS b");
    const body = await app.exec(MIIT, RECORD, { input: penaltyInput(overrides) });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].extensions.argument).toBe(argument);
    expect(body.errors![0].message).not.toContain(BAD_ID);
    expect(await app.dataSource.query("SELECT (SELECT count(*) FROM penalties)::int AS p, (SELECT count(*) FROM blacklist)::int AS b")).toEqual(before);
  });

  it.each([
    ["three decimals", { fineCny: 10.005 }],
    ["a negative fine", { fineCny: -1 }],
    ["not a calendar date", { decisionDate: "2025-02-29" }],
    ["a blank name", { targetName: "   " }],
  ])("%s is refused by the input rules", async (_name, overrides) => {
    expect(codes(await app.exec(MIIT, RECORD, { input: penaltyInput(overrides) }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("reports from the public", () => {
  it("anyone reports a number in any accepted spelling, even one the registry does not hold; the receipt says nothing of the sender", async () => {
    const { reportNumber } = await ok(null, REPORT, { input: { number: "400-600-0050", category: "FRAUD", description: "  said my parcel was held  " } });
    expect(reportNumber).toMatchObject({ number: "4006000050", category: "FRAUD" });
    const [row] = await app.dataSource.query("SELECT * FROM number_reports WHERE id = $1", [reportNumber.id]);
    const [ids] = await app.dataSource.query(
      "SELECT c.id AS carrier, r.id AS reseller FROM organizations c, organizations r WHERE c.code = 'CT-LN' AND r.code = 'RS-A'",
    );
    expect(row).toMatchObject({ number: "4006000050", carrier_id: ids.carrier, reseller_id: ids.reseller, province: "21", description: "said my parcel was held" });
    expect(row.client_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toMatch(/127\.0\.0\.1|::1|ffff/);

    const unknown = await ok(RS_A, REPORT, { input: { number: "400 999 0001", category: "OUTBOUND_400_DISPLAY" } });
    expect(unknown.reportNumber.number).toBe("4009990001");
    expect(await app.dataSource.query("SELECT carrier_id, reseller_id, subscriber_id, province FROM number_reports WHERE number = '4009990001'")).toEqual([
      { carrier_id: null, reseller_id: null, subscriber_id: null, province: null },
    ]);

    expect(codes(await app.exec(null, REPORT, { input: { number: "12345", category: "FRAUD" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(null, REPORT, { input: { number: "4006000050", category: "FRAUD", description: "x".repeat(2001) } }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("the report is audited without the client's address", async () => {
    const before = await auditCount(app.dataSource);
    await ok(null, REPORT, { input: { number: "4006000051", category: "HARASSMENT" } });
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    const [event] = await app.dataSource.query("SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toMatchObject({ operation: "reportNumber", outcome: "SUCCESS", role: "PUBLIC", actor: "anonymous" });
    expect(event.targets).toContain("4006000051");
    expect(JSON.stringify(event)).not.toMatch(/127\.0\.0\.1|::1|ffff/);
  });

  it("5 reports from 3+ sources within 10 days flag the number and its subscriber once, MEDIUM; older reports do not count", async () => {
    const owner = await draftSubscriber(["4006000030", "4006000031"]);
    // Four reports of 4006000030 eleven days ago, from four sources: outside the window.
    await app.dataSource.query(
      `INSERT INTO number_reports (number, category, client_hash, at)
       SELECT '4006000030', 'FRAUD', lpad(to_hex(g), 64, 'a'), now() - interval '11 days' FROM generate_series(1, 4) g`,
    );
    const flags = () => app.dataSource.query(
      "SELECT subscriber_id, number, kind, severity, key, detail FROM risk_flags WHERE number = '4006000030' AND kind = 'COMPLAINTS'",
    );
    for (let i = 1; i <= 4; i++) expect((await reportVia(`10.30.0.${i}`, { number: "4006000030", category: "FRAUD" })).errors).toBeUndefined();
    expect(await flags()).toEqual([]);
    expect((await reportVia("10.30.0.5", { number: "4006000030", category: "MARKETING" })).errors).toBeUndefined();
    const raised = await flags();
    expect(raised).toEqual([
      {
        subscriber_id: owner.id, number: "4006000030", kind: "COMPLAINTS", severity: "MEDIUM", key: "complaints:4006000030",
        detail: expect.stringMatching(/reported 5 times from 5 sources within 10 days/),
      },
    ]);
    // A sixth report does not raise a second flag.
    expect((await reportVia("10.30.0.6", { number: "4006000030", category: "FRAUD" })).errors).toBeUndefined();
    expect(await flags()).toEqual(raised);
    // The flag stands on the subscriber, for the carrier's review; public reports alone do not block its approval.
    const { subscriber } = await ok(RS_A, `query($id: ID!) { subscriber(id: $id) { riskFlags { kind severity } } }`, { id: owner.id });
    expect(subscriber.riskFlags).toEqual([{ kind: "COMPLAINTS", severity: "MEDIUM" }]);
  });

  it("a number without a subscriber is flagged on its own; one the registry does not hold is counted but carries no flag", async () => {
    for (let i = 1; i <= 5; i++) {
      expect((await reportVia(`10.31.0.${i}`, { number: "4006000160", category: "HARASSMENT" })).errors).toBeUndefined();
      expect((await reportVia(`10.31.0.${i}`, { number: "4009990002", category: "FRAUD" })).errors).toBeUndefined();
    }
    expect(await app.dataSource.query("SELECT subscriber_id, number FROM risk_flags WHERE kind = 'COMPLAINTS' AND number = '4006000160'")).toEqual([
      { subscriber_id: null, number: "4006000160" },
    ]);
    expect(await reportsOf("4009990002")).toBe(5);
  });

  it("one address reports a number once a day: a second report is CONFLICT and stores nothing", async () => {
    expect((await reportVia("10.32.0.1", { number: "4006000161", category: "FRAUD" })).errors).toBeUndefined();
    const again = await reportVia("10.32.0.1", { number: "400-600-0161", category: "MARKETING" });
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect(again.errors![0].extensions).toMatchObject({ reason: "ALREADY_REPORTED" });
    expect(again.errors![0].message).toMatch(/at most once a day/);
    expect(await reportsOf("4006000161")).toBe(1);
  });
});

describe("the rate limit on reports", () => {
  // A second server on the same database with the default limit: 5 reports from one address in 60 minutes.
  // Its clients use loopback addresses of their own (127.0.0.0/8), whose buckets the other tests leave empty.
  let limited: TestApp;
  let port: number;
  beforeAll(async () => {
    limited = await app.withServer({});
    await new Promise<void>((resolve) => limited.server.httpServer.listen(0, "127.0.0.1", resolve));
    port = (limited.server.httpServer.address() as AddressInfo).port;
  });
  afterAll(() => limited.close()); // closes its HTTP server too

  /** A report sent from this local address. */
  function reportFrom(localAddress: string, number: string): Promise<GraphQLBody> {
    const data = JSON.stringify({ query: REPORT, variables: { input: { number, category: "FRAUD" } } });
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, path: "/graphql", method: "POST", localAddress, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve(JSON.parse(text)));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }
  const storedFrom = async (address: string) =>
    (await app.dataSource.query("SELECT count(*)::int AS n FROM number_reports WHERE client_hash = $1", [limited.server.services.reports.clientHash(address)]))[0]
      .n as number;

  it("the 6th report from one address inside the window is refused and nothing is stored; an earlier window's reports do not count", async () => {
    const address = "127.0.0.11";
    // Ten reports from this address in the hour before the current window.
    await app.dataSource.query(
      `INSERT INTO number_reports (number, category, client_hash, at)
       SELECT '4001119' || lpad(g::text, 3, '0'), 'FRAUD', $1, now() - interval '61 minutes' - make_interval(mins => g) FROM generate_series(0, 9) g`,
      [limited.server.services.reports.clientHash(address)],
    );
    for (let i = 1; i <= 5; i++) expect((await reportFrom(address, `400111000${i}`)).errors).toBeUndefined();
    expect(await storedFrom(address)).toBe(15);

    const auditBefore = await auditCount(app.dataSource);
    const refused = await reportFrom(address, "4001110006");
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors![0].extensions.reason).toBe("RATE_LIMITED");
    expect(refused.errors![0].extensions.retryAfterSeconds).toBeGreaterThan(3500);
    expect(refused.errors![0].extensions.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(refused.errors![0].message).toMatch(/at most 5 in 60 minutes; try again in 60 minutes/);
    expect(await storedFrom(address)).toBe(15);
    expect(await reportsOf("4001110006")).toBe(0);
    // The refusal is audited without the address: an anonymous caller's first refusal of the minute is chained at once.
    expect(await auditCount(app.dataSource)).toBe(auditBefore + 1);
    const [event] = await app.dataSource.query("SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toMatchObject({ operation: "reportNumber", outcome: "BAD_USER_INPUT" });
    expect(JSON.stringify(event)).not.toContain(address);

    // Another address is not limited by this one's reports.
    expect((await reportFrom("127.0.0.12", "4001110006")).errors).toBeUndefined();
    expect(await reportsOf("4001110006")).toBe(1);
  });

  it("supertest's requests all come from one address, and count in one bucket", async () => {
    await ok(null, REPORT, { input: { number: "4001110020", category: "OTHER" } });
    await ok(RS_A, REPORT, { input: { number: "4001110021", category: "OTHER" } });
    const hashes = await app.dataSource.query("SELECT DISTINCT client_hash FROM number_reports WHERE number IN ('4001110020', '4001110021')");
    expect(hashes).toEqual([{ client_hash: limited.server.services.reports.clientHash("127.0.0.1") }]);
  });

  it("concurrent reports from one address cannot slip past the limit", async () => {
    const bodies = await Promise.all(Array.from({ length: 9 }, (_, i) => reportFrom("127.0.0.13", `400111010${i}`)));
    expect(bodies.filter((b) => !b.errors).length).toBe(5);
    expect(bodies.filter((b) => b.errors?.[0]?.extensions.reason === "RATE_LIMITED").length).toBe(4);
    expect(await storedFrom("127.0.0.13")).toBe(5);
  });

  it("an address counts in one bucket: IPv4 however written, IPv6 by its /64, none known as one shared bucket", () => {
    expect(clientBucket("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(clientBucket("10.1.2.3")).toBe("10.1.2.3");
    expect(clientBucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:0db8:0001:0002::9")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:db8:1:3::9")).not.toBe(clientBucket("2001:db8:1:2::9"));
    expect(clientBucket(null)).toBe(clientBucket(undefined));
  });
});

describe("hotNumbers", () => {
  beforeAll(async () => {
    // Reported more than any other number in this file, to head the list.
    const seed = async (number: string, count: number, age = "1 hour") =>
      app.dataSource.query(
        `INSERT INTO number_reports (number, category, client_hash, at)
         SELECT $1, 'FRAUD', lpad(to_hex(g), 64, 'b'), now() - $3::interval FROM generate_series(1, $2::int) g`,
        [number, count, age],
      );
    await seed("4008000050", 30); // China Mobile Guangdong (44)
    await seed("4006000150", 30); // China Telecom Liaoning (21), a tie broken by number
    await seed("4006000151", 25);
    await seed("4009990099", 22); // not held by the registry
    await seed("4006000152", 90, "11 days"); // outside the complaint window
    await seed("4006000060", 1); // wholesaled to RS-A
  });

  it("a national regulator: the most reported within the window, ties by number, with carrier and reseller", async () => {
    const { hotNumbers } = await ok(MIIT, HOT, { first: 4 });
    expect(hotNumbers).toEqual([
      { number: "4006000150", reports: 30, carrier: { code: "CT-LN" }, reseller: null },
      { number: "4008000050", reports: 30, carrier: { code: "CM-GD" }, reseller: null },
      { number: "4006000151", reports: 25, carrier: { code: "CT-LN" }, reseller: null },
      { number: "4009990099", reports: 22, carrier: null, reseller: null },
    ]);
    const all = (await ok(MIIT, HOT)).hotNumbers;
    expect(all.length).toBeLessThanOrEqual(20);
    expect(all.map((h: any) => h.number)).not.toContain("4006000152");
    const counts = all.map((h: any) => h.reports);
    expect(counts).toEqual([...counts].sort((x: number, y: number) => y - x));
    const reported = (await ok(MIIT, HOT, { first: 500 })).hotNumbers.find((h: any) => h.number === "4006000060");
    expect(reported).toMatchObject({ carrier: { code: "CT-LN" }, reseller: { code: "RS-A" } });
  });

  it("a provincial regulator: only its province's numbers", async () => {
    const { hotNumbers } = await ok(CA_LN, HOT, { first: 500 });
    expect(hotNumbers.slice(0, 2).map((h: any) => h.number)).toEqual(["4006000150", "4006000151"]);
    expect(hotNumbers.every((h: any) => h.number.startsWith("4006") && h.carrier.code === "CT-LN")).toBe(true);
    expect((await ok(CA_ZJ, HOT, { first: 500 })).hotNumbers).toEqual([]);
  });

  it("first outside 1-500 is BAD_USER_INPUT; other roles are FORBIDDEN", async () => {
    expect(codes(await app.exec(MIIT, HOT, { first: 0 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, HOT, { first: 501 }))).toEqual(["BAD_USER_INPUT"]);
    for (const as of [null, CT_LN, RS_A, MPS, ADMIN, CC] as As[]) expect(codes(await app.exec(as, HOT, {}))).toEqual(["FORBIDDEN"]);
  });
});

describe("suspendNumber", () => {
  beforeAll(async () => {
    await verifiedSubscriber(["4006000020", "4006000021"]);
    await draftSubscriber(["4006000022", "4006000023", "4006000024", "4008000001", "4008000002"]);
  });

  it("a carrier suspends its subtree's number in service (CARRIER), a regulator any in reach (REGULATOR); the change feed and the reason are kept", async () => {
    const { suspendNumber } = await ok(CT_LN, SUSPEND, { n: "400-600-0022", r: "customer reported the line abused" });
    expect(suspendNumber).toEqual({ number: "4006000022", status: "SUSPENDED", suspension: "CARRIER", carrier: { code: "CT-LN" } });
    expect((await ok(CT, SUSPEND, { n: "4006000023", r: "group decision" })).suspendNumber.suspension).toBe("CARRIER");
    expect((await ok(MIIT, SUSPEND, { n: "4006000020", r: "complaints confirmed" })).suspendNumber).toMatchObject({
      status: "SUSPENDED", suspension: "REGULATOR",
    });
    expect((await ok(CA_LN, SUSPEND, { n: "4006000021", r: "provincial inspection" })).suspendNumber.suspension).toBe("REGULATOR");

    const [change] = await app.dataSource.query(
      "SELECT status, previous_status, cause FROM number_changes WHERE number = '4006000020' ORDER BY seq DESC LIMIT 1",
    );
    expect(change).toEqual({ status: "SUSPENDED", previous_status: "ACTIVE", cause: "SUSPEND" });
    expect(await app.dataSource.query("SELECT suspension, reason FROM number_suspensions WHERE number = '4006000022'")).toEqual([
      { suspension: "CARRIER", reason: "customer reported the line abused" },
    ]);
  });

  it("refused on another carrier's or province's number, with the same words whether or not it exists", async () => {
    const foreign = await app.exec(CM_GD, SUSPEND, { n: "4006000024", r: "not ours" });
    const missing = await app.exec(CM_GD, SUSPEND, { n: "4009990123", r: "not anyone's" });
    expect(codes(foreign)).toEqual(["FORBIDDEN"]);
    expect(codes(missing)).toEqual(["FORBIDDEN"]);
    expect(foreign.errors![0].message.replace("4006000024", "N")).toBe(missing.errors![0].message.replace("4009990123", "N"));

    const otherProvince = await app.exec(CA_LN, SUSPEND, { n: "4008000001", r: "not our province" });
    const nowhere = await app.exec(CA_LN, SUSPEND, { n: "4009990124", r: "not anywhere" });
    expect(codes(otherProvince)).toEqual(["FORBIDDEN"]);
    expect(otherProvince.errors![0].message.replace("4008000001", "N")).toBe(nowhere.errors![0].message.replace("4009990124", "N"));
    expect((await ok(MIIT, `query { number(number: "4008000001") { status } }`)).number.status).toBe("PENDING_VERIFICATION");
    // A national regulator sees every number: for it, one that does not exist is simply not found.
    expect(codes(await app.exec(MIIT, SUSPEND, { n: "4009990125", r: "x" }))).toEqual(["NOT_FOUND"]);
  });

  it("FORCE_STOPPED: CONFLICT naming the order; other statuses: CONFLICT saying why", async () => {
    const { issueShutdownOrder } = await ok(MPS, ISSUE, {
      input: { numbers: ["4008000002"], caseNumber: "GD-2026-0101", legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: "TELECOM_FRAUD", note: "" },
    });
    const stopped = await app.exec(CM_GD, SUSPEND, { n: "4008000002", r: "fraud" });
    expect(codes(stopped)).toEqual(["CONFLICT"]);
    expect(stopped.errors![0].message).toContain(`order ${issueShutdownOrder.id} (case GD-2026-0101)`);
    expect(stopped.errors![0].extensions.reason).toBe("FORCE_STOPPED");

    const spare = await app.exec(CT_LN, SUSPEND, { n: "4006000199", r: "x" });
    expect(codes(spare)).toEqual(["CONFLICT"]);
    expect(spare.errors![0].message).toMatch(/only a number in service .* 4006000199 is SPARE/);
    await ok(CT_LN, SUSPEND, { n: "4006000024", r: "first" });
    const twice = await app.exec(MIIT, SUSPEND, { n: "4006000024", r: "second" });
    expect(codes(twice)).toEqual(["CONFLICT"]);
    expect(twice.errors![0].message).toMatch(/already SUSPENDED \(CARRIER\)/);

    expect(codes(await app.exec(CT_LN, SUSPEND, { n: "4006000024", r: "   " }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, SUSPEND, { n: "4006-000024", r: "bad number" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("auditTrail", () => {
  it("finds a number's events by either spelling, refused attempts included, newest first, in pages", async () => {
    await draftSubscriber(["4006000040"]);
    expect(codes(await app.exec(CM_GD, SUSPEND, { n: "400 600 0040", r: "not ours" }))).toEqual(["FORBIDDEN"]);
    await ok(CT_LN, SUSPEND, { n: "4006000040", r: "abuse" });
    await ok(null, REPORT, { input: { number: "400-600-0040", category: "FRAUD" } });

    const canonical = (await ok(MIIT, TRAIL, { t: "4006000040" })).auditTrail;
    const dashed = (await ok(CA_LN, TRAIL, { t: "400-600-0040" })).auditTrail;
    expect(dashed).toEqual(canonical);
    const events = canonical.edges.map((e: any) => e.node);
    expect(events.map((e: any) => `${e.operation}/${e.outcome}`)).toEqual([
      "reportNumber/SUCCESS", "suspendNumber/SUCCESS", "suspendNumber/FORBIDDEN", "assignNumber/SUCCESS", "wholesaleNumbers/SUCCESS",
    ]);
    expect(canonical.totalCount).toBe(5);
    expect(events[1]).toMatchObject({ actor: "ct-ln-tester", orgCode: "CT-LN", role: "CARRIER", targets: ["4006000040"] });
    expect(events[1].hash).toMatch(/^[0-9a-f]{64}$/);
    const sequences = events.map((e: any) => Number(e.sequence));
    expect(sequences).toEqual([...sequences].sort((x, y) => y - x));

    const first = (await ok(MIIT, TRAIL, { t: "400 600 0040", first: 2 })).auditTrail;
    expect(first.edges.map((e: any) => e.node.sequence)).toEqual(events.slice(0, 2).map((e: any) => e.sequence));
    const next = (await ok(MIIT, TRAIL, { t: "400 600 0040", first: 2, after: first.pageInfo.endCursor })).auditTrail;
    expect(next.edges.map((e: any) => e.node.sequence)).toEqual(events.slice(2, 4).map((e: any) => e.sequence));
  });

  it("other targets are matched as given", async () => {
    const { auditTrail } = await ok(MIIT, TRAIL, { t: "CT-LN" });
    expect(auditTrail.edges.map((e: any) => e.node.operation)).toContain("createOrganization");
    expect((await ok(MIIT, TRAIL, { t: "ct-ln" })).auditTrail.totalCount).toBe(0);
  });

  it("is the regulators' only", async () => {
    for (const as of [null, CT_LN, RS_A, MPS, ADMIN, CC] as As[]) expect(codes(await app.exec(as, TRAIL, { t: "4006000040" }))).toEqual(["FORBIDDEN"]);
  });
});

describe("records", () => {
  it("reports, suspensions and penalties are never deleted", async () => {
    for (const table of ["number_reports", "number_suspensions", "penalties"]) {
      await expect(app.dataSource.query(`DELETE FROM ${table}`)).rejects.toThrow(/never deleted/);
      await expect(app.dataSource.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/never deleted/);
    }
  });
});

describe("every mutation here is FORBIDDEN without its permission, and audited as refused", () => {
  const cases: [string, string, Record<string, unknown>, As[]][] = [
    ["suspendNumber", SUSPEND, { n: "4006000025", r: "x" }, [null, RS_A, MPS, ADMIN, CC]],
    ["recordPenalty", RECORD, { input: penaltyInput({ targetName: "Never Recorded Ltd." }) }, [null, CT_LN, RS_A, MPS, ADMIN, CC]],
    ["publishPenalty", PUBLISH, { id: "00000000-0000-4000-8000-000000000000" }, [null, CT_LN, RS_A, MPS, ADMIN, CC]],
  ];
  it.each(cases)("%s", async (operation, query, variables, roles) => {
    const changes = () => app.dataSource.query(
      "SELECT (SELECT count(*) FROM penalties)::int AS penalties, (SELECT count(*) FROM number_changes)::int AS changes",
    );
    const before = await changes();
    for (const as of roles) {
      const events = await auditCount(app.dataSource);
      const body = await app.exec(as, query, variables);
      expect(codes(body)).toEqual(["FORBIDDEN"]);
      expect(await auditCount(app.dataSource)).toBe(events + 1);
      const [event] = await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1");
      expect(event).toEqual({ operation, outcome: "FORBIDDEN" });
    }
    expect(await changes()).toEqual(before);
  });
});

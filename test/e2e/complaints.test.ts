import { AuditedMutation } from "../../src/modules/audit";
import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, GraphQLBody, TestApp, auditCount, codes, startTestApp } from "../helpers/app";

// DESIGN.md, "Complaints, penalties, public look-up" and "Audit": complaints that one person cannot
// weaponise, and anonymous refusals that cannot flood the audit chain.

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;

const REPORT = `mutation($input: ReportNumberInput!) { reportNumber(input: $input) { id number } }`;
const HOT = `query { hotNumbers(first: 500) { number reports } }`;
const FLAGS = `query($id: ID!) { subscriber(id: $id) { identityStatus riskFlags { kind severity detail } } }`;
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

let app: TestApp;
let sequence = 0;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A request without a token, through a trusted loopback proxy, on behalf of this client address. */
async function anonymousFrom(address: string, query: string, variables: Record<string, unknown>): Promise<GraphQLBody> {
  const res = await app.request.post("/graphql").set("content-type", "application/json").set("x-forwarded-for", address).send({ query, variables });
  return res.body as GraphQLBody;
}
const report = (address: string, number: string, category = "FRAUD") => anonymousFrom(address, REPORT, { input: { number, category } });
const hashOf = (address: string) => app.server.services.reports.clientHash(address);

/** A report received earlier from this address (days ago), as if sent then. */
async function reportedEarlier(address: string, number: string, daysAgo: number) {
  await app.dataSource.query(
    `INSERT INTO number_reports (number, category, client_hash, at) VALUES ($1, 'FRAUD', $2, now() - make_interval(days => $3) - interval '1 hour')`,
    [number, hashOf(address), daysAgo],
  );
}

const reportsOf = async (number: string) =>
  (await app.dataSource.query("SELECT count(*)::int AS n FROM number_reports WHERE number = $1", [number]))[0].n as number;
const complaintFlags = (number: string) =>
  app.dataSource.query("SELECT subscriber_id, severity, detail FROM risk_flags WHERE kind = 'COMPLAINTS' AND number = $1", [number]);

/** A subscriber of RS-A with its papers and the reseller's call-back, holding `number` (so CT-LN reaches it). */
async function readySubscriber(number: string): Promise<string> {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  const id = (body: string) => body + residentIdCheckCharacter(body);
  const uscc = `91210200MA${n}Q`;
  const { registerSubscriber: s } = await ok(RS_A, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: `Dalian Complaints Example ${n} Co., Ltd.`, uscc: uscc + usccCheckCharacter(uscc),
      legalRep: { name: "Zhou Qi", idNumber: id(`21010219750303${String(300 + sequence).slice(-3)}`) },
      handler: { name: "Wu Ba", idNumber: id(`21010219850404${String(500 + sequence).slice(-3)}`) },
      landline: "041188886666", address: "2 Example Road, Dalian", businessScope: "Retail", declaredUse: "Customer service hotline",
    },
  });
  for (const [i, kind] of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"].entries()) {
    await ok(RS_A, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: s.id,
      input: { kind, sha256: `${sequence}${i}`.padStart(64, "d"), mediaType: "application/pdf", sizeBytes: 1024, storageUri: `s3://evidence/${sequence}/${i}` },
    });
  }
  // The carrier reaches the subscriber (to re-check it) only once it holds one of the carrier's numbers.
  await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: s.id });
  await ok(RS_A, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: s.id });
  return s.id;
}

beforeAll(async () => {
  // The default limits (REPORT_LIMIT 5 an hour, 5 reports from 3 sources in 10 days); loopback proxies are trusted.
  app = await startTestApp({ env: { TRUST_PROXY: "loopback" } });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: "REGULATOR" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, `mutation { publishAllocation(input: { rangeStart: "4006100000", rangeEnd: "4006100049" }) { created } }`);
  await ok(CT_LN, `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`, {
    input: { numbers: Array.from({ length: 50 }, (_, i) => String(4006100000 + i)), resellerCode: "RS-A" },
  });
});
afterAll(() => app.close());

describe("complaints one person cannot weaponise", () => {
  it("five reports of a number from one address: the first is taken, the others are CONFLICT, nothing more is stored, no flag", async () => {
    await readySubscriber("4006100001");
    expect((await report("10.1.0.1", "4006100001")).errors).toBeUndefined();
    for (let i = 0; i < 4; i++) {
      const again = await report("10.1.0.1", "400-610-0001", "HARASSMENT");
      expect(codes(again)).toEqual(["CONFLICT"]);
      expect(again.errors![0].extensions).toMatchObject({ reason: "ALREADY_REPORTED" });
      expect(again.errors![0].extensions.retryAfterSeconds).toBeGreaterThan(23 * 3600);
      expect(again.errors![0].message).toMatch(/reported 4006100001 less than 24 hours ago: one address reports a number at most once a day; .* again in 24 hours/);
    }
    expect(await reportsOf("4006100001")).toBe(1);
    expect(await complaintFlags("4006100001")).toEqual([]);
    // Another number from the same address, and the same number from another address, are taken.
    expect((await report("10.1.0.1", "4006100002")).errors).toBeUndefined();
    expect((await report("10.1.0.2", "4006100001")).errors).toBeUndefined();
    expect(await reportsOf("4006100001")).toBe(2);
  });

  it("a report of the day before (over 24 hours ago) does not stop today's", async () => {
    await reportedEarlier("10.1.1.1", "4006100003", 1);
    expect((await report("10.1.1.1", "4006100003")).errors).toBeUndefined();
    expect(await reportsOf("4006100003")).toBe(2);
  });

  it("enough reports from fewer than 3 sources raise no flag; the third source does", async () => {
    const id = await readySubscriber("4006100010");
    // Two sources over three days: 6 reports within the window.
    for (const address of ["10.2.0.1", "10.2.0.2"]) {
      await reportedEarlier(address, "4006100010", 2);
      await reportedEarlier(address, "4006100010", 1);
      expect((await report(address, "4006100010")).errors).toBeUndefined();
    }
    expect(await reportsOf("4006100010")).toBe(6);
    expect(await complaintFlags("4006100010")).toEqual([]);
    expect((await report("10.2.0.3", "4006100010")).errors).toBeUndefined();
    expect(await complaintFlags("4006100010")).toEqual([
      { subscriber_id: id, severity: "MEDIUM", detail: expect.stringMatching(/reported 7 times from 3 sources within 10 days \(the threshold is 5 reports from 3 sources\)/) },
    ]);
  });

  it("5 reports from 3 addresses raise a MEDIUM flag that shows in hotNumbers and the carrier's review, but does not block approval", async () => {
    const id = await readySubscriber("4006100020");
    await reportedEarlier("10.3.0.1", "4006100020", 3);
    await reportedEarlier("10.3.0.2", "4006100020", 2);
    for (const address of ["10.3.0.1", "10.3.0.2"]) expect((await report(address, "4006100020")).errors).toBeUndefined();
    expect(await complaintFlags("4006100020")).toEqual([]);
    expect((await report("10.3.0.3", "4006100020")).errors).toBeUndefined();
    expect(await complaintFlags("4006100020")).toEqual([{ subscriber_id: id, severity: "MEDIUM", detail: expect.stringMatching(/reported 5 times from 3 sources/) }]);

    expect((await ok(MIIT, HOT)).hotNumbers).toContainEqual({ number: "4006100020", reports: 5 });
    const review = (await ok(CT_LN, FLAGS, { id })).subscriber;
    expect(review.riskFlags).toMatchObject([{ kind: "COMPLAINTS", severity: "MEDIUM" }]);

    await ok(CT_LN, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id });
    await ok(RS_A, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id });
    const { approveSubscriber } = await ok(CT_LN, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id });
    expect(approveSubscriber.identityStatus).toBe("VERIFIED");
    // The flag stays open for review after the approval.
    expect((await ok(CT_LN, FLAGS, { id })).subscriber.riskFlags).toMatchObject([{ kind: "COMPLAINTS", severity: "MEDIUM" }]);
  });

  it("the database holds one report a number per source per UTC day, whatever the session's time zone", async () => {
    const hash = hashOf("10.4.0.1");
    const insert = (tx: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, at: string) =>
      tx.query(`INSERT INTO number_reports (number, category, client_hash, at) VALUES ('4006100030', 'FRAUD', $1, $2)`, [hash, at]);
    // 23:30 and 00:30 UTC are one day in Beijing, two in UTC: both are taken.
    await app.dataSource.transaction(async (tx) => {
      await tx.query("SET LOCAL TIME ZONE 'Asia/Shanghai'");
      await insert(tx, "2025-03-01T23:30:00Z");
      await insert(tx, "2025-03-02T00:30:00Z");
    });
    expect(await app.dataSource.query("SELECT utc_day::text AS day FROM number_reports WHERE number = '4006100030' ORDER BY at")).toEqual([
      { day: "2025-03-01" }, { day: "2025-03-02" },
    ]);
    // 00:10 and 20:00 UTC are two days in Beijing, one in UTC: the second is refused.
    await expect(
      app.dataSource.transaction(async (tx) => {
        await tx.query("SET LOCAL TIME ZONE 'Asia/Shanghai'");
        await insert(tx, "2025-03-05T00:10:00Z");
        await insert(tx, "2025-03-05T20:00:00Z");
      }),
    ).rejects.toThrow(/number_reports_once_a_day/);
    // Nor can a writer pick the day.
    await expect(
      app.dataSource.query(
        `INSERT INTO number_reports (number, category, client_hash, at, utc_day) VALUES ('4006100030', 'FRAUD', $1, '2025-03-01T12:00:00Z', '1999-01-01')`,
        [hash],
      ),
    ).rejects.toThrow(/number_reports_once_a_day/);
  });
});

describe("anonymous refusals are tallied, not chained one by one", () => {
  /** Each chained event naming this client, with the refusals it accounts for. */
  const chainedFor = async (address: string) => {
    const rows: { operation: string; outcome: string; targets: string[] }[] = await app.dataSource.query(
      "SELECT operation, outcome, targets FROM audit_events WHERE $1 = ANY(targets) ORDER BY seq", [`client:${hashOf(address)}`],
    );
    return rows.map((r) => ({ ...r, refusals: Number(r.targets.find((t) => t.startsWith("refusals:"))!.slice("refusals:".length)) }));
  };
  const tallied = async (address: string) =>
    (await app.dataSource.query(
      `SELECT operation, outcome, sum(count)::int AS count, sum(chained)::int AS chained FROM audit_refusal_tallies
        WHERE client_hash = $1 GROUP BY operation, outcome ORDER BY outcome`, [hashOf(address)],
    )) as { operation: string; outcome: string; count: number; chained: number }[];
  const sumOf = (events: { outcome: string; refusals: number }[], outcome: string) =>
    events.filter((e) => e.outcome === outcome).reduce((t, e) => t + e.refusals, 0);

  it("200 refused attempts from one address add a handful of chained events; the tally counts all 200; the chain verifies", async () => {
    const address = "10.9.0.1";
    expect((await report(address, "4006100040")).errors).toBeUndefined();
    const before = await auditCount(app.dataSource);
    for (let i = 0; i < 200; i++) {
      // Half repeat a report of the day (CONFLICT), half are no number at all (BAD_USER_INPUT).
      const body = i % 2 === 0 ? await report(address, "4006100040") : await report(address, `12345${i}`);
      expect(codes(body)).toEqual([i % 2 === 0 ? "CONFLICT" : "BAD_USER_INPUT"]);
    }
    const added = (await auditCount(app.dataSource)) - before;
    // Each (outcome, minute) chains its first refusal, and a summary of a closed minute's rest: the loop spans a minute or two.
    expect(added).toBeGreaterThanOrEqual(2);
    expect(added).toBeLessThanOrEqual(8);
    expect(await tallied(address)).toEqual([
      { operation: "reportNumber", outcome: "BAD_USER_INPUT", count: 100, chained: expect.any(Number) },
      { operation: "reportNumber", outcome: "CONFLICT", count: 100, chained: expect.any(Number) },
    ]);
    // The opening event of a minute is the refused request's own: its targets, with the tally's markers, never the address.
    const opening = await chainedFor(address);
    expect(opening[0]).toMatchObject({ operation: "reportNumber", outcome: "CONFLICT", refusals: 1 });
    expect(opening[0].targets).toEqual(expect.arrayContaining(["4006100040", `client:${hashOf(address)}`]));
    expect(JSON.stringify(opening)).not.toContain(address);

    // Once the minutes close (the sweep's clock, two minutes on), every refusal is in the chain too.
    await AuditedMutation.closeRefusalWindows(app.dataSource, app.server.services.audit, new Date(Date.now() + 120_000));
    const events = await chainedFor(address);
    expect(events.length).toBeLessThanOrEqual(8);
    expect([sumOf(events, "CONFLICT"), sumOf(events, "BAD_USER_INPUT")]).toEqual([100, 100]);
    for (const tally of await tallied(address)) expect(tally.chained).toBe(tally.count);
    // Nothing left to close: a second pass writes nothing.
    expect(await AuditedMutation.closeRefusalWindows(app.dataSource, app.server.services.audit, new Date(Date.now() + 120_000))).toBe(0);
    const verified = await app.server.services.audit.verify();
    expect(verified).toMatchObject({ ok: true });
    expect(verified.events).toBe(await auditCount(app.dataSource));
  });

  it("an authenticated caller's refusals stay one chained event each", async () => {
    const before = await auditCount(app.dataSource);
    for (let i = 0; i < 3; i++) expect(codes(await app.exec(RS_A, REPORT, { input: { number: "12345", category: "FRAUD" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(await auditCount(app.dataSource)).toBe(before + 3);
  });

  it("a tally only grows and is never deleted", async () => {
    await expect(app.dataSource.query("UPDATE audit_refusal_tallies SET count = count - 1")).rejects.toThrow(/only grow/);
    await expect(app.dataSource.query("UPDATE audit_refusal_tallies SET chained = 0")).rejects.toThrow(/only grow/);
    await expect(app.dataSource.query("DELETE FROM audit_refusal_tallies")).rejects.toThrow(/never deleted/);
  });

  // PGlite has one connection: a transaction holding the chain's lock there holds everything.
  (onPostgres ? it : it.skip)("no anonymous refusal waits for the chain's lock: while another transaction holds it, refusals are answered and counted", async () => {
    const address = "10.9.0.2";
    const holder = app.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      // An append holds the chain until its transaction ends.
      await app.server.services.audit.append(holder.manager, {
        actor: "test", orgCode: null, role: "ADMIN", operation: "holdTheChain", targets: [], inputDigest: "0".repeat(64), outcome: "SUCCESS", requestId: null,
      });
      let timer: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        Promise.all(Array.from({ length: 10 }, () => report(address, "999"))),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000))),
      ]).finally(() => clearTimeout(timer));
      expect(answered).not.toBeNull();
      for (const body of answered!) expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
      expect(await tallied(address)).toEqual([{ operation: "reportNumber", outcome: "BAD_USER_INPUT", count: 10, chained: 0 }]);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await AuditedMutation.closeRefusalWindows(app.dataSource, app.server.services.audit, new Date(Date.now() + 120_000));
    expect(sumOf(await chainedFor(address), "BAD_USER_INPUT")).toBe(10);
    expect((await app.server.services.audit.verify()).ok).toBe(true);
  });
});

import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { SweepCommandIo, formatReport, parseInstant, sweepCommand } from "../../src/cli/sweep";
import { openDatabase } from "../../src/db/data-source";
import { inputDigest } from "../../src/modules/audit/audit-chain";
import { AuditService } from "../../src/modules/audit";
import { SweepReport, SweepService, startSweepSchedule } from "../../src/modules/sweeps";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, auditCount, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT_GD = { org: "CT-GD", role: Role.CARRIER } as const;
const CA_GD = { org: "CA-GD", role: Role.REGULATOR } as const;

const PUBLISH = `mutation($input: PublishAllocationInput!) { publishAllocation(input: $input) { created } }`;
const WHOLESALE = `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated rejected { number reason } } }`;
const NUMBER = `query($n: String!) { number(number: $n) { status statusSince suspension reservedUntil reseller { code } } }`;
const OPEN = `mutation($input: OpenCampaignInput!) { openCampaign(input: $input) { id hardDeadline } }`;

const REQUIRED = ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"];
const NOTHING: Omit<SweepReport, "at"> = {
  reservationsLapsed: 0, subscribersExpired: 0, suspendedForPapers: 0, suspendedForDeposit: 0, suspendedAtDeadline: 0, pendingReturned: 0, terminated: 0, aging: 0, returnedToSpare: 0,
};

let app: TestApp;
const org: Record<string, string> = {};
const sql = (text: string, params: unknown[] = []) => app.dataSource.query(text, params);
const hex = () => randomBytes(32).toString("hex");
const days = (iso: string, n: number) => new Date(Date.parse(iso) + n * 86_400_000).toISOString();
const second = (iso: string, n = -1) => new Date(Date.parse(iso) + n * 1000).toISOString();

beforeAll(async () => {
  // The numbers these tests leave waiting for verification would return to stock in a later
  // test's year; test/e2e/reseller-routes.test.ts covers that step with its 45-day default.
  app = await startTestApp({ env: { PENDING_VERIFICATION_DAYS: "36500" } });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-GD", name: "China Telecom Guangdong", kind: "CARRIER", parentCode: "CT", province: "44" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-GD", name: "Guangdong CA", kind: "REGULATOR", parentCode: "MIIT", province: "44" },
  ]) {
    const body = await app.exec(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
    expect(body.errors).toBeUndefined();
  }
  for (const r of await sql("SELECT code, id FROM organizations")) org[r.code] = r.id;
  // Liaoning numbers 40010000xx, Guangdong numbers 40044000xx, all wholesaled to RS-A.
  for (const [as, start] of [[CT_LN, 4001000000], [CT_GD, 4004400000]] as const) {
    const published = await app.exec(as, PUBLISH, { input: { rangeStart: String(start), rangeEnd: String(start + 99) } });
    expect(published.data!.publishAllocation.created).toBe(100);
    const numbers = Array.from({ length: 100 }, (_, i) => String(start + i));
    const wholesaled = await app.exec(as, WHOLESALE, { input: { resellerCode: "RS-A", numbers } });
    expect(wholesaled.data!.wholesaleNumbers).toEqual({ updated: 100, rejected: [] });
  }
});
afterAll(() => app.close());

// Until the subscribers API is merged, subscribers, papers and assignments are written directly.
async function subscriber(status = "VERIFIED"): Promise<string> {
  const verified = status === "VERIFIED";
  const [{ id }] = await sql(
    `INSERT INTO subscribers (reseller_id, name, uscc, legal_rep_name, legal_rep_id_sealed, legal_rep_id_hash, handler_name,
       handler_id_sealed, handler_id_hash, landline, address, business_scope, declared_use, identity_status, verified_at, verified_by)
     VALUES ($1, 'Example Trading Co., Ltd.', $2, 'Zhang Wei', 'v1.sealed', $3, 'Li Na', 'v1.sealed', $4, '02488886666',
       '1 Example Road, Shenyang', 'Wholesale', 'Customer service', $5, $6, $7)
     RETURNING id`,
    [org["RS-A"], `91210102MA${randomBytes(4).toString("hex").slice(0, 7).toUpperCase().replace(/[IOSVZ]/g, "0")}X`, hex(), hex(),
      status, verified ? new Date() : null, verified ? org["CT-LN"] : null],
  );
  return id;
}

async function paper(subscriberId: string, kind: string, expiresOn: string | null, attachedAt = new Date().toISOString()): Promise<string> {
  const [{ id }] = await sql(
    `INSERT INTO subscriber_documents (subscriber_id, kind, sha256, media_type, size_bytes, storage_uri, expires_on, attached_by, attached_at)
     VALUES ($1, $2, $3, 'application/pdf', 20480, 's3://evidence/x', $4, $5, $6) RETURNING id`,
    [subscriberId, kind, hex(), expiresOn, org["RS-A"], attachedAt],
  );
  return id;
}

/** A VERIFIED subscriber with the six required papers, each expiring on the date given for its kind (or `expiresOn`). */
async function verifiedWithPapers(expiresOn: string | null, byKind: Record<string, string | null> = {}) {
  const id = await subscriber("VERIFIED");
  const papers: Record<string, string> = {};
  for (const kind of REQUIRED) papers[kind] = await paper(id, kind, kind in byKind ? byKind[kind] : expiresOn);
  return { id, papers };
}

/** SPARE → PENDING_VERIFICATION (→ ACTIVE): the legal route, as assignment and approval will take it. */
async function assign(numbers: string[], subscriberId: string, active = false) {
  await sql("UPDATE numbers SET status = 'PENDING_VERIFICATION', subscriber_id = $2 WHERE number = ANY($1)", [numbers, subscriberId]);
  if (active) await sql("UPDATE numbers SET status = 'ACTIVE' WHERE number = ANY($1)", [numbers]);
}

const reserve = (numbers: string[], until: string) =>
  sql("UPDATE numbers SET status = 'RESERVED', reserved_until = $2 WHERE number = ANY($1)", [numbers, until]);

async function row(number: string) {
  const [r] = await sql(
    `SELECT n.status, n.suspension, n.subscriber_id AS "subscriberId", o.code AS reseller, n.aging_days AS "agingDays",
            n.reserved_until AS "reservedUntil", n.status_since AS "statusSince"
       FROM numbers n LEFT JOIN organizations o ON o.id = n.reseller_id WHERE n.number = $1`,
    [number],
  );
  return { ...r, statusSince: (r.statusSince as Date).toISOString() };
}

const statuses = async (numbers: string[]) => Promise.all(numbers.map(async (n) => (await row(n)).status));

/** The sweep's moves of a number in the change feed: "FROM>TO" each. */
const feed = async (number: string) =>
  (await sql("SELECT previous_status, status, cause FROM number_changes WHERE number = $1 AND cause = 'SWEEP' ORDER BY seq", [number])).map(
    (r: any) => `${r.previous_status}>${r.status}`,
  );

const lastFeedSeq = async () => (await sql("SELECT coalesce(max(seq), 0)::text AS seq FROM number_changes"))[0].seq as string;
const movedIn = (r: SweepReport) => r.reservationsLapsed + r.suspendedForPapers + r.suspendedForDeposit + r.suspendedAtDeadline + r.pendingReturned + r.terminated + r.aging + r.returnedToSpare;

/** Runs the sweeps as of `at`, and checks that every number it moved is in the change feed with cause SWEEP. */
async function sweep(at?: string): Promise<SweepReport> {
  const seq = await lastFeedSeq();
  const report = await app.server.services.sweeps.run(at ? new Date(at) : undefined);
  const fed = await sql("SELECT cause FROM number_changes WHERE seq > $1", [seq]);
  expect(fed).toHaveLength(movedIn(report));
  expect(fed.every((r: { cause: string }) => r.cause === "SWEEP")).toBe(true);
  return report;
}

const expectReport = (report: SweepReport, at: string, counts: Partial<SweepReport> = {}) =>
  expect(report).toEqual({ at: new Date(at), ...NOTHING, ...counts });

// Each test sweeps in a year of its own and leaves its numbers where nothing more is due,
// so the tests do not depend on one another's leftovers.
describe("lapsed reservations", () => {
  it("a reservation returns to SPARE at its deadline and not a second before", async () => {
    const until = "2030-03-01T12:00:00.000Z";
    await reserve(["4001000001", "4001000002"], until);
    await reserve(["4001000003"], "2030-03-02T00:00:00.000Z");

    expectReport(await sweep(second(until)), second(until));
    expect(await statuses(["4001000001", "4001000002"])).toEqual(["RESERVED", "RESERVED"]);

    expectReport(await sweep(until), until, { reservationsLapsed: 2 });
    expect(await row("4001000001")).toMatchObject({ status: "SPARE", reservedUntil: null, reseller: "RS-A", statusSince: until });
    expect(await row("4001000003")).toMatchObject({ status: "RESERVED" });
    expect(await feed("4001000001")).toEqual(["RESERVED>SPARE"]);
    const seen = await app.exec(CT_LN, NUMBER, { n: "4001000002" });
    expect(seen.data!.number).toEqual({ status: "SPARE", statusSince: until, suspension: null, reservedUntil: null, reseller: { code: "RS-A" } });

    expectReport(await sweep("2030-03-02T00:00:00.000Z"), "2030-03-02T00:00:00.000Z", { reservationsLapsed: 1 });
  });
});

describe("expired papers, then termination, aging and the spare pool", () => {
  it("the latest paper of a required kind expiring suspends the ACTIVE numbers and marks the subscriber EXPIRED", async () => {
    const expiry = "2031-06-30";
    const dueAt = `${expiry}T00:00:00.000Z`;
    const { id, papers } = await verifiedWithPapers(null, { BUSINESS_LICENSE: expiry });
    // Superseded by a later paper of the same kind, and a kind that is not required: neither counts.
    await paper(id, "HANDLER_ID", "2020-01-01", "2020-01-01T00:00:00Z");
    await paper(id, "SUPPLEMENTARY_AGREEMENT", "2020-01-01");
    await assign(["4001000010", "4001000011"], id, true);
    await assign(["4001000012"], id);
    const { id: other } = await verifiedWithPapers("2099-12-31");
    await assign(["4001000013"], other, true);

    expectReport(await sweep(second(dueAt)), second(dueAt));
    expect((await sql("SELECT identity_status FROM subscribers WHERE id = $1", [id]))[0].identity_status).toBe("VERIFIED");

    expectReport(await sweep(dueAt), dueAt, { subscribersExpired: 1, suspendedForPapers: 2 });
    const [s] = await sql("SELECT identity_status, status_reason FROM subscribers WHERE id = $1", [id]);
    expect(s.identity_status).toBe("EXPIRED");
    expect(s.status_reason).toContain("BUSINESS_LICENSE");
    expect(s.status_reason).toContain(expiry);
    expect(s.status_reason).not.toContain("HANDLER_ID");
    expect(await row("4001000010")).toMatchObject({ status: "SUSPENDED", suspension: "PAPERS", subscriberId: id, statusSince: dueAt });
    expect(await statuses(["4001000011", "4001000012", "4001000013"])).toEqual(["SUSPENDED", "PENDING_VERIFICATION", "ACTIVE"]);
    expect((await sql("SELECT identity_status FROM subscribers WHERE id = $1", [other]))[0].identity_status).toBe("VERIFIED");

    const flags = await sql("SELECT subscriber_id, kind, severity, key, detail FROM risk_flags WHERE subscriber_id = $1", [id]);
    expect(flags).toEqual([
      { subscriber_id: id, kind: "EXPIRED_DOCUMENT", severity: "MEDIUM", key: papers.BUSINESS_LICENSE, detail: expect.stringContaining("BUSINESS_LICENSE") },
    ]);
    expect(flags[0].detail).toContain(expiry);

    // SUSPENDED exactly suspensionDays (90) without re-verification: TERMINATED, then AGING in the same run.
    const terminatedAt = days(dueAt, 90);
    expectReport(await sweep(second(terminatedAt)), second(terminatedAt));
    expectReport(await sweep(terminatedAt), terminatedAt, { terminated: 2, aging: 2 });
    expect(await row("4001000010")).toMatchObject({ status: "AGING", subscriberId: null, agingDays: 90, reseller: "RS-A", statusSince: terminatedAt });

    // AGING for agingDays (90): SPARE, back in the carrier's pool.
    const spareAt = days(terminatedAt, 90);
    expectReport(await sweep(second(spareAt)), second(spareAt));
    expectReport(await sweep(spareAt), spareAt, { returnedToSpare: 2 });
    expect(await row("4001000011")).toMatchObject({ status: "SPARE", reseller: null, agingDays: null, subscriberId: null, statusSince: spareAt });
    expect(await feed("4001000010")).toEqual(["ACTIVE>SUSPENDED", "SUSPENDED>TERMINATED", "TERMINATED>AGING", "AGING>SPARE"]);
    const seen = await app.exec(CT_LN, NUMBER, { n: "4001000011" });
    expect(seen.data!.number).toMatchObject({ status: "SPARE", reseller: null });
  });

  it("a quarantined number (aging_days 180) ages 180 days; several expired papers are all named and flagged", async () => {
    const dueAt = "2032-01-10T00:00:00.000Z";
    const { id, papers } = await verifiedWithPapers(null, { LEGAL_REP_ID: "2032-01-09", VERIFICATION_VIDEO: "2032-01-10" });
    await assign(["4001000020", "4001000021"], id, true);
    // As a fraud shutdown or a revoked identity leaves it.
    await sql("UPDATE numbers SET aging_days = 180 WHERE number = '4001000020'");

    expectReport(await sweep(dueAt), dueAt, { subscribersExpired: 1, suspendedForPapers: 2 });
    const [s] = await sql("SELECT status_reason FROM subscribers WHERE id = $1", [id]);
    expect(s.status_reason).toMatch(/LEGAL_REP_ID.*2032-01-09.*VERIFICATION_VIDEO.*2032-01-10/);
    const flags = await sql("SELECT key FROM risk_flags WHERE subscriber_id = $1 ORDER BY key", [id]);
    expect(flags.map((f: { key: string }) => f.key)).toEqual([papers.LEGAL_REP_ID, papers.VERIFICATION_VIDEO].sort());

    const terminatedAt = days(dueAt, 90);
    expectReport(await sweep(terminatedAt), terminatedAt, { terminated: 2, aging: 2 });
    expect(await row("4001000020")).toMatchObject({ status: "AGING", agingDays: 180 });
    expect(await row("4001000021")).toMatchObject({ status: "AGING", agingDays: 90 });

    expectReport(await sweep(days(terminatedAt, 90)), days(terminatedAt, 90), { returnedToSpare: 1 });
    expect(await statuses(["4001000020", "4001000021"])).toEqual(["AGING", "SPARE"]);
    expectReport(await sweep(second(days(terminatedAt, 180))), second(days(terminatedAt, 180)));
    expectReport(await sweep(days(terminatedAt, 180)), days(terminatedAt, 180), { returnedToSpare: 1 });
    expect(await row("4001000020")).toMatchObject({ status: "SPARE", agingDays: null, reseller: null });
  });
});

describe("campaign hard deadlines", () => {
  it("suspend in-service numbers without a VERIFIED subscriber, only in the campaign's province", async () => {
    const opened = await app.exec(CA_GD, OPEN, {
      input: { name: "Guangdong real-name drive", province: "44", targets: [{ date: "2033-01-01", rate: 0.95 }, { date: "2033-02-01", rate: 1 }], hardDeadline: "2033-03-01" },
    });
    expect(opened.errors).toBeUndefined();
    const deadline = "2033-03-01T00:00:00.000Z";

    const unverified = await subscriber("SUBMITTED");
    await assign(["4004400001"], unverified); // Guangdong, pending: suspended
    await assign(["4001000030"], unverified); // Liaoning, pending: outside the campaign
    const { id: verified } = await verifiedWithPapers(null);
    await assign(["4004400002"], verified, true); // Guangdong, ACTIVE and verified: untouched
    const later = await subscriber("SUBMITTED");
    await assign(["4004400003"], later); // suspended, then verified within the 90 days

    expectReport(await sweep(second(deadline)), second(deadline));
    expectReport(await sweep(deadline), deadline, { suspendedAtDeadline: 2 });
    expect(await row("4004400001")).toMatchObject({ status: "SUSPENDED", suspension: "CAMPAIGN", subscriberId: unverified, statusSince: deadline });
    expect(await statuses(["4004400002", "4004400003", "4001000030"])).toEqual(["ACTIVE", "SUSPENDED", "PENDING_VERIFICATION"]);
    expect(await feed("4004400001")).toEqual(["PENDING_VERIFICATION>SUSPENDED"]);

    await sql("UPDATE subscribers SET identity_status = 'VERIFIED', verified_at = now(), verified_by = $2 WHERE id = $1", [later, org["CT-GD"]]);
    const terminatedAt = days(deadline, 90);
    expectReport(await sweep(terminatedAt), terminatedAt, { terminated: 1, aging: 1 });
    expect(await statuses(["4004400001", "4004400003", "4001000030"])).toEqual(["AGING", "SUSPENDED", "PENDING_VERIFICATION"]);

    expectReport(await sweep(days(terminatedAt, 90)), days(terminatedAt, 90), { returnedToSpare: 1 });
    expect(await feed("4004400001")).toEqual([
      "PENDING_VERIFICATION>SUSPENDED", "SUSPENDED>TERMINATED", "TERMINATED>AGING", "AGING>SPARE",
    ]);
  });
});

describe("a national campaign", () => {
  it("covers every province, and numbers without one (Liaoning and national numbers: Guangdong has a campaign of its own)", async () => {
    const published = await app.exec({ org: "CT", role: Role.CARRIER }, PUBLISH, { input: { rangeStart: "4009900000", rangeEnd: "4009900001" } });
    expect(published.data!.publishAllocation.created).toBe(2);
    const opened = await app.exec({ org: "MIIT", role: Role.REGULATOR }, OPEN, {
      input: { name: "National real-name drive", targets: [{ date: "2039-12-31", rate: 1 }], hardDeadline: "2040-01-01" },
    });
    expect(opened.errors).toBeUndefined();
    const unverified = await subscriber("DRAFT");
    await assign(["4001000070", "4009900000"], unverified);
    expect((await row("4009900000")).reseller).toBeNull();
    // Whatever else is pending without a verified owner (the other tests' numbers) is in scope too.
    const [{ n: inScope }] = await sql(
      `SELECT count(*)::int AS n FROM numbers n WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION')
         AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id AND s.identity_status = 'VERIFIED')`,
    );
    expect(inScope).toBeGreaterThanOrEqual(2);

    const deadline = "2040-01-01T00:00:00.000Z";
    expectReport(await sweep(second(deadline)), second(deadline));
    expectReport(await sweep(deadline), deadline, { suspendedAtDeadline: inScope });
    expect(await statuses(["4001000070", "4009900000"])).toEqual(["SUSPENDED", "SUSPENDED"]);
  });
});

describe("once, and once only", () => {
  it("an expired paper's open flag is not raised twice, and a run that only expires a subscriber is audited", async () => {
    const at = "2037-01-01T00:00:00.000Z";
    const { id, papers } = await verifiedWithPapers(null, { HANDLER_ID: "2037-01-01" });
    const events = await auditCount(app.dataSource);
    expectReport(await sweep(at), at, { subscribersExpired: 1 });
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    const [event] = await sql("SELECT operation, targets FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ operation: "sweep", targets: [id] });

    // Submitted and verified again (by hand, as a carrier might wrongly do) with the same expired paper: expired again, one flag.
    await sql("UPDATE subscribers SET identity_status = 'SUBMITTED' WHERE id = $1", [id]);
    await sql("UPDATE subscribers SET identity_status = 'VERIFIED' WHERE id = $1", [id]);
    expectReport(await sweep(days(at, 1)), days(at, 1), { subscribersExpired: 1 });
    expect(await sql("SELECT key FROM risk_flags WHERE subscriber_id = $1", [id])).toEqual([{ key: papers.HANDLER_ID }]);
  });


  it("running twice as of the same time changes nothing the second time and writes one audit event", async () => {
    const at = "2034-01-01T00:00:00.000Z";
    await reserve(["4001000040", "4001000041"], at);
    const before = await auditCount(app.dataSource);

    expectReport(await sweep(at), at, { reservationsLapsed: 2 });
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    const [event] = await sql("SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toMatchObject({
      actor: "sweeper", org_code: null, role: "SYSTEM", operation: "sweep", outcome: "SUCCESS", request_id: null,
      targets: ["4001000040", "4001000041"], input_digest: inputDigest(app.config.piiKey, { now: new Date(at) }),
    });

    expectReport(await sweep(at), at);
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    expect((await new AuditService(app.dataSource).verify()).ok).toBe(true);
  });

  it("by default sweeps as of the database clock, where nothing here is due", async () => {
    const events = await auditCount(app.dataSource);
    const report = await sweep();
    expect(Math.abs(report.at.getTime() - Date.now())).toBeLessThan(60_000);
    expect({ ...report, at: undefined }).toEqual({ ...NOTHING, at: undefined });
    expect(await auditCount(app.dataSource)).toBe(events);
  });

  it("two runs at once, as from two server instances, do the work once", async () => {
    const at = "2035-01-01T00:00:00.000Z";
    const numbers = ["4001000050", "4001000051", "4001000052", "4001000053", "4001000054"];
    await reserve(numbers, at);
    const { id } = await verifiedWithPapers(null, { SECURITY_COMMITMENT: "2035-01-01" });
    await assign(["4001000055"], id, true);
    const seq = await lastFeedSeq();
    const events = await auditCount(app.dataSource);

    // On PostgreSQL the second instance has a connection pool of its own.
    const url = (app.dataSource.options as { url?: string }).url;
    const other: DataSource = url ? await openDatabase({ databaseUrl: url, dataDir: null, dbPoolSize: 2 }) : app.dataSource;
    try {
      const reports = await Promise.all([
        app.server.services.sweeps.run(new Date(at)),
        new SweepService(other, app.config).run(new Date(at)),
      ]);
      const sum = (key: keyof typeof NOTHING) => reports.reduce((n, r) => n + r[key], 0);
      expect({ lapsed: sum("reservationsLapsed"), expired: sum("subscribersExpired"), suspended: sum("suspendedForPapers") }).toEqual({
        lapsed: 5, expired: 1, suspended: 1,
      });
      expect(reports.filter((r) => movedIn(r) === 0)).toHaveLength(1);
    } finally {
      if (other !== app.dataSource) await other.destroy();
    }
    const fed = await sql("SELECT number, cause FROM number_changes WHERE seq > $1 ORDER BY number", [seq]);
    expect(fed).toEqual([...numbers, "4001000055"].map((number) => ({ number, cause: "SWEEP" })));
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    expect(await sql("SELECT count(*)::int AS n FROM risk_flags WHERE subscriber_id = $1", [id])).toEqual([{ n: 1 }]);

    // Leave nothing due for the other tests: terminate, age and return the suspended number.
    await sweep(days(at, 90));
    await sweep(days(at, 180));
    expect(await statuses(["4001000055"])).toEqual(["SPARE"]);
  });
});

describe("npm run sweep", () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    let opened = 0;
    let closed = 0;
    const io: SweepCommandIo = {
      async open() {
        opened += 1;
        return { dataSource: app.dataSource, config: app.config, close: async () => void (closed += 1) };
      },
      out: (line) => out.push(...line.split("\n")),
      err: (line) => err.push(...line.split("\n")),
    };
    const code = await sweepCommand(argv, io);
    return { code, out, err, opened, closed };
  };

  it("with --now sweeps as of that time and prints one line per step, then closes the database", async () => {
    await reserve(["4001000060"], "2036-01-01T00:00:00Z");
    const result = await run(["--now", "2036-01-01T08:00:00+08:00"]);
    expect(result).toMatchObject({ code: 0, err: [], opened: 1, closed: 1 });
    expect(result.out[0]).toBe("sweep as of 2036-01-01T00:00:00.000Z (--now)");
    expect(result.out.slice(1, 10)).toEqual([
      expect.stringMatching(/^ {2}reservations lapsed \(RESERVED → SPARE\) +1$/),
      expect.stringMatching(/^ {2}subscribers whose papers expired .* +0$/),
      expect.stringMatching(/^ {2}suspended for expired papers .* +0$/),
      expect.stringMatching(/^ {2}suspended, the deposit not received in its grace .* +0$/),
      expect.stringMatching(/^ {2}suspended at a campaign's hard deadline .* +0$/),
      expect.stringMatching(/^ {2}returned to the reseller unverified \(PENDING_VERIFICATION → SPARE\) +0$/),
      expect.stringMatching(/^ {2}terminated .* +0$/),
      expect.stringMatching(/^ {2}aging .* +0$/),
      expect.stringMatching(/^ {2}returned to spare .* +0$/),
    ]);
    expect(result.out[10]).toContain("1 changes");
    expect(await statuses(["4001000060"])).toEqual(["SPARE"]);

    const again = await run(["--now=2036-01-01T00:00:00Z"]);
    expect(again.code).toBe(0);
    expect(again.out.at(-1)).toBe("nothing was due");
  });

  it.each([
    [["--now", "tomorrow"]],
    [["--now", "2036-02-30T00:00:00Z"]],
    [["--now", "2036-01-01"]],
    [["--now", "2036-01-01T00:00:00"]],
    [["--now", "2036-01-01T24:00:00Z"]],
    [["--now"]],
    [["--at", "2036-01-01T00:00:00Z"]],
    [["2036-01-01T00:00:00Z"]],
  ])("%j is a clear error, exit 2, and nothing is opened", async (argv) => {
    const result = await run(argv);
    expect(result).toMatchObject({ code: 2, out: [], opened: 0 });
    expect(result.err[0]).toMatch(/--now must be an ISO-8601 time|unknown option --at|unexpected argument/);
    expect(result.err.join("\n")).toContain("usage: npm run sweep");
  });

  it("--help prints the usage", async () => {
    const result = await run(["--help"]);
    expect(result).toMatchObject({ code: 0, opened: 0 });
    expect(result.out[0]).toContain("usage: npm run sweep -- [--now <ISO time>]");
  });

  it("reads times with their zone only", () => {
    expect(parseInstant("2036-01-01T08:00+08:00")?.toISOString()).toBe("2036-01-01T00:00:00.000Z");
    expect(parseInstant("2036-01-01T00:00:00.123456Z")?.toISOString()).toBe("2036-01-01T00:00:00.123Z");
    expect(parseInstant("2036-01-01T00:00:00-0500")?.toISOString()).toBe("2036-01-01T05:00:00.000Z");
    expect(parseInstant("2036-01-01 00:00:00Z")).toBeNull();
    expect(parseInstant("2035-02-29T00:00:00Z")).toBeNull();
    expect(parseInstant("2036-02-29T00:00:00Z")?.toISOString()).toBe("2036-02-29T00:00:00.000Z");
    expect(formatReport({ at: new Date(0), ...NOTHING }, "database clock")[0]).toBe("sweep as of 1970-01-01T00:00:00.000Z (database clock)");
  });
});

describe("the schedule", () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const quietLog = () => ({ debug: jest.fn(), info: jest.fn(), error: jest.fn() });
  const report = (counts: Partial<SweepReport> = {}): SweepReport => ({ at: new Date(), ...NOTHING, ...counts });

  it("interval 0 is off", async () => {
    const service = { run: jest.fn(async () => report()) };
    const stop = startSweepSchedule(service, 0, quietLog());
    await wait(50);
    await stop();
    expect(service.run).not.toHaveBeenCalled();
  });

  it("never overlaps in one process, logs failures without throwing, and stop waits for the running sweep", async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    let finished = 0;
    const service = {
      run: jest.fn(async () => {
        calls += 1;
        running += 1;
        most = Math.max(most, running);
        await wait(60);
        running -= 1;
        finished += 1;
        if (calls === 1) throw new Error("database unreachable");
        return report({ reservationsLapsed: 1 });
      }),
    };
    const log = quietLog();
    const stop = startSweepSchedule(service, 0.01, log);
    await wait(250);
    await stop();
    expect(most).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(finished).toBe(calls);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), expect.stringContaining("sweep failed"));
    expect(log.info).toHaveBeenCalled();
    await wait(50);
    expect(service.run).toHaveBeenCalledTimes(calls);
  });
});

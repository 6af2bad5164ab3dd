import { SnapshotCommandIo, snapshotCommand } from "../../src/cli/snapshot";
import { MAX_HISTORY_DAYS } from "../../src/modules/compliance/compliance";
import { startSweepSchedule } from "../../src/modules/sweeps";
import { ComplianceSnapshotSource, SnapshotRefused } from "../../src/modules/compliance/compliance-snapshots";
import { Role } from "../../src/shared/auth/roles";
import { addDays, chinaDayOf, chinaDayStart, daysBetween, utcDayOf } from "../../src/shared/dates";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { As, TestApp, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT_ZJ = { org: "CT-ZJ", role: Role.CARRIER } as const;
const CM_GD = { org: "CM-GD", role: Role.CARRIER } as const;
const CARRIERS = [CT_LN, CT_ZJ, CM_GD] as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const RS_B = { org: "RS-B", role: Role.RESELLER } as const;
const RESELLERS = [RS_A, RS_B] as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CC = { org: "CC-1", role: Role.CALL_CENTER } as const;
const FIRST: Record<string, number> = { "CT-LN": 4008300000, "CT-ZJ": 4008400000, "CM-GD": 4008500000 };
const PER_CARRIER = 40;
const HOUR = 3_600_000;

const FIGURES = `inService verified realNameRate suspended forceStopped complaints campaignName targetDate target gap daysToTarget`;
const ROWS = `rows { carrierCode province resellerCode ${FIGURES} } totals { ${FIGURES} }`;
const REPORT = `query($groupBy: [ComplianceDimension!]!, $filter: ComplianceFilter, $asOf: String) {
  complianceReport(groupBy: $groupBy, filter: $filter, asOf: $asOf) { ${ROWS} at } }`;
const HISTORY = `query($groupBy: [ComplianceDimension!]!, $filter: ComplianceFilter, $from: String!, $to: String!) {
  complianceHistory(groupBy: $groupBy, filter: $filter, from: $from, to: $to) { date ${ROWS} at source } }`;

let app: TestApp;
/** Today in China Standard Time, when the file started: every day below is counted from it. */
let today: string;

/** A small deterministic generator, so a failure replays with the same seed. */
function prng(seed: number) {
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    x = (x ^ (x >>> 12)) >>> 0;
    return x / 2 ** 32;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)], int: (n: number) => Math.floor(next() * n) };
}

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** An operation that may be refused in a random sequence (CONFLICT, FORBIDDEN...), but never fails. */
async function attempt(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect([query, codes(body).filter((c) => c === "INTERNAL_SERVER_ERROR")]).toEqual([query, []]);
  return body;
}

let subscriberSeq = 0;
async function registered(reseller: As): Promise<string> {
  subscriberSeq += 1;
  const n = String(subscriberSeq).padStart(6, "0");
  const id = (body: string) => body + residentIdCheckCharacter(body);
  const { registerSubscriber } = await ok(reseller, `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id } }`, {
    input: {
      name: `History Test ${n} Ltd.`, uscc: `91210102MB${n}X` + usccCheckCharacter(`91210102MB${n}X`),
      legalRep: { name: "Rep", idNumber: id(`21010219800202${String(subscriberSeq % 1000).padStart(3, "0")}`) },
      handler: { name: "Handler", idNumber: id(`21010219900303${String((subscriberSeq + 500) % 1000).padStart(3, "0")}`) },
      landline: "02400000001", address: "Shenyang", businessScope: "Trade", declaredUse: "Hotline",
    },
  });
  return registerSubscriber.id;
}

/** A registered subscriber with its papers and call-back: ready to be submitted and approved. */
async function readySubscriber(reseller: As): Promise<string> {
  const sid = await registered(reseller);
  for (const [i, kind] of ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"].entries()) {
    await ok(reseller, `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`, {
      id: sid, input: { kind, sha256: `${subscriberSeq}e${i}`.padStart(64, "b"), mediaType: "application/pdf", sizeBytes: 10, storageUri: `s3://h/${sid}/${i}` },
    });
  }
  await ok(reseller, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_CALLBACK, outcome: PASSED }) { id } }`, { id: sid });
  return sid;
}

async function snapshotAt(at: Date) {
  return app.server.services.complianceSnapshots.take(at);
}

async function sql<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
  return app.dataSource.query(text, values);
}

beforeAll(async () => {
  // Reports come through a trusted loopback proxy from an address per step: one address reports a number once a day.
  app = await startTestApp({ env: { REPORT_LIMIT: "1000", TRUST_PROXY: "loopback" } });
  today = chinaDayOf(new Date());
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CT-ZJ", name: "China Telecom Zhejiang", kind: "CARRIER", parentCode: "CT", province: "33" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CM-GD", name: "China Mobile Guangdong", kind: "CARRIER", parentCode: "CM", province: "44" },
    { code: "CU", name: "China Unicom", kind: "CARRIER" },
    { code: "CU-YN", name: "China Unicom Yunnan", kind: "CARRIER", parentCode: "CU", province: "53" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER", province: "33" },
    { code: "RS-C", name: "Agent C", kind: "RESELLER", province: "53" },
    { code: "CC-1", name: "Call centre", kind: "CALL_CENTER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning CA", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  for (const carrier of CARRIERS) {
    const first = FIRST[carrier.org];
    await ok(carrier, `mutation($s: String!, $e: String!) { publishAllocation(input: { rangeStart: $s, rangeEnd: $e }) { created } }`, {
      s: String(first), e: String(first + PER_CARRIER - 1),
    });
    for (const [r, reseller] of RESELLERS.entries()) {
      const numbers = Array.from({ length: 15 }, (_, i) => String(first + r * 15 + i));
      await ok(carrier, `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated } }`, { input: { numbers, resellerCode: reseller.org } });
    }
  }
});
afterAll(() => app.close());

/** What a history's day must equal: the day's report, with daysToTarget counted from the snapshot's moment instead of the report's. */
function asOfMoment(report: { rows: any[]; totals: any; at: string }, snapshotAt: Date) {
  const shift = daysBetween(utcDayOf(snapshotAt), utcDayOf(new Date(report.at)));
  const moved = (x: any) => ({ ...x, daysToTarget: x.daysToTarget === null ? null : x.daysToTarget + shift });
  return { rows: report.rows.map(moved), totals: moved(report.totals) };
}

describe("complianceHistory equals the day's complianceReport", () => {
  // Who reads, grouped how: the national regulator every way, a provincial one its province (and nothing of another).
  const VIEWS: { as: As; groupBy: string[]; filter?: Record<string, string> }[] = [
    { as: MIIT, groupBy: ["CARRIER", "PROVINCE"] },
    { as: MIIT, groupBy: ["PROVINCE", "RESELLER"] },
    { as: MIIT, groupBy: ["CARRIER", "PROVINCE", "RESELLER"] },
    { as: MIIT, groupBy: [] },
    { as: MIIT, groupBy: ["RESELLER"], filter: { carrierCode: "CT" } },
    { as: CA_LN, groupBy: ["CARRIER", "RESELLER"] },
    { as: CA_LN, groupBy: ["PROVINCE"], filter: { province: "33" } },
  ];

  it("for every snapshot, over 30 days of random operations with the clock moved a day at a time", async () => {
    const seed = 20261116;
    const random = prng(seed);
    const subscribers: { id: string; reseller: As; approved: boolean }[] = [];
    for (const reseller of RESELLERS) for (let i = 0; i < 4; i++) subscribers.push({ id: await readySubscriber(reseller), reseller, approved: false });
    const orders: string[] = [];
    const counts: Record<string, number> = {};
    const numberOf = () => {
      const carrier = random.pick(CARRIERS);
      return { carrier, number: String(FIRST[carrier.org] + random.int(PER_CARRIER)) };
    };
    const inService = async (): Promise<{ number: string; code: string }[]> =>
      sql(`SELECT n.number, c.code FROM numbers n JOIN organizations c ON c.id = n.carrier_id
            WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION') ORDER BY n.number`);

    const operation = async (step: string) => {
      const op = random.pick(["assign", "assign", "assign", "approve", "suspend", "lift-suspension", "stop", "lift", "acknowledge", "terminate", "revoke", "report", "report"] as const);
      counts[op] = (counts[op] ?? 0) + 1;
      const { carrier, number } = numberOf();
      switch (op) {
        case "assign": {
          const s = random.pick(subscribers);
          await attempt(s.reseller, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: s.id });
          break;
        }
        case "approve": {
          const s = random.pick(subscribers.filter((x) => !x.approved));
          if (!s) break;
          const [holder] = await sql(
            `SELECT c.code FROM numbers n JOIN organizations c ON c.id = n.carrier_id WHERE n.subscriber_id = $1 ORDER BY n.number LIMIT 1`, [s.id],
          );
          if (!holder) break;
          const approver = { org: holder.code as string, role: Role.CARRIER } as const;
          await attempt(approver, `mutation($id: ID!) { recordCheck(subscriberId: $id, input: { kind: LANDLINE_RECHECK, outcome: PASSED }) { id } }`, { id: s.id });
          await attempt(s.reseller, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
          const body = await attempt(approver, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id: s.id });
          s.approved = !body.errors;
          break;
        }
        case "suspend": {
          const candidates = await inService();
          if (candidates.length === 0) break;
          await attempt(MIIT, `mutation($n: String!) { suspendNumber(number: $n, reason: "history test") { status } }`, { n: random.pick(candidates).number });
          break;
        }
        case "lift-suspension": {
          const [suspended] = await sql(`SELECT number FROM numbers WHERE status = 'SUSPENDED' AND suspension = 'REGULATOR' ORDER BY number LIMIT 1`);
          if (suspended) await attempt(MIIT, `mutation($n: String!) { liftSuspension(number: $n, reason: "history test") { status } }`, { n: suspended.number });
          break;
        }
        case "stop": {
          const { issueShutdownOrder } = await ok(MPS, `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id } }`, {
            input: { numbers: [number, numberOf().number], caseNumber: `H-${step}`, legalBasis: "Article 21", reason: random.pick(["TELECOM_FRAUD", "HARASSMENT"]), note: "" },
          });
          orders.push(issueShutdownOrder.id);
          break;
        }
        case "lift":
          if (orders.length) await attempt(MPS, `mutation($id: ID!) { liftShutdownOrder(orderId: $id, reason: "lifted in the test") { status } }`, { id: orders.splice(random.int(orders.length), 1)[0] });
          break;
        case "acknowledge":
          if (orders.length) await attempt(carrier, `mutation($id: ID!) { acknowledgeShutdown(orderId: $id) { id } }`, { id: random.pick(orders) });
          break;
        case "terminate":
          await attempt(carrier, `mutation($n: String!) { syncNumbers(input: { idempotencyKey: "${step}-t", numbers: [{ number: $n, status: TERMINATED }] }) { updated } }`, { n: number });
          break;
        case "revoke":
          if (random.int(3) === 0) await attempt(MIIT, `mutation($id: ID!) { revokeSubscriber(subscriberId: $id, reason: "borrowed papers") { identityStatus } }`, { id: random.pick(subscribers).id });
          break;
        case "report": {
          const res = await app.request.post("/graphql").set("content-type", "application/json").set("x-forwarded-for", `10.9.${random.int(250)}.${random.int(250)}`)
            .send({ query: `mutation($n: String!) { reportNumber(input: { number: $n, category: FRAUD }) { id } }`, variables: { n: number } });
          expect(codes(res.body).filter((c) => c !== "CONFLICT")).toEqual([]);
          break;
        }
      }
    };

    const base = addDays(today, -31);
    const days = Array.from({ length: 30 }, (_, k) => addDays(base, k + 1));
    const skipped = days[16];
    const live = new Map<string, { at: Date; source: ComplianceSnapshotSource; reports: any[] }>();
    for (const [k, day] of days.entries()) {
      // Campaigns opened along the way: a snapshot keeps the targets in force on its day.
      if (k === 9) {
        await ok(MIIT, `mutation($t: String!, $d: String!) { openCampaign(input: { name: "National drive", targets: [{ date: $t, rate: 0.9 }, { date: $d, rate: 1 }], hardDeadline: $d }) { id } }`, {
          t: addDays(today, 200), d: addDays(today, 400),
        });
      }
      if (k === 19) {
        await ok(CA_LN, `mutation($t: String!) { openCampaign(input: { name: "Liaoning drive", province: "21", targets: [{ date: $t, rate: 0.95 }], hardDeadline: $t }) { id } }`, {
          t: addDays(today, 300),
        });
      }
      const at = new Date(chinaDayStart(day).getTime() + random.int(24 * 60) * 60_000);
      for (let i = 0, n = 3 + random.int(5); i < n; i++) await operation(`${k}-${i}`);
      if (day === skipped) continue;
      if (random.int(4) === 0) {
        // An earlier snapshot the same day: the day's last one stands.
        await snapshotAt(new Date(chinaDayStart(day).getTime() + random.int(at.getTime() - chinaDayStart(day).getTime() + 1)));
        await operation(`${k}-late`);
      }
      // The three ways a snapshot is taken: the sweep schedule's run (after the sweep), the command, the service.
      let source = ComplianceSnapshotSource.COMMAND;
      if (k % 3 === 0) {
        await app.server.services.sweeps.run(at, { snapshot: true });
        source = ComplianceSnapshotSource.SCHEDULE;
      } else if (k % 3 === 1) {
        const io: SnapshotCommandIo = { open: async () => ({ dataSource: app.dataSource, close: async () => undefined }), out: () => undefined, err: (l) => { throw new Error(l); } };
        expect(await snapshotCommand(["--now", at.toISOString()], io)).toBe(0);
      } else {
        await snapshotAt(at);
      }
      // The report of that day, read as any regulator reads it.
      const reports = [];
      for (const view of VIEWS) reports.push((await ok(view.as, REPORT, { groupBy: view.groupBy, filter: view.filter })).complianceReport);
      live.set(day, { at, source, reports });
    }

    for (const [v, view] of VIEWS.entries()) {
      const { complianceHistory } = await ok(view.as, HISTORY, { groupBy: view.groupBy, filter: view.filter, from: days[0], to: days[29] });
      expect(complianceHistory.map((d: any) => d.date)).toEqual(days.filter((d) => d !== skipped));
      for (const entry of complianceHistory) {
        const day = live.get(entry.date)!;
        const expected = asOfMoment(day.reports[v], day.at);
        expect({ seed, view: v, date: entry.date, rows: entry.rows, totals: entry.totals })
          .toEqual({ seed, view: v, date: entry.date, ...expected });
        expect([entry.at, entry.source]).toEqual([day.at.toISOString(), day.source]);
      }
    }
    // complianceReport(asOf) reads the same snapshot.
    for (const day of [days[0], days[12], days[29]]) {
      const { complianceReport } = await ok(MIIT, REPORT, { groupBy: VIEWS[2].groupBy, asOf: day });
      const { at, reports } = live.get(day)!;
      expect(complianceReport).toEqual({ ...asOfMoment(reports[2], at), at: at.toISOString() });
    }
    expect(codes(await app.exec(MIIT, REPORT, { groupBy: ["CARRIER"], asOf: skipped }))).toEqual(["NOT_FOUND"]);

    // The sequence did something worth comparing: figures changed, campaigns appeared, stops and suspensions happened.
    expect(Object.keys(counts).sort()).toEqual(["acknowledge", "approve", "assign", "lift", "lift-suspension", "report", "revoke", "stop", "suspend", "terminate"]);
    const national = [...live.values()].map((d) => d.reports[3].totals);
    expect(new Set(national.map((t) => `${t.inService}/${t.verified}`)).size).toBeGreaterThan(5);
    expect(national.some((t) => t.forceStopped > 0) && national.some((t) => t.suspended > 0) && national.some((t) => t.complaints > 0)).toBe(true);
    expect(national[0].campaignName).toBeNull();
    expect(national.at(-1).campaignName).toBe("National drive");
  });
});

describe("taking a snapshot", () => {
  it("twice as of the same moment changes nothing; again later the same day replaces the day's figures, a group gone included", async () => {
    const day = addDays(today, -45);
    const at = new Date(chinaDayStart(day).getTime() + 9 * HOUR);
    // A group of its own: a Yunnan number of RS-C waiting for its subscriber's verification.
    const CU_YN = { org: "CU-YN", role: Role.CARRIER } as const;
    const RS_C = { org: "RS-C", role: Role.RESELLER } as const;
    await ok(CU_YN, `mutation { publishAllocation(input: { rangeStart: "4008600000", rangeEnd: "4008600009" }) { created } }`);
    await ok(CU_YN, `mutation { wholesaleNumbers(input: { numbers: ["4008600000", "4008600001"], resellerCode: "RS-C" }) { updated } }`);
    const sid = await registered(RS_C);
    await ok(RS_C, `mutation($id: ID!) { assignNumber(number: "4008600000", subscriberId: $id) { status } }`, { id: sid });

    const first = await snapshotAt(at);
    expect(first).toMatchObject({ day, at, source: ComplianceSnapshotSource.COMMAND });
    const rowsOf = () => sql(`SELECT s.*, s.xmin::text AS version FROM compliance_snapshots s WHERE day = $1 ORDER BY carrier_id, province, reseller_id`, [day]);
    const before = await rowsOf();
    expect(before.length).toBe(first.groups);
    await snapshotAt(at);
    expect(await rowsOf()).toEqual(before); // same figures, not even rewritten

    const yunnan = { groupBy: ["CARRIER", "PROVINCE", "RESELLER"], filter: { carrierCode: "CU" }, from: day, to: day };
    expect((await ok(MIIT, HISTORY, yunnan)).complianceHistory[0].rows).toEqual([
      expect.objectContaining({ carrierCode: "CU", province: "53", resellerCode: "RS-C", inService: 1, verified: 0 }),
    ]);
    // Later that day the number goes back to the reseller's stock: the group leaves the figures, and the day's last snapshot stands.
    await ok(RS_C, `mutation { unassignNumber(number: "4008600000", reason: "assigned by mistake") { status } }`);
    const later = new Date(at.getTime() + 5 * HOUR);
    await snapshotAt(later);
    const [entry] = (await ok(MIIT, HISTORY, yunnan)).complianceHistory;
    expect(entry).toMatchObject({ date: day, rows: [], totals: { inService: 0, verified: 0, complaints: 0 }, at: later.toISOString() });
    const [zeroed] = await sql(`SELECT in_service::int AS n FROM compliance_snapshots s JOIN organizations c ON c.id = s.carrier_id WHERE day = $1 AND c.code = 'CU-YN'`, [day]);
    expect(zeroed).toEqual({ n: 0 }); // replaced in place: a snapshot row is never deleted
    const [{ days }] = await sql(`SELECT count(*)::int AS days FROM compliance_snapshot_days WHERE day = $1`, [day]);
    expect(days).toBe(1);
    // The day's figures are the report's now.
    const now = (await ok(MIIT, REPORT, { groupBy: ["CARRIER", "PROVINCE"] })).complianceReport;
    expect((await ok(MIIT, REPORT, { groupBy: ["CARRIER", "PROVINCE"], asOf: day })).complianceReport).toEqual({ ...asOfMoment(now, later), at: later.toISOString() });
  });

  it("once across instances: two servers' scheduled runs at the same time leave one snapshot of today", async () => {
    const other = await app.withServer({});
    try {
      await Promise.all([app.server.services.sweeps.run(undefined, { snapshot: true }), other.server.services.sweeps.run(undefined, { snapshot: true })]);
      const [header] = await sql(`SELECT day::text AS day, source FROM compliance_snapshot_days WHERE day = $1`, [today]);
      expect(header).toEqual({ day: today, source: "SCHEDULE" });
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM compliance_snapshots_carrier WHERE day = $1 AND in_service > 0`, [today]);
      const [{ live }] = await sql(`SELECT count(*)::int AS live FROM compliance_rollup_carrier WHERE in_service > 0`);
      expect(n).toBe(live);
    } finally {
      await other.close();
    }
  });

  it("the server's sweep schedule takes today's snapshot after each run", async () => {
    const [{ before }] = await sql(`SELECT now() AS before`);
    const failures: unknown[] = [];
    const stop = startSweepSchedule(app.server.services.sweeps, 0.05, { debug: () => undefined, info: () => undefined, error: (e: unknown) => void failures.push(e) });
    try {
      // Waits for the condition, not for a time: the schedule's first runs.
      for (let i = 0; i < 400; i++) {
        const [taken] = await sql(`SELECT source FROM compliance_snapshot_days WHERE day = $1 AND taken_at >= $2`, [today, before]);
        if (taken) {
          expect([taken, failures]).toEqual([{ source: "SCHEDULE" }, []]);
          return;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error("the schedule took no snapshot");
    } finally {
      await stop();
    }
  });

  it("never for a day that has not begun", async () => {
    await expect(snapshotAt(chinaDayStart(addDays(today, 2)))).rejects.toBeInstanceOf(SnapshotRefused);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM compliance_snapshot_days WHERE day > $1`, [today]);
    expect(n).toBe(0);
  });

  it("npm run snapshot: --now with its zone, a clear error otherwise, and what it recorded", async () => {
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      let opened = 0;
      let closed = 0;
      const io: SnapshotCommandIo = {
        open: async () => ((opened += 1), { dataSource: app.dataSource, close: async () => void (closed += 1) }),
        out: (line) => out.push(...line.split("\n")),
        err: (line) => err.push(...line.split("\n")),
      };
      return { code: await snapshotCommand(argv, io), out, err, opened, closed };
    };
    const day = addDays(today, -70);
    const done = await run(["--now", `${day}T23:30:00+08:00`]);
    expect(done).toMatchObject({ code: 0, err: [], opened: 1, closed: 1 });
    expect(done.out[0]).toBe(`compliance snapshot of ${day} (China Standard Time) as of ${new Date(`${day}T15:30:00Z`).toISOString()} (--now)`);
    expect(done.out[1]).toMatch(/^ {2}\d+ groups \(carrier, province, reseller\); \d+ numbers in service, \d+ verified/);
    for (const argv of [["--now", "2030-01-01"], ["--now", "tomorrow"], ["--at", "2030-01-01T00:00:00Z"], ["--now"]]) {
      const bad = await run(argv);
      expect(bad).toMatchObject({ code: 2, out: [], opened: 0 });
      expect(bad.err.join("\n")).toContain("usage: npm run snapshot");
    }
    const future = await run(["--now", `${addDays(today, 3)}T00:00:00+08:00`]);
    expect(future).toMatchObject({ code: 2, opened: 1, closed: 1 });
    expect(future.err[0]).toMatch(/has not begun/);
    expect((await run(["--help"])).out[0]).toContain("usage: npm run snapshot -- [--now <ISO time>]");
  });
});

describe("retention", () => {
  it("the database refuses deleting a snapshot younger than three years, truncating, or moving a row; an older one may go", async () => {
    const young = addDays(today, -400);
    await snapshotAt(new Date(chinaDayStart(young).getTime() + HOUR));
    for (const table of ["compliance_snapshots", "compliance_snapshots_carrier"]) {
      await expect(sql(`DELETE FROM ${table} WHERE day = $1`, [young])).rejects.toThrow(/refused: the compliance snapshot of .* is kept until/);
      await expect(sql(`TRUNCATE ${table}`)).rejects.toThrow(/TRUNCATE on .* refused/);
      await expect(sql(`UPDATE ${table} SET day = day - 1 WHERE day = $1`, [young])).rejects.toThrow(/its day never changes/);
    }
    await expect(sql(`UPDATE compliance_snapshots SET province = 'xx' WHERE day = $1`, [young])).rejects.toThrow(/its province never changes/);
    await expect(sql(`DELETE FROM compliance_snapshot_days WHERE day = $1`, [young])).rejects.toThrow(/kept until/);
    await expect(sql(`TRUNCATE compliance_snapshot_days CASCADE`)).rejects.toThrow(/refused/);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM compliance_snapshots_carrier WHERE day = $1`, [young]);
    expect(n).toBeGreaterThan(0);

    // Three years and a day old: it may be deleted (rows first, then the day).
    const old = addDays(today, -(3 * 365 + 2));
    await snapshotAt(new Date(chinaDayStart(old).getTime() + HOUR));
    await sql(`DELETE FROM compliance_snapshots WHERE day = $1`, [old]);
    await sql(`DELETE FROM compliance_snapshots_carrier WHERE day = $1`, [old]);
    await sql(`DELETE FROM compliance_snapshot_days WHERE day = $1`, [old]);
    expect(await sql(`SELECT day FROM compliance_snapshot_days WHERE day = $1`, [old])).toEqual([]);
  });
});

describe("arguments and permissions", () => {
  const history = (as: As, from: string, to: string, groupBy = ["PROVINCE"]) => app.exec(as, HISTORY, { groupBy, from, to });

  it("days are real YYYY-MM-DD days, to is not before from, a request spans at most 1,100 days; asOf is no future day", async () => {
    for (const [from, to] of [["2026-02-30", "2026-03-01"], ["yesterday", "2026-03-01"], ["2026-1-1", "2026-03-01"], ["2026-03-01", "2026-03-01T00:00:00Z"], ["x".repeat(5000), "2026-03-01"]]) {
      expect([from.slice(0, 20), to, codes(await history(MIIT, from, to))]).toEqual([from.slice(0, 20), to, ["BAD_USER_INPUT"]]);
    }
    expect(codes(await history(MIIT, "2026-03-02", "2026-03-01"))).toEqual(["BAD_USER_INPUT"]);
    const start = addDays(today, -MAX_HISTORY_DAYS);
    expect(codes(await history(MIIT, start, today))).toEqual(["BAD_USER_INPUT"]); // 1,101 days
    expect(await history(MIIT, addDays(start, 1), today)).toMatchObject({ data: { complianceHistory: expect.any(Array) } });
    expect((await history(MIIT, "1999-01-01", "1999-12-31")).data!.complianceHistory).toEqual([]);
    expect((await history(MIIT, "9999-12-01", "9999-12-31")).data!.complianceHistory).toEqual([]); // the calendar's ends
    expect((await history(MIIT, "1000-01-01", "1000-01-31")).data!.complianceHistory).toEqual([]);
    expect(codes(await history(MIIT, today, today, ["CARRIER", "CARRIER"]))).toEqual(["BAD_USER_INPUT"]);

    for (const asOf of ["2026-02-30", "20260301", addDays(today, 1), "9999-12-31"]) {
      expect([asOf, codes(await app.exec(MIIT, REPORT, { groupBy: ["CARRIER"], asOf }))]).toEqual([asOf, ["BAD_USER_INPUT"]]);
    }
    expect(codes(await app.exec(MIIT, REPORT, { groupBy: ["CARRIER"], asOf: "1999-06-30" }))).toEqual(["NOT_FOUND"]);
  });

  it("regulators and carriers read them, each within its reach: a provincial administration its province, a carrier its numbers", async () => {
    // Numbers waiting in three provinces, whatever else ran before.
    const sid = await registered(RS_A);
    for (const carrier of CARRIERS) {
      const number = String(FIRST[carrier.org] + 100);
      await ok(carrier, `mutation($n: String!) { publishAllocation(input: { rangeStart: $n, rangeEnd: $n }) { created } }`, { n: number });
      await ok(carrier, `mutation($n: String!) { wholesaleNumbers(input: { numbers: [$n], resellerCode: "RS-A" }) { updated } }`, { n: number });
      await ok(RS_A, `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { status } }`, { n: number, id: sid });
    }
    const day = addDays(today, -90);
    await snapshotAt(new Date(chinaDayStart(day).getTime() + 12 * HOUR));
    for (const as of [RS_A, MPS, CC, ADMIN, null] as As[]) {
      expect(codes(await history(as, day, day))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, REPORT, { groupBy: ["PROVINCE"], asOf: day }))).toEqual(["FORBIDDEN"]);
    }
    const national = (await history(MIIT, day, day, ["PROVINCE", "RESELLER"])).data!.complianceHistory[0];
    // The carrier's day: its own numbers only, the same rows the regulator's day has for it.
    const own = (await history(CT_LN, day, day, ["CARRIER", "PROVINCE"])).data!.complianceHistory[0];
    const all = (await history(MIIT, day, day, ["CARRIER", "PROVINCE"])).data!.complianceHistory[0];
    expect(own.rows.length).toBeGreaterThan(0);
    expect(own.rows.map((r: any) => r.inService)).toEqual(
      all.rows.filter((r: any) => r.carrierCode === "CT" && r.province === "21").map((r: any) => r.inService),
    );
    expect(new Set(national.rows.map((r: any) => r.province))).toEqual(new Set(["21", "33", "44"]));
    const liaoning = (await history(CA_LN, day, day, ["PROVINCE", "RESELLER"])).data!.complianceHistory[0];
    expect(liaoning.rows.length).toBeGreaterThan(0);
    expect(liaoning.rows).toEqual(national.rows.filter((r: any) => r.province === "21"));
    const [other] = (await app.exec(CA_LN, HISTORY, { groupBy: ["CARRIER"], filter: { province: "44" }, from: day, to: day })).data!.complianceHistory;
    expect(other).toMatchObject({ date: day, rows: [], totals: { inService: 0 } });
  });
});

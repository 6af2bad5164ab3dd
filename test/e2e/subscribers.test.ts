import { Role } from "../../src/shared/auth/roles";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import { TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const RS_B = { org: "RS-B", role: Role.RESELLER } as const;

const PUBLISH = `mutation($input: PublishAllocationInput!) { publishAllocation(input: $input) { created } }`;
const WHOLESALE = `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated rejected { number reason } } }`;
const RESERVE = `mutation($n: String!) { reserveNumber(number: $n) { number status reservedUntil reseller { code } } }`;
const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id identityStatus uscc legalRepIdNumber riskFlags { kind severity } } }`;
const ATTACH = `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id kind expiresOn } }`;
const CHECK = `mutation($id: ID!, $input: RecordCheckInput!) { recordCheck(subscriberId: $id, input: $input) { id kind outcome organization { code } } }`;
const SUBMIT = `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { number status subscriber { id name } } }`;
const APPROVE = `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus verifiedAt numbers { number status } } }`;
const REJECT = `mutation($id: ID!, $reason: String!) { rejectSubscriber(subscriberId: $id, reason: $reason) { identityStatus statusReason } }`;
const REVOKE = `mutation($id: ID!, $reason: String!) { revokeSubscriber(subscriberId: $id, reason: $reason) { identityStatus numbers { number status } } }`;
const OVERRIDE = `mutation($id: ID!, $j: String!) { overrideRiskFlag(flagId: $id, justification: $j) { id resolvedAt justification } }`;
const NUMBER = `query($n: String!) { number(number: $n) { number status subscriber { id name } } }`;

/** A valid USCC with the given 17-character body's check character. */
const uscc = (body: string) => body + usccCheckCharacter(body);
/** A valid resident ID: Shenyang (210102), the birth date, a sequence. */
const residentId = (birth: string, seq: string) => {
  const body = `210102${birth}${seq}`;
  return body + residentIdCheckCharacter(body);
};

let app: TestApp;
let sequence = 0;

function subscriberInput(overrides: Record<string, unknown> = {}) {
  sequence += 1;
  const n = String(sequence).padStart(6, "0");
  return {
    name: `Shenyang Example Trading ${n} Co., Ltd.`,
    uscc: uscc(`91210102MA${n}X`),
    legalRep: { name: "Zhang Wei", idNumber: residentId("19800101", String(100 + sequence).slice(-3)) },
    handler: { name: "Li Na", idNumber: residentId("19900215", String(200 + sequence).slice(-3)) },
    landline: "02488886666",
    address: "1 Example Road, Heping District, Shenyang",
    businessScope: "Wholesale of electronic products",
    declaredUse: "Customer service hotline",
    ...overrides,
  };
}

const paper = (kind: string, i: number, expiresOn: string | null = "2099-12-31") => ({
  kind,
  sha256: (i.toString(16) + kind.length.toString(16)).padStart(64, "a").slice(0, 64),
  mediaType: kind === "VERIFICATION_VIDEO" ? "video/mp4" : "application/pdf",
  sizeBytes: 20480,
  storageUri: `s3://registry-evidence/${i}/${kind.toLowerCase()}`,
  expiresOn,
});
const REQUIRED = ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"];

async function ok(as: Parameters<TestApp["exec"]>[0], query: string, variables: Record<string, unknown>) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

let nextReadyNumber = 4002001000;

/**
 * A subscriber of RS-A with every paper, a number of CT-LN's waiting for verification (the carrier reaches a
 * subscriber only through its numbers) and both landline checks: ready to submit and approve.
 */
async function readySubscriber(overrides: Record<string, unknown> = {}, papers = REQUIRED, number = String(nextReadyNumber++)) {
  const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input: subscriberInput(overrides) });
  for (const kind of papers) await ok(RS_A, ATTACH, { id: s.id, input: paper(kind, sequence * 100 + papers.indexOf(kind)) });
  await ok(RS_A, ASSIGN, { n: number, id: s.id });
  await ok(RS_A, CHECK, { id: s.id, input: { kind: "LANDLINE_CALLBACK", outcome: "PASSED", note: "called 024-8888-6666, confirmed" } });
  await ok(CT_LN, CHECK, { id: s.id, input: { kind: "LANDLINE_RECHECK", outcome: "PASSED", note: "re-called, confirmed" } });
  return s.id as string;
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
  await ok(CT_LN, PUBLISH, { input: { rangeStart: "4002000000", rangeEnd: "4002002999" } });
  const toA = Array.from({ length: 2500 }, (_, i) => String(4002000000 + i));
  await ok(CT_LN, WHOLESALE, { input: { numbers: toA, resellerCode: "RS-A" } });
  await ok(CT_LN, WHOLESALE, { input: { numbers: ["4002002900", "4002002901"], resellerCode: "RS-B" } });
});
afterAll(() => app.close());

describe("the whole journey", () => {
  it("reserve → register → papers → callback → recheck → submit → approve: the number is ACTIVE", async () => {
    const { reserveNumber } = await ok(RS_A, RESERVE, { n: "400-200-0001" });
    expect(reserveNumber.status).toBe("RESERVED");
    const days = (Date.parse(reserveNumber.reservedUntil) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(44.9);
    expect(days).toBeLessThanOrEqual(45);

    const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input: subscriberInput() });
    expect(s.identityStatus).toBe("DRAFT");
    expect(s.legalRepIdNumber).toMatch(/^210102\d{8}\d{3}[\dX]$/); // the registering reseller sees it in full
    for (const [i, kind] of REQUIRED.entries()) await ok(RS_A, ATTACH, { id: s.id, input: paper(kind, 9000 + i) });

    const { assignNumber } = await ok(RS_A, ASSIGN, { n: "4002000001", id: s.id });
    expect(assignNumber).toMatchObject({ status: "PENDING_VERIFICATION", subscriber: { id: s.id } });

    const callback = await ok(RS_A, CHECK, { id: s.id, input: { kind: "LANDLINE_CALLBACK", outcome: "PASSED", note: "ok" } });
    expect(callback.recordCheck.organization.code).toBe("RS-A");
    await ok(CT_LN, CHECK, { id: s.id, input: { kind: "LANDLINE_RECHECK", outcome: "PASSED", note: "ok" } });
    expect((await ok(RS_A, SUBMIT, { id: s.id })).submitSubscriber.identityStatus).toBe("SUBMITTED");

    const { approveSubscriber } = await ok(CT_LN, APPROVE, { id: s.id });
    expect(approveSubscriber.identityStatus).toBe("VERIFIED");
    expect(approveSubscriber.numbers).toEqual([{ number: "4002000001", status: "ACTIVE" }]);

    // A further number for a VERIFIED subscriber goes into service at once.
    expect((await ok(RS_A, ASSIGN, { n: "4002000002", id: s.id })).assignNumber.status).toBe("ACTIVE");
    const changes = await app.dataSource.query(
      "SELECT status, cause FROM number_changes WHERE number = '4002000001' ORDER BY seq",
    );
    expect(changes.map((c: any) => `${c.status}/${c.cause}`)).toEqual([
      "SPARE/PUBLISH", "SPARE/WHOLESALE", "RESERVED/RESERVE", "PENDING_VERIFICATION/ASSIGN", "ACTIVE/VERIFY",
    ]);
  });

  it("the database refuses an ACTIVE number without a VERIFIED subscriber, whatever route", async () => {
    const id = await readySubscriber();
    await ok(RS_A, ASSIGN, { n: "4002000010", id });
    await expect(app.dataSource.query("UPDATE numbers SET status = 'ACTIVE' WHERE number = '4002000010'")).rejects.toThrow(
      /ACTIVE without a VERIFIED subscriber/,
    );
  });

  it("a subscriber a number names is never deleted, nor its id changed", async () => {
    // No papers and no checks: nothing but the number names it.
    const { registerSubscriber: { id } } = await ok(RS_A, REGISTER, { input: subscriberInput() });
    await ok(RS_A, ASSIGN, { n: "4002000011", id });
    await expect(app.dataSource.query("DELETE FROM subscribers WHERE id = $1", [id])).rejects.toThrow(
      /subscriber of number 4002000011 cannot be deleted/,
    );
    await expect(app.dataSource.query("UPDATE subscribers SET id = gen_random_uuid() WHERE id = $1", [id])).rejects.toThrow(
      /a subscriber's id never changes/,
    );
    const [row] = await app.dataSource.query("SELECT subscriber_id FROM numbers WHERE number = '4002000011'");
    expect(row.subscriber_id).toBe(id);
  });
});

describe("each refusal", () => {
  it("a missing paper: submit is CONFLICT naming it", async () => {
    const id = await readySubscriber({}, REQUIRED.filter((k) => k !== "SECURITY_COMMITMENT"));
    const body = await app.exec(RS_A, SUBMIT, { id });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/SECURITY_COMMITMENT is missing/);
    expect(body.errors![0].extensions.unmet).toEqual(["SECURITY_COMMITMENT is missing"]);
  });

  it("a paper's size is an Int: 2 GiB less a byte recorded and read back exactly, a byte more BAD_USER_INPUT", async () => {
    const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input: subscriberInput() });
    const SIZE = `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { sizeBytes } }`;
    const largest = { ...paper("VERIFICATION_VIDEO", 9101), sizeBytes: 2_147_483_647 };
    expect((await ok(RS_A, SIZE, { id: s.id, input: largest })).attachDocument.sizeBytes).toBe(2_147_483_647);
    for (const sizeBytes of [2_147_483_648, 1.5, 0]) {
      const body = await app.exec(RS_A, SIZE, { id: s.id, input: { ...paper("VERIFICATION_VIDEO", 9102), sizeBytes } });
      expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    }
    const [{ n }] = await app.dataSource.query("SELECT count(*)::int AS n FROM subscriber_documents WHERE subscriber_id = $1", [s.id]);
    expect(n).toBe(1);
  });

  it("an expired paper: refused, and a risk flag raised", async () => {
    const id = await readySubscriber();
    await ok(RS_A, ATTACH, { id, input: paper("BUSINESS_LICENSE", 777, "2020-06-30") });
    const body = await app.exec(RS_A, SUBMIT, { id });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/BUSINESS_LICENSE expired on 2020-06-30/);
    const [flag] = await app.dataSource.query("SELECT kind, severity FROM risk_flags WHERE subscriber_id = $1", [id]);
    expect(flag).toEqual({ kind: "EXPIRED_DOCUMENT", severity: "MEDIUM" });
  });

  it("a re-check by the organisation that made the call-back is refused", async () => {
    const { registerSubscriber: s } = await ok(RS_A, REGISTER, { input: subscriberInput() });
    const body = await app.exec(RS_A, CHECK, { id: s.id, input: { kind: "LANDLINE_RECHECK", outcome: "PASSED", note: "" } });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/LANDLINE_RECHECK is made by the carrier/);
    // ...and the call-back is the reseller's, not the carrier's.
    expect(codes(await app.exec(CT_LN, CHECK, { id: s.id, input: { kind: "LANDLINE_CALLBACK", outcome: "PASSED", note: "" } }))).toEqual(["FORBIDDEN"]);
  });

  it("a bad USCC and bad resident IDs are BAD_USER_INPUT saying what is wrong, and nothing is stored", async () => {
    const before = await app.dataSource.query("SELECT count(*)::int AS n FROM subscribers");
    const good = subscriberInput();
    const wrongCheck = good.uscc.slice(0, 17) + (good.uscc[17] === "0" ? "1" : "0");
    let body = await app.exec(RS_A, REGISTER, { input: { ...good, uscc: wrongCheck } });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/^uscc: .*check character/);

    const id = good.legalRep.idNumber as string;
    const badId = id.slice(0, 17) + (id[17] === "0" ? "1" : "0");
    body = await app.exec(RS_A, REGISTER, { input: { ...good, legalRep: { name: "Zhang Wei", idNumber: badId } } });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/^legalRep\.idNumber: /);
    expect(body.errors![0].message).not.toContain(badId);

    body = await app.exec(RS_A, REGISTER, { input: { ...good, handler: { name: "Li Na", idNumber: "210102800101123" } } });
    expect(body.errors![0].message).toMatch(/15-digit/);
    expect(await app.dataSource.query("SELECT count(*)::int AS n FROM subscribers")).toEqual(before);
  });

  it("an open HIGH flag blocks approval until a carrier overrides it in writing (audited)", async () => {
    const first = subscriberInput();
    await ok(RS_A, REGISTER, { input: first });
    const id = await readySubscriber({ uscc: first.uscc, name: "A Different Name Ltd." });
    const { subscriber } = await ok(RS_A, `query($id: ID!) { subscriber(id: $id) { riskFlags { id kind severity detail } } }`, { id });
    expect(subscriber.riskFlags).toMatchObject([{ kind: "DUPLICATE_USCC", severity: "HIGH" }]);
    await ok(RS_A, SUBMIT, { id });

    let body = await app.exec(CT_LN, APPROVE, { id });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/open HIGH risk flag/);

    body = await app.exec(CT_LN, OVERRIDE, { id: subscriber.riskFlags[0].id, j: "too short" });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(RS_A, OVERRIDE, { id: subscriber.riskFlags[0].id, j: "x".repeat(30) }))).toEqual(["FORBIDDEN"]);
    const justification = "Same group company; the branch registered under its trade name, licence checked on site.";
    const { overrideRiskFlag } = await ok(CT_LN, OVERRIDE, { id: subscriber.riskFlags[0].id, j: justification });
    expect(overrideRiskFlag.justification).toBe(justification);
    const [event] = await app.dataSource.query(
      "SELECT org_code, outcome FROM audit_events WHERE operation = 'overrideRiskFlag' AND $1 = ANY(targets)", [subscriber.riskFlags[0].id],
    );
    expect(event).toEqual({ org_code: "CT-LN", outcome: "SUCCESS" });
    expect((await ok(CT_LN, APPROVE, { id })).approveSubscriber.identityStatus).toBe("VERIFIED");
  });

  it("a blacklisted company or legal representative gets no new numbers", async () => {
    const input = subscriberInput();
    const id = await readySubscriber({ uscc: input.uscc, name: input.name });
    await app.dataSource.query("INSERT INTO blacklist (uscc, reason) VALUES ($1, 'penalty 2026-001')", [input.uscc]);
    const body = await app.exec(RS_A, ASSIGN, { n: "4002000020", id });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toMatch(/blacklisted \(penalty 2026-001\)/);
    expect(codes(await app.exec(RS_A, REGISTER, { input: { ...subscriberInput(), uscc: input.uscc } }))).toEqual(["FORBIDDEN"]);
  });

  it("a blacklisted company, or one whose legal representative is, is not approved", async () => {
    for (const column of ["uscc", "legal_rep_id_hash"] as const) {
      const input = subscriberInput();
      const id = await readySubscriber({ uscc: input.uscc, name: input.name, legalRep: input.legalRep });
      await ok(RS_A, SUBMIT, { id });
      const [row] = await app.dataSource.query("SELECT uscc, legal_rep_id_hash FROM subscribers WHERE id = $1", [id]);
      await app.dataSource.query(`INSERT INTO blacklist (${column}, reason) VALUES ($1, 'penalty 2026-002')`, [row[column]]);
      const body = await app.exec(CT_LN, APPROVE, { id });
      expect(codes(body)).toEqual(["FORBIDDEN"]);
      expect(body.errors![0].message).toMatch(/blacklisted \(penalty 2026-002\): it is not approved/);
      expect((await ok(RS_A, `query($id: ID!) { subscriber(id: $id) { identityStatus } }`, { id })).subscriber.identityStatus).toBe("SUBMITTED");
    }
  });

  it("reserving a number wholesaled to another reseller, or one not known, is refused alike", async () => {
    const other = await app.exec(RS_A, RESERVE, { n: "4002002900" });
    const unknown = await app.exec(RS_A, RESERVE, { n: "4009999999" });
    expect(codes(other)).toEqual(["FORBIDDEN"]);
    expect(codes(unknown)).toEqual(["FORBIDDEN"]);
    expect(other.errors![0].message.replace("4002002900", "N")).toBe(unknown.errors![0].message.replace("4009999999", "N"));
    expect(codes(await app.exec(RS_A, RESERVE, { n: "4002000001" }))).toEqual(["CONFLICT"]); // ACTIVE already
  });

  it("the 2,001st reservation is over the cap", async () => {
    // RS-A has few ACTIVE numbers, so its cap is the floor of 2,000. Reach it directly, then ask once more.
    const [{ held }] = await app.dataSource.query("SELECT count(*)::int AS held FROM numbers WHERE reseller_id = (SELECT id FROM organizations WHERE code = 'RS-A') AND status = 'RESERVED'");
    await app.dataSource.query(
      `UPDATE numbers SET status = 'RESERVED', reserved_until = now() + interval '30 days'
        WHERE number IN (SELECT number FROM numbers WHERE status = 'SPARE' AND reseller_id = (SELECT id FROM organizations WHERE code = 'RS-A')
                          ORDER BY number DESC LIMIT $1)`,
      [2000 - held],
    );
    const body = await app.exec(RS_A, RESERVE, { n: "4002000400" });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/you hold 2000 numbers in reservation/);
    expect(body.errors![0].extensions).toMatchObject({ reason: "RESERVATION_CAP", cap: 2000 });
    await app.dataSource.query(
      `UPDATE numbers SET status = 'SPARE' WHERE status = 'RESERVED' AND number > '4002000300' AND reseller_id = (SELECT id FROM organizations WHERE code = 'RS-A')`,
    );
  });

  it("a carrier that holds none of a subscriber's numbers cannot see, check, approve or revoke it", async () => {
    const id = await readySubscriber();
    await ok(RS_A, SUBMIT, { id });
    expect((await ok(CM, `query($id: ID!) { subscriber(id: $id) { id } }`, { id })).subscriber).toBeNull();
    expect(codes(await app.exec(CM, APPROVE, { id }))).toEqual(["NOT_FOUND"]);
    expect((await ok(RS_B, `query($id: ID!) { subscriber(id: $id) { id } }`, { id })).subscriber).toBeNull();
  });

  it("supplying the reseller gives a carrier no reach over its customers on another carrier's numbers", async () => {
    const id = await readySubscriber();
    await ok(RS_A, SUBMIT, { id });
    // China Mobile wholesales one of its own numbers to RS-A: it now supplies RS-A, and still reaches nothing of CT-LN's customer.
    await ok(CM, PUBLISH, { input: { rangeStart: "4009000000", rangeEnd: "4009000001", province: "21" } });
    await ok(CM, WHOLESALE, { input: { numbers: ["4009000000"], resellerCode: "RS-A" } });
    const listed = await ok(CM, `{ subscribers(first: 500) { totalCount edges { node { id legalRepIdNumber } } } }`, {});
    expect(listed.subscribers).toEqual({ totalCount: 0, edges: [] });
    expect((await ok(CM, `query($id: ID!) { subscriber(id: $id) { id } }`, { id })).subscriber).toBeNull();
    const recheck = { kind: "LANDLINE_RECHECK", outcome: "PASSED", note: "re-called" };
    expect(codes(await app.exec(CM, CHECK, { id, input: recheck }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CM, APPROVE, { id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(CM, REVOKE, { id, reason: "borrowed papers" }))).toEqual(["NOT_FOUND"]);
    expect((await ok(RS_A, `query($id: ID!) { subscriber(id: $id) { identityStatus } }`, { id })).subscriber.identityStatus).toBe("SUBMITTED");

    // Once one of the subscriber's numbers is China Mobile's, China Mobile reaches it, papers and IDs in full.
    await ok(RS_A, ASSIGN, { n: "4009000000", id });
    const { subscriber } = await ok(CM, `query($id: ID!) { subscriber(id: $id) { id legalRepIdNumber numbers { number } } }`, { id });
    expect(subscriber.legalRepIdNumber).toMatch(/^210102\d{11}[\dX]$/);
    // ...and sees only its own of the subscriber's numbers.
    expect(subscriber.numbers).toEqual([{ number: "4009000000" }]);
  });

  it("a rejected subscriber is fixed and submitted again", async () => {
    const id = await readySubscriber();
    await ok(RS_A, SUBMIT, { id });
    expect((await ok(CT_LN, REJECT, { id, reason: "handler ID photo unreadable" })).rejectSubscriber).toEqual({
      identityStatus: "REJECTED", statusReason: "handler ID photo unreadable",
    });
    await ok(RS_A, ATTACH, { id, input: paper("HANDLER_ID", 5555) });
    expect((await ok(RS_A, SUBMIT, { id })).submitSubscriber.identityStatus).toBe("SUBMITTED");
  });
});

describe("risk flags raised automatically", () => {
  it("one legal representative behind more companies than the limit (5), and one paper on two companies", async () => {
    const person = { name: "Sun Li", idNumber: residentId("19700707", "777") };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await ok(RS_A, REGISTER, { input: subscriberInput({ legalRep: person }) })).registerSubscriber.id);
    const spread = await app.dataSource.query(
      "SELECT subscriber_id, severity FROM risk_flags WHERE kind = 'LEGAL_REP_SPREAD' AND subscriber_id = ANY($1::uuid[])", [ids],
    );
    expect(spread).toEqual([{ subscriber_id: ids[5], severity: "HIGH" }]);

    const shared = paper("BUSINESS_LICENSE", 424242);
    await ok(RS_A, ATTACH, { id: ids[0], input: shared });
    await ok(RS_A, ATTACH, { id: ids[1], input: shared });
    const flagged = await app.dataSource.query(
      "SELECT subscriber_id FROM risk_flags WHERE kind = 'SHARED_DOCUMENT' AND severity = 'HIGH' ORDER BY subscriber_id",
    );
    expect(flagged.map((f: any) => f.subscriber_id).sort()).toEqual([ids[0], ids[1]].sort());
  });
});

describe("revocation", () => {
  it("terminates every number into the 180-day quarantine, never to go back to that company or person", async () => {
    const input = subscriberInput();
    const id = await readySubscriber({ uscc: input.uscc, name: input.name, legalRep: input.legalRep }, REQUIRED, "4002000030");
    await ok(RS_A, SUBMIT, { id });
    await ok(CT_LN, APPROVE, { id });
    const { revokeSubscriber } = await ok(CT_LN, REVOKE, { id, reason: "business licence found forged" });
    expect(revokeSubscriber).toEqual({ identityStatus: "REVOKED", numbers: [{ number: "4002000030", status: "TERMINATED" }] });
    const [row] = await app.dataSource.query("SELECT aging_days FROM numbers WHERE number = '4002000030'");
    expect(row.aging_days).toBe(180);

    // Aged and back in the pool (as the sweeps do), it still never returns to the same legal representative.
    await app.dataSource.query("UPDATE numbers SET status = 'AGING' WHERE number = '4002000030'");
    const toSpare = "UPDATE numbers SET status = 'SPARE', reseller_id = (SELECT id FROM organizations WHERE code = 'RS-A') WHERE number = '4002000030'";
    // Not a day before the quarantine ends, by any route ...
    await expect(app.dataSource.query(toSpare)).rejects.toThrow(/in quarantine until/);
    // ... but as of its end, as the sweep does.
    await app.dataSource.transaction(async (tx) => {
      const [{ until }] = await tx.query("SELECT aging_until AS until FROM numbers WHERE number = '4002000030'");
      expect(new Date(until).getTime() - Date.now()).toBeGreaterThan(179 * 86_400_000);
      // The end to the microsecond, as PostgreSQL keeps it (a JavaScript Date keeps milliseconds).
      await tx.query("SELECT set_config('registry.clock', aging_until::text, true) FROM numbers WHERE number = '4002000030'");
      await tx.query(toSpare);
    });
    const again = await readySubscriber({ legalRep: input.legalRep });
    const body = await app.exec(RS_A, ASSIGN, { n: "4002000030", id: again });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toMatch(/never assigned back/);
    expect(codes(await app.exec(RS_B, REVOKE, { id, reason: "x" }))).toEqual(["FORBIDDEN"]);
  });
});

describe("the database holds the identity machine and who may hold a number", () => {
  it("its transition table is the module's; its trigger refuses a skipped step; an ACTIVE number never changes hands", async () => {
    const { identityTransitionPairs } = await import("../../src/modules/subscribers/identity-status");
    const rows = await app.dataSource.query("SELECT from_status, to_status FROM identity_status_transitions ORDER BY 1, 2");
    expect(rows.map((r: any) => `${r.from_status}>${r.to_status}`)).toEqual(identityTransitionPairs().map(([f, t]) => `${f}>${t}`).sort());

    const draft = (await ok(RS_A, REGISTER, { input: subscriberInput() })).registerSubscriber.id;
    await expect(
      app.dataSource.query("UPDATE subscribers SET identity_status = 'VERIFIED', verified_at = now(), verified_by = reseller_id WHERE id = $1", [draft]),
    ).rejects.toThrow(/illegal identity status transition DRAFT -> VERIFIED/);

    const id = await readySubscriber({}, REQUIRED, "4002000040");
    await ok(RS_A, SUBMIT, { id });
    await ok(CT_LN, APPROVE, { id });
    await expect(app.dataSource.query("UPDATE subscribers SET identity_status = 'SUBMITTED' WHERE id = $1", [id])).rejects.toThrow(
      /illegal identity status transition VERIFIED -> SUBMITTED/,
    );
    const other = await readySubscriber();
    await expect(app.dataSource.query("UPDATE numbers SET subscriber_id = $1 WHERE number = '4002000040'", [other])).rejects.toThrow(
      /number 4002000040 is ACTIVE: its subscriber changes only when it is assigned from SPARE or RESERVED/,
    );
    const [row] = await app.dataSource.query("SELECT status, subscriber_id FROM numbers WHERE number = '4002000040'");
    expect(row).toEqual({ status: "ACTIVE", subscriber_id: id });
  });
});

describe("concurrency", () => {
  it("200 concurrent assignments of one number: exactly one wins, every other is CONFLICT", async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => readySubscriber()));
    const before = await auditCount(app.dataSource);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => app.exec(RS_A, ASSIGN, { n: "4002000100", id: ids[i % 4] })));
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => codes(r)[0] === "CONFLICT")).toHaveLength(199);
    const rows = await app.dataSource.query("SELECT count(*)::int AS n FROM number_changes WHERE number = '4002000100' AND cause = 'ASSIGN'");
    expect(rows[0].n).toBe(1);
    expect(await auditCount(app.dataSource)).toBe(before + 200);
  });

  it("200 concurrent assignments to one subscriber across 20 numbers: each number assigned exactly once", async () => {
    const id = await readySubscriber();
    const numbers = Array.from({ length: 20 }, (_, i) => String(4002000200 + i));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => app.exec(RS_A, ASSIGN, { n: numbers[i % 20], id })));
    expect(results.filter((r) => !r.errors)).toHaveLength(20);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === "CONFLICT")).toBe(true);
    const [{ n }] = await app.dataSource.query("SELECT count(*)::int AS n FROM numbers WHERE subscriber_id = $1 AND number = ANY($2::text[])", [id, numbers]);
    expect(n).toBe(20);
  });
});

describe("a number shows its subscriber", () => {
  it("to the carrier and reseller that see the number", async () => {
    const { number } = await ok(CT_LN, NUMBER, { n: "4002000001" });
    expect(number.subscriber.name).toMatch(/Shenyang Example Trading/);
    expect((await ok(RS_A, NUMBER, { n: "4002000001" })).number.subscriber.id).toBe(number.subscriber.id);
  });
});

import { AuditService } from "../../src/modules/audit";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CREATE = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`;

let app: TestApp;
let audit: AuditService;

beforeAll(async () => {
  app = await startTestApp();
  audit = new AuditService(app.dataSource);
});
afterAll(() => app.close());

const lastEvent = async () => (await app.dataSource.query("SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1"))[0];

describe("every mutation writes exactly one audit event", () => {
  it.each([
    ["a success", ADMIN, { code: "CT", name: "China Telecom", kind: "CARRIER" }, "SUCCESS"],
    ["a refusal", { org: "CT", role: Role.CARRIER } as const, { code: "CT-X", name: "x", kind: "CARRIER" }, "FORBIDDEN"],
    ["a refusal to PUBLIC", null, { code: "CT-Y", name: "x", kind: "CARRIER" }, "FORBIDDEN"],
    ["invalid input", ADMIN, { code: "bad code", name: "x", kind: "CARRIER" }, "BAD_USER_INPUT"],
    ["a rule the service checks", ADMIN, { code: "CT-Z", name: "x", kind: "CARRIER", parentCode: "NOPE" }, "BAD_USER_INPUT"],
    ["a conflict", ADMIN, { code: "CT", name: "again", kind: "CARRIER" }, "CONFLICT"],
  ])("%s", async (_name, as, input, outcome) => {
    const before = await auditCount(app.dataSource);
    const body = await app.exec(as, CREATE, { input });
    expect(outcome === "SUCCESS" ? body.errors : codes(body)).toEqual(outcome === "SUCCESS" ? undefined : [outcome]);
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    const event = await lastEvent();
    expect(event).toMatchObject({ operation: "createOrganization", outcome, role: as ? as.role : "PUBLIC" });
    expect(event.org_code).toBe(as ? as.org : null);
    // A value that is no organisation code ("bad code") is kept only as a keyed digest: targets hold identifiers.
    expect(event.targets).toContainEqual(input.code === "bad code" ? expect.stringMatching(/^sha256:[0-9a-f]{16}$/) : input.code);
    expect(event.request_id).toEqual(expect.any(String));
  });

  it("two mutations in one request write two events, in order", async () => {
    const before = await auditCount(app.dataSource);
    const body = await app.exec(
      ADMIN,
      `mutation { a: createOrganization(input: {code: "CM", name: "China Mobile", kind: CARRIER}) { code }
                  b: createOrganization(input: {code: "CM-GD", name: "Guangdong", kind: CARRIER, parentCode: "CM", province: "44"}) { code } }`,
    );
    expect(body.errors).toBeUndefined();
    const events = await app.dataSource.query("SELECT targets FROM audit_events WHERE seq > $1 ORDER BY seq", [before]);
    expect(events.map((e: { targets: string[] }) => e.targets[0])).toEqual(["CM", "CM-GD"]);
  });

  it("concurrent mutations each get their own event and the chain stays whole", async () => {
    const before = await auditCount(app.dataSource);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => app.exec(ADMIN, CREATE, { input: { code: `PAR-${i}`, name: `Parallel ${i}`, kind: "RESELLER" } })),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(await auditCount(app.dataSource)).toBe(before + 12);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("stores a keyed digest of the input, never the input", async () => {
    await app.exec(ADMIN, CREATE, { input: { code: "RS-PRIVATE", name: "Name that must not be stored", kind: "RESELLER" } });
    const event = await lastEvent();
    expect(event.input_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event)).not.toContain("Name that must not be stored");
  });

  it("queries write no event", async () => {
    const before = await auditCount(app.dataSource);
    await app.exec(ADMIN, `{ organizations { totalCount } }`);
    expect(await auditCount(app.dataSource)).toBe(before);
  });
});

describe("the chain", () => {
  it("verifies from the first event, each linked to the one before", async () => {
    const result = await audit.verify(3);
    expect(result.ok).toBe(true);
    expect(result.events).toBe(await auditCount(app.dataSource));
    const rows = await app.dataSource.query("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq");
    rows.forEach((row: { seq: string; prev_hash: string }, i: number) => {
      expect(String(row.seq)).toBe(String(i + 1));
      expect(row.prev_hash).toBe(i === 0 ? "0".repeat(64) : rows[i - 1].hash);
    });
    expect(result.headHash).toBe(rows.at(-1).hash);
  });

  it("the application cannot UPDATE, DELETE or TRUNCATE audit events", async () => {
    await expect(app.dataSource.query("UPDATE audit_events SET outcome = 'SUCCESS' WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(app.dataSource.query("DELETE FROM audit_events WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(app.dataSource.query("TRUNCATE audit_events")).rejects.toThrow(/append-only/);
  });

  // Tampering needs the triggers out of the way: what an attacker with superuser rights could do.
  const tamper = async (sql: string) => {
    await app.dataSource.transaction(async (tx) => {
      await tx.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
      await tx.query(sql);
      await tx.query("ALTER TABLE audit_events ENABLE TRIGGER USER");
    });
  };

  it("detects an event changed directly in the database, and names it", async () => {
    await tamper("UPDATE audit_events SET outcome = 'SUCCESS' WHERE seq = 3");
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual({ seq: "3", reason: expect.stringContaining("changed") });
    expect(result.events).toBe(2);
  });

  it("detects a deleted event", async () => {
    await tamper("DELETE FROM audit_events WHERE seq = 2");
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.broken!.seq).toBe("2");
    expect(result.broken!.reason).toContain("missing");
  });
});

describe("npm run audit:verify", () => {
  it("reports the broken event and exits 1", async () => {
    const { verifyAuditChain } = await import("../../src/cli/audit-verify");
    const lines: string[] = [];
    expect(await verifyAuditChain(app.dataSource, (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toMatch(/^audit chain BROKEN at event 2: event 2 is missing/);
  });
});

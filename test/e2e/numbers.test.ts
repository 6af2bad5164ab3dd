import { Role } from "../../src/shared/auth/roles";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";
import { countStatements } from "../helpers/statements";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const CM = { org: "CM", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const RS_B = { org: "RS-B", role: Role.RESELLER } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;

const PUBLISH = `mutation($input: PublishAllocationInput!) { publishAllocation(input: $input) { created alreadyHeld } }`;
const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created updated unchanged rejected { number reason } } }`;
const WHOLESALE = `mutation($input: WholesaleNumbersInput!) { wholesaleNumbers(input: $input) { updated unchanged rejected { number reason } } }`;
const NUMBER = `query($n: String!) { number(number: $n) { number status province version carrier { code } reseller { code } } }`;
const CHANGES = `query($after: String, $first: Int) { numberChanges(after: $after, first: $first) {
  edges { cursor node { sequence number status previousStatus cause } } pageInfo { hasNextPage endCursor } } }`;

let app: TestApp;

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(from + i));

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER" },
    { code: "RS-B", name: "Agent B", kind: "RESELLER" },
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-ZJ", name: "Zhejiang CA", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
  ]) {
    const body = await app.exec(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
    expect(body.errors).toBeUndefined();
  }
});
afterAll(() => app.close());

describe("publishing an allocation", () => {
  it("creates SPARE numbers for the carrier, in its province", async () => {
    const body = await app.exec(CT_LN, PUBLISH, { input: { rangeStart: "400-100-0000", rangeEnd: "400 101 9999" } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.publishAllocation).toEqual({ created: 20000, alreadyHeld: 0 });
    const number = await app.exec(CT_LN, NUMBER, { n: "4001000123" });
    expect(number.data!.number).toEqual({
      number: "4001000123", status: "SPARE", province: "21", version: 1, carrier: { code: "CT-LN" }, reseller: null,
    });
  });

  it("publishing again skips what the carrier already holds", async () => {
    const body = await app.exec(CT_LN, PUBLISH, { input: { rangeStart: "4001019990", rangeEnd: "4001020009" } });
    expect(body.data!.publishAllocation).toEqual({ created: 10, alreadyHeld: 10 });
  });

  it("a range another carrier holds is CONFLICT naming the overlap, and nothing is created", async () => {
    const body = await app.exec(CM, PUBLISH, { input: { rangeStart: "4001019000", rangeEnd: "4001029999" } });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toContain("4001019000–4001020009 (1010 held by CT-LN)");
    expect((await app.exec(CM, NUMBER, { n: "4001025000" })).data!.number).toBeNull();
  });

  it.each([
    [{ rangeStart: "4002000000", rangeEnd: "4001999999" }, "before"],
    [{ rangeStart: "4002000000", rangeEnd: "4003000000" }, "1,000,000"],
    [{ rangeStart: "800-123-4567", rangeEnd: "4001234567" }, "800-123-4567"],
    [{ rangeStart: "４００１２３４５６７", rangeEnd: "4001234567" }, "４００１２３４５６７"],
    [{ rangeStart: "4001234567", rangeEnd: "400123456" }, "400123456"],
  ])("%j is BAD_USER_INPUT naming %s", async (input, named) => {
    const body = await app.exec(CM, PUBLISH, { input });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain(named);
  });

  it("is FORBIDDEN to resellers, regulators and the public", async () => {
    for (const as of [RS_A, MIIT, null]) {
      expect(codes(await app.exec(as, PUBLISH, { input: { rangeStart: "4009000000", rangeEnd: "4009000001" } }))).toEqual(["FORBIDDEN"]);
    }
  });
});

describe("syncing", () => {
  it("applies 10,000 changes in one call", async () => {
    const numbers = range(4001000000, 10000).map((number, i) => ({ number, status: i % 2 ? "SPARE" : "AGING" }));
    // SPARE → AGING is not a legal move: those are rejected; half stay SPARE (unchanged).
    const first = await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "night-1-probe", numbers } });
    expect(first.data!.syncNumbers).toMatchObject({ created: 0, updated: 0, unchanged: 5000 });
    expect(first.data!.syncNumbers.rejected).toHaveLength(5000);
    expect(first.data!.syncNumbers.rejected[0].reason).toBe("illegal transition SPARE → AGING");

    const moves = range(4001000000, 10000).map((number) => ({ number, status: "SPARE", province: "21", resellerCode: null }));
    moves.forEach((m, i) => (m.province = i < 10000 ? "22" : "21"));
    const body = await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "night-1", numbers: moves } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.syncNumbers).toEqual({ created: 0, updated: 10000, unchanged: 0, rejected: [] });
    expect((await app.exec(CT_LN, NUMBER, { n: "4001009999" })).data!.number).toMatchObject({ province: "22", version: 2 });
  });

  it("a replay returns the first result and changes nothing; another input under the key is CONFLICT", async () => {
    const input = { idempotencyKey: "night-2", numbers: [{ number: "4001000001", status: "SPARE", province: "21" }, { number: "4005550000", status: "SPARE" }] };
    const first = await app.exec(CT_LN, SYNC, { input });
    expect(first.data!.syncNumbers).toEqual({ created: 1, updated: 1, unchanged: 0, rejected: [] });
    const changes = (await app.dataSource.query("SELECT count(*)::int AS n FROM number_changes"))[0].n;
    const again = await app.exec(CT_LN, SYNC, { input });
    expect(again.data!.syncNumbers).toEqual(first.data!.syncNumbers);
    expect((await app.dataSource.query("SELECT count(*)::int AS n FROM number_changes"))[0].n).toBe(changes);
    const other = await app.exec(CT_LN, SYNC, { input: { ...input, numbers: [{ number: "4001000002", status: "SPARE" }] } });
    expect(codes(other)).toEqual(["CONFLICT"]);
  });

  it("applies the good items and lists each bad one with its reason", async () => {
    const body = await app.exec(CT_LN, SYNC, {
      input: {
        idempotencyKey: "night-3",
        numbers: [
          { number: "4005550001", status: "SPARE", resellerCode: "RS-A" },
          { number: "400555000", status: "SPARE" },
          { number: "4005550001", status: "SPARE" },
          { number: "4005550002", status: "SPARE", resellerCode: "RS-NOBODY" },
          { number: "4005550003", status: "ACTIVE" },
          { number: "4005550004", status: "SPARE", resellerCode: "CM" },
        ],
      },
    });
    expect(body.data!.syncNumbers.created).toBe(1);
    expect(body.data!.syncNumbers.rejected).toEqual([
      { number: "400555000", reason: expect.stringContaining("malformed number") },
      { number: "4005550001", reason: "listed twice in this sync" },
      { number: "4005550002", reason: 'unknown reseller "RS-NOBODY"' },
      { number: "4005550003", reason: "a number new to the registry starts SPARE or AGING, not ACTIVE" },
      { number: "4005550004", reason: 'unknown reseller "CM"' },
    ]);
    const cm = await app.exec(CM, PUBLISH, { input: { rangeStart: "4007770000", rangeEnd: "4007770009" } });
    expect(cm.data!.publishAllocation.created).toBe(10);
    const theirs = await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "night-4", numbers: [{ number: "4007770001", status: "SPARE", province: "21" }] } });
    expect(theirs.data!.syncNumbers.rejected).toEqual([{ number: "4007770001", reason: "the number belongs to another carrier" }]);
  });

  it("a sync may terminate a number and start its aging, never end it: the quarantine is the sweep's", async () => {
    const sync = (key: string, status: string) => app.exec(CT_LN, SYNC, { input: { idempotencyKey: key, numbers: [{ number: "4005550090", status }] } });
    // A number the carrier reports in quarantine (as after its own termination) ...
    expect((await sync("q-1", "AGING")).data!.syncNumbers.created).toBe(1);
    // ... is not released by the carrier's next sync the same day: that item is refused by itself.
    const [{ until }] = await app.dataSource.query("SELECT aging_until AS until FROM numbers WHERE number = '4005550090'");
    const days = (new Date(until).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    expect((await sync("q-2", "SPARE")).data!.syncNumbers).toMatchObject({
      updated: 0,
      rejected: [{ number: "4005550090", reason: `in quarantine (AGING) until ${new Date(until).toISOString()}: the sweep returns it to SPARE then, a sync never ends the aging` }],
    });
    const [row] = await app.dataSource.query("SELECT status FROM numbers WHERE number = '4005550090'");
    expect(row.status).toBe("AGING");
    // The database holds it too, whatever route tries, and no route shortens the period.
    await expect(app.dataSource.query("UPDATE numbers SET status = 'SPARE' WHERE number = '4005550090'")).rejects.toThrow(/in quarantine until/);
    await expect(app.dataSource.query("UPDATE numbers SET aging_days = 45 WHERE number = '4005550090'")).rejects.toThrow(/no route shortens/);
    await expect(app.dataSource.query("UPDATE numbers SET aging_until = now() WHERE number = '4005550090'")).resolves.toBeDefined();
    const [kept] = await app.dataSource.query("SELECT aging_until AS until FROM numbers WHERE number = '4005550090'");
    expect(kept.until).toEqual(until);
  });

  it("a database failure in the middle leaves nothing half applied", async () => {
    await app.dataSource.query(`CREATE FUNCTION fail_on_4001000500() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.number = '4001000500' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$`);
    await app.dataSource.query(`CREATE TRIGGER fail_on_4001000500 BEFORE INSERT ON number_changes FOR EACH ROW EXECUTE FUNCTION fail_on_4001000500()`);
    const before = await app.dataSource.query("SELECT sum(version)::int AS v, count(*)::int AS n FROM numbers");
    const numbers = range(4001000000, 1000).map((number) => ({ number, status: "SPARE", province: "23" }));
    numbers.push({ number: "4006660000", status: "SPARE", province: "23" });
    const body = await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "night-5", numbers } });
    expect(codes(body)).toEqual(["INTERNAL_SERVER_ERROR"]);
    expect(await app.dataSource.query("SELECT sum(version)::int AS v, count(*)::int AS n FROM numbers")).toEqual(before);
    expect(await app.dataSource.query("SELECT 1 FROM sync_requests WHERE idempotency_key = 'night-5'")).toEqual([]);
    await app.dataSource.query("DROP TRIGGER fail_on_4001000500 ON number_changes");
    const retry = await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "night-5", numbers } });
    expect(retry.data!.syncNumbers).toMatchObject({ created: 1, updated: 1000 });
  });

  it("more than 10,000 items is BAD_USER_INPUT and writes one audit event", async () => {
    const before = await auditCount(app.dataSource);
    const numbers = range(4003000000, 10001).map((number) => ({ number, status: "SPARE" }));
    expect(codes(await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "too-big", numbers } }))).toEqual(["BAD_USER_INPUT"]);
    expect(await auditCount(app.dataSource)).toBe(before + 1);
  });
});

describe("wholesale and who sees what", () => {
  it("a reseller sees exactly the numbers it was given; another carrier sees none", async () => {
    const body = await app.exec(CT_LN, WHOLESALE, {
      input: { resellerCode: "RS-A", numbers: ["4001000010", "400-100-0011", "4001000012", "4007770002", "40010000", "4005550001"] },
    });
    expect(body.data!.wholesaleNumbers).toEqual({
      updated: 3,
      unchanged: 1,
      rejected: [
        { number: "40010000", reason: "malformed number: ten digits starting 400" },
        { number: "4007770002", reason: "not a number of yours" },
      ],
    });
    const list = await app.exec(RS_A, `{ numbers { totalCount edges { node { number reseller { code } carrier { code } } } } }`);
    expect(list.data!.numbers.totalCount).toBe(4);
    expect(list.data!.numbers.edges.map((e: any) => e.node.number)).toEqual(["4001000010", "4001000011", "4001000012", "4005550001"]);
    expect((await app.exec(RS_B, NUMBER, { n: "4001000010" })).data!.number).toBeNull();
    expect((await app.exec(RS_A, NUMBER, { n: "4001000013" })).data!.number).toBeNull();
    expect((await app.exec(CM, NUMBER, { n: "4001000010" })).data!.number).toBeNull();
    expect((await app.exec(CM, `{ numbers(filter: { prefix: "400100" }) { totalCount } }`)).data!.numbers.totalCount).toBe(0);
  });

  it("the group sees its branches' numbers; a provincial regulator only its province", async () => {
    expect((await app.exec(CT, NUMBER, { n: "4001000010" })).data!.number.carrier.code).toBe("CT-LN");
    expect((await app.exec(MIIT, NUMBER, { n: "4001000010" })).data!.number).not.toBeNull();
    expect((await app.exec(CA_ZJ, NUMBER, { n: "4001000010" })).data!.number).toBeNull();
  });

  it("filters by status, reseller and prefix, page by page", async () => {
    const q = `query($after: String) { numbers(first: 400, after: $after, filter: { prefix: "400-100", status: SPARE }) {
      totalCount edges { node { number } } pageInfo { hasNextPage endCursor } } }`;
    let after: string | null = null;
    const seen: string[] = [];
    do {
      const page: any = (await app.exec(CT_LN, q, { after })).data!.numbers;
      expect(page.totalCount).toBe(10000);
      seen.push(...page.edges.map((e: any) => e.node.number));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(10000);
    expect(seen[0]).toBe("4001000000");
    const byReseller = await app.exec(CT_LN, `{ numbers(filter: { resellerCode: "RS-A" }) { totalCount } }`);
    expect(byReseller.data!.numbers.totalCount).toBe(4);
    expect(codes(await app.exec(CT_LN, `{ numbers(filter: { prefix: "40a" }) { totalCount } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(CT_LN, NUMBER, { n: "400-1000-010" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("relations load in batches: a page of 10 and a page of 200 take the same number of statements", async () => {
    const statements = async (first: number) => {
      const { result: body, statements: count } = await countStatements(() =>
        app.exec(CT, `{ numbers(first: ${first}) { edges { node { number carrier { code parent { code } } reseller { code } } } } }`));
      expect(body.data!.numbers.edges).toHaveLength(first);
      return count;
    };
    const small = await statements(10);
    expect(await statements(200)).toBe(small);
    expect(small).toBeLessThanOrEqual(5);
  });
});

describe("the change feed", () => {
  const readAll = async (as: As, from = "0") => {
    const nodes: any[] = [];
    let after = from;
    for (;;) {
      const page: any = (await app.exec(as, CHANGES, { after, first: 500 })).data!.numberChanges;
      nodes.push(...page.edges.map((e: any) => e.node));
      if (!page.pageInfo.hasNextPage) return { nodes, last: page.pageInfo.endCursor ?? after };
      after = page.pageInfo.endCursor;
    }
  };

  it("from cursor 0 returns every change of the caller's numbers, in order; from the last cursor nothing new", async () => {
    const { nodes, last } = await readAll(CT_LN);
    const total = (await app.dataSource.query(
      "SELECT count(*)::int AS n FROM number_changes c JOIN organizations o ON o.id = c.carrier_id WHERE o.code = 'CT-LN'",
    ))[0].n;
    expect(nodes).toHaveLength(total);
    const sequences = nodes.map((n) => BigInt(n.sequence));
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
    expect(nodes.filter((n) => n.number === "4001000010").map((n) => n.cause)).toEqual(["PUBLISH", "SYNC", "SYNC", "WHOLESALE"]);
    expect(nodes.some((n) => n.number.startsWith("400777"))).toBe(false);
    expect((await readAll(CT_LN, last)).nodes).toEqual([]);

    await app.exec(CT_LN, SYNC, { input: { idempotencyKey: "after-read", numbers: [{ number: "4001000020", status: "SPARE", province: "21" }] } });
    const next = await readAll(CT_LN, last);
    expect(next.nodes.map((n) => [n.number, n.cause])).toEqual([["4001000020", "SYNC"]]);
  });

  it("a reseller's feed holds its own numbers' changes only", async () => {
    const { nodes } = await readAll(RS_A);
    expect(new Set(nodes.map((n) => n.number))).toEqual(new Set(["4001000010", "4001000011", "4001000012", "4005550001"]));
    expect((await readAll(RS_B)).nodes).toEqual([]);
  });

  it("refuses a cursor that is not a sequence", async () => {
    expect(codes(await app.exec(CT_LN, CHANGES, { after: "abc" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("who may call what", () => {
  it("the public and the platform operator read no numbers", async () => {
    for (const as of [null, ADMIN]) {
      expect(codes(await app.exec(as, NUMBER, { n: "4001000010" }))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, `{ numbers { totalCount } }`))).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, CHANGES, {}))).toEqual(["FORBIDDEN"]);
    }
  });

  it("only carriers sync and wholesale", async () => {
    for (const as of [RS_A, MIIT, ADMIN, null]) {
      const sync = await app.exec(as, SYNC, { input: { idempotencyKey: "x", numbers: [{ number: "4001000010", status: "SPARE" }] } });
      expect(codes(sync)).toEqual(["FORBIDDEN"]);
      expect(codes(await app.exec(as, WHOLESALE, { input: { resellerCode: "RS-A", numbers: ["4001000013"] } }))).toEqual(["FORBIDDEN"]);
    }
  });
});

describe("the database holds the invariants", () => {
  it("its transition table is the module's, and its trigger refuses an illegal move by any route", async () => {
    const { transitionPairs } = await import("../../src/modules/numbers/number-status");
    const rows = await app.dataSource.query("SELECT from_status, to_status FROM number_status_transitions ORDER BY 1, 2");
    expect(rows.map((r: any) => `${r.from_status}>${r.to_status}`)).toEqual(transitionPairs().map(([f, t]) => `${f}>${t}`).sort());
    await expect(app.dataSource.query("UPDATE numbers SET status = 'AGING' WHERE number = '4001000030'")).rejects.toThrow(/illegal number status/);
    await expect(app.dataSource.query("UPDATE numbers SET status = 'RESERVED' WHERE number = '4001000030'")).rejects.toThrow(/numbers_reserved/);
    await expect(app.dataSource.query("INSERT INTO numbers (number, carrier_id) SELECT '400123456', id FROM organizations LIMIT 1")).rejects.toThrow(/numbers_format/);
  });

  it("the change feed refers only to real numbers and organisations, and nothing it refers to is deleted", async () => {
    const feedRows = async () => (await app.dataSource.query("SELECT count(*)::int AS n FROM number_changes"))[0].n;
    const before = await feedRows();
    const [{ id: carrier }] = await app.dataSource.query("SELECT id FROM organizations WHERE code = 'CT-LN'");
    const insert = (number: string, carrierId: string, resellerId: string | null) =>
      app.dataSource.query(
        `INSERT INTO number_changes (number, carrier_id, reseller_id, status, cause)
         VALUES ('4001000030', $1, NULL, 'SPARE', 'SYNC'), ($2, $1, $3, 'SPARE', 'SYNC')`,
        [carrierId, number, resellerId],
      );
    await expect(insert("4009999999", carrier, null)).rejects.toThrow(/refers to number 4009999999/);
    await expect(insert("4001000031", carrier, "00000000-0000-4000-8000-000000000000")).rejects.toThrow(/refers to organization 00000000/);
    expect(await feedRows()).toBe(before);

    await expect(app.dataSource.query("DELETE FROM numbers WHERE number = '4001000030'")).rejects.toThrow(/never deleted, and the change feed is append-only/);
    await expect(app.dataSource.query("DELETE FROM organizations WHERE code = 'CM'")).rejects.toThrow(/never deleted, and the change feed is append-only/);
    await expect(app.dataSource.query("UPDATE number_changes SET status = 'AGING'")).rejects.toThrow(/never deleted, and the change feed is append-only/);
    await expect(app.dataSource.query("TRUNCATE number_changes")).rejects.toThrow(/never deleted, and the change feed is append-only/);
    expect(await feedRows()).toBe(before);
  });

  it("a number refers only to real organisations and subscribers, checked once per statement, by insert or update", async () => {
    const nobody = "00000000-0000-4000-8000-000000000000";
    const [{ id: carrier }] = await app.dataSource.query("SELECT id FROM organizations WHERE code = 'CT-LN'");
    const count = async () => (await app.dataSource.query("SELECT count(*)::int AS n FROM numbers"))[0].n;
    const before = await count();
    // One good row beside the bad one: the statement is refused whole.
    await expect(app.dataSource.query(
      `INSERT INTO numbers (number, carrier_id, status) VALUES ('4009000500', $1, 'SPARE'), ('4009000501', $2, 'SPARE')`, [carrier, nobody],
    )).rejects.toThrow(/numbers refers to organization 00000000/);
    await expect(app.dataSource.query(
      `INSERT INTO numbers (number, carrier_id, reseller_id, status) VALUES ('4009000502', $1, $2, 'SPARE')`, [carrier, nobody],
    )).rejects.toThrow(/numbers refers to organization 00000000/);
    expect(await count()).toBe(before);
    await expect(app.dataSource.query(`UPDATE numbers SET reseller_id = $1 WHERE number = '4001000030'`, [nobody]))
      .rejects.toThrow(/numbers refers to organization 00000000/);
    await expect(app.dataSource.query(`UPDATE numbers SET carrier_id = $1 WHERE number = '4001000030'`, [nobody]))
      .rejects.toThrow(/numbers refers to organization 00000000/);
    await expect(app.dataSource.query(`UPDATE numbers SET status = 'PENDING_VERIFICATION', subscriber_id = $1 WHERE number = '4001000030'`, [nobody]))
      .rejects.toThrow(/numbers refers to subscriber 00000000/);
    const [row] = await app.dataSource.query("SELECT carrier_id, reseller_id, subscriber_id FROM numbers WHERE number = '4001000030'");
    expect(row).toEqual({ carrier_id: carrier, reseller_id: row.reseller_id, subscriber_id: null });
    expect(row.reseller_id).not.toBe(nobody);
  });

  it("a new number's quarantine is the database's: AGING needs its period and ends from the clock, no other status keeps an end", async () => {
    const [{ id: carrier }] = await app.dataSource.query("SELECT id FROM organizations WHERE code = 'CT-LN'");
    await expect(app.dataSource.query(
      `INSERT INTO numbers (number, carrier_id, status) VALUES ('4009000510', $1, 'AGING')`, [carrier],
    )).rejects.toThrow(/enters AGING without its period/);
    await app.dataSource.query(
      `INSERT INTO numbers (number, carrier_id, status, aging_days, aging_until)
       VALUES ('4009000511', $1, 'AGING', 90, '2000-01-01'), ('4009000512', $1, 'SPARE', NULL, '2999-01-01')`, [carrier],
    );
    const rows = await app.dataSource.query(
      `SELECT number, round(extract(epoch FROM aging_until - now()) / 86400)::int AS days FROM numbers WHERE number IN ('4009000511', '4009000512') ORDER BY 1`,
    );
    expect(rows).toEqual([{ number: "4009000511", days: 90 }, { number: "4009000512", days: null }]);
  });
});

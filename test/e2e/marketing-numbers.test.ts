import { Role } from "../../src/shared/auth/roles";
import { As, TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const CT = { org: "CT", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CC = { org: "CC-1", role: Role.CALL_CENTER } as const;

const SET = `mutation($input: SetOfficialMarketingNumberInput!) { setOfficialMarketingNumber(input: $input) { carrierName number } }`;
const RETIRE = `mutation($n: String!) { retireOfficialMarketingNumber(number: $n) { carrierName number } }`;
const LIST = `{ officialMarketingNumbers { carrierName number } }`;

let app: TestApp;

async function ok(as: As, query: string, variables: Record<string, unknown> = {}) {
  const body = await app.exec(as, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const list = async () => (await ok(null, LIST)).officialMarketingNumbers as { carrierName: string; number: string }[];
const lastEvent = async () =>
  (await app.dataSource.query("SELECT operation, outcome, targets FROM audit_events ORDER BY seq DESC LIMIT 1"))[0];

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "CU", name: "China Unicom", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning Communications Administration", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CC-1", name: "A call centre", kind: "CALL_CENTER", province: "21" },
  ]) {
    await ok(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
  }
});
afterAll(() => app.close());

describe("official marketing numbers", () => {
  it("MIIT sets a carrier group's numbers, short or fixed-line; the public list shows them at once; each is audited", async () => {
    const events = await auditCount(app.dataSource);
    expect((await ok(MIIT, SET, { input: { number: "10001", carrierCode: "CT" } })).setOfficialMarketingNumber).toEqual({
      carrierName: "China Telecom", number: "10001",
    });
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    expect(await lastEvent()).toMatchObject({ operation: "setOfficialMarketingNumber", outcome: "SUCCESS", targets: expect.arrayContaining(["10001", "CT"]) });
    await ok(MIIT, SET, { input: { number: "10085", carrierCode: "CM" } });
    await ok(MIIT, SET, { input: { number: "02488886666", carrierCode: "CU" } });
    await ok(MIIT, SET, { input: { number: "12345678901234567890", carrierCode: "CU" } });
    expect(await list()).toEqual([
      { carrierName: "China Unicom", number: "02488886666" },
      { carrierName: "China Telecom", number: "10001" },
      { carrierName: "China Mobile", number: "10085" },
      { carrierName: "China Unicom", number: "12345678901234567890" },
    ]);

    // Setting it again for the same carrier changes nothing; for another carrier it must be retired first.
    expect((await ok(MIIT, SET, { input: { number: "10001", carrierCode: "CT" } })).setOfficialMarketingNumber.carrierName).toBe("China Telecom");
    const taken = await app.exec(MIIT, SET, { input: { number: "10001", carrierCode: "CM" } });
    expect(codes(taken)).toEqual(["CONFLICT"]);
    expect(taken.errors![0].message).toMatch(/China Telecom's official marketing number: retire it first/);
  });

  it("the number is 5-20 digits and the carrier a carrier group: BAD_USER_INPUT; an unknown code NOT_FOUND", async () => {
    for (const number of ["1000", "123456789012345678901", "1000a", "010-8888666", ""]) {
      expect(codes(await app.exec(MIIT, SET, { input: { number, carrierCode: "CT" } }))).toEqual(["BAD_USER_INPUT"]);
    }
    for (const carrierCode of ["CT-LN", "MIIT", "RS-A"]) {
      const body = await app.exec(MIIT, SET, { input: { number: "10099", carrierCode } });
      expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
      expect(body.errors![0].message).toMatch(/not a carrier group/);
    }
    expect(codes(await app.exec(MIIT, SET, { input: { number: "10099", carrierCode: "NOPE" } }))).toEqual(["NOT_FOUND"]);
    expect((await list()).map((m) => m.number)).not.toContain("10099");
  });

  it("MIIT retires one: it leaves the public list, the record stays; retiring it again or an unknown one is NOT_FOUND; it may be set again", async () => {
    await ok(MIIT, SET, { input: { number: "10016", carrierCode: "CU" } });
    expect((await ok(MIIT, RETIRE, { n: "10016" })).retireOfficialMarketingNumber).toEqual({ carrierName: "China Unicom", number: "10016" });
    expect(await lastEvent()).toMatchObject({ operation: "retireOfficialMarketingNumber", outcome: "SUCCESS", targets: expect.arrayContaining(["10016"]) });
    expect((await list()).map((m) => m.number)).not.toContain("10016");
    const [kept] = await app.dataSource.query("SELECT retired_at IS NOT NULL AS retired FROM official_marketing_numbers WHERE number = '10016'");
    expect(kept).toEqual({ retired: true });

    expect(codes(await app.exec(MIIT, RETIRE, { n: "10016" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(MIIT, RETIRE, { n: "99999" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await app.exec(MIIT, RETIRE, { n: "not a number" }))).toEqual(["BAD_USER_INPUT"]);

    // A retired number comes back for whichever carrier group is named.
    await ok(MIIT, SET, { input: { number: "10016", carrierCode: "CM" } });
    expect(await list()).toContainEqual({ carrierName: "China Mobile", number: "10016" });
  });

  it("a provincial regulator and every other role are FORBIDDEN, audited as refused, and change nothing", async () => {
    await ok(MIIT, SET, { input: { number: "10010", carrierCode: "CU" } });
    const before = await list();
    const cases: [string, string, Record<string, unknown>][] = [
      ["setOfficialMarketingNumber", SET, { input: { number: "10086", carrierCode: "CM" } }],
      ["retireOfficialMarketingNumber", RETIRE, { n: "10010" }],
    ];
    for (const [operation, query, variables] of cases) {
      for (const as of [CA_LN, null, CT, RS_A, MPS, ADMIN, CC] as As[]) {
        const events = await auditCount(app.dataSource);
        const body = await app.exec(as, query, variables);
        expect(codes(body)).toEqual(["FORBIDDEN"]);
        expect(await auditCount(app.dataSource)).toBe(events + 1);
        expect(await lastEvent()).toMatchObject({ operation, outcome: "FORBIDDEN" });
      }
    }
    const provincial = await app.exec(CA_LN, SET, { input: { number: "10086", carrierCode: "CM" } });
    expect(provincial.errors![0].message).toMatch(/only the national regulator \(MIIT\)/);
    expect(await list()).toEqual(before);
  });
});

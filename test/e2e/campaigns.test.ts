import { Role } from "../../src/shared/auth/roles";
import { TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const CA_ZJ = { org: "CA-ZJ", role: Role.REGULATOR } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;
const RS_A = { org: "RS-A", role: Role.RESELLER } as const;
const MPS = { org: "MPS", role: Role.POLICE } as const;
const CC = { org: "CC-A", role: Role.CALL_CENTER } as const;

const OPEN = `mutation($input: OpenCampaignInput!) { openCampaign(input: $input) {
  id name province targets { date rate } hardDeadline createdAt openedBy { code } } }`;
const LIST = `query($first: Int, $after: String) { campaigns(first: $first, after: $after) {
  totalCount edges { cursor node { id name province } } pageInfo { hasNextPage endCursor } } }`;

const REAL_NAME_2017 = {
  name: "Real-name registration of 400 numbers, 2016-2017",
  province: null,
  targets: [
    { date: "2016-12-31", rate: 0.95 },
    { date: "2017-06-30", rate: 1 },
  ],
  hardDeadline: "2017-06-30",
};

let app: TestApp;

const countCampaigns = async () => (await app.dataSource.query("SELECT count(*)::int AS n FROM campaigns"))[0].n as number;

async function open(as: Parameters<TestApp["exec"]>[0], input: Record<string, unknown>) {
  const body = await app.exec(as, OPEN, { input });
  expect(body.errors).toBeUndefined();
  return body.data!.openCampaign;
}

beforeAll(async () => {
  app = await startTestApp();
  for (const input of [
    { code: "MIIT", name: "MIIT", kind: "REGULATOR" },
    { code: "CA-LN", name: "Liaoning CA", kind: "REGULATOR", parentCode: "MIIT", province: "21" },
    { code: "CA-ZJ", name: "Zhejiang CA", kind: "REGULATOR", parentCode: "MIIT", province: "33" },
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
    { code: "CC-A", name: "Call centre A", kind: "CALL_CENTER" },
  ]) {
    const body = await app.exec(ADMIN, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
    expect(body.errors).toBeUndefined();
  }
});
afterAll(() => app.close());

describe("opening a campaign", () => {
  it("a national regulator opens a national campaign, and the mutation is audited", async () => {
    const before = await auditCount(app.dataSource);
    const campaign = await open(MIIT, REAL_NAME_2017);
    expect(campaign).toEqual({
      id: expect.any(String),
      name: REAL_NAME_2017.name,
      province: null,
      targets: REAL_NAME_2017.targets,
      hardDeadline: "2017-06-30",
      createdAt: expect.any(String),
      openedBy: { code: "MIIT" },
    });
    expect(Math.abs(Date.parse(campaign.createdAt) - Date.now())).toBeLessThan(60_000);
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    const [event] = await app.dataSource.query("SELECT operation, outcome, org_code, targets FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ operation: "openCampaign", outcome: "SUCCESS", org_code: "MIIT", targets: [campaign.id] });
  });

  it("a national regulator opens one for any province; the name is trimmed", async () => {
    const campaign = await open(MIIT, { ...REAL_NAME_2017, name: "  Zhejiang drive  ", province: "33", hardDeadline: "2018-01-31" });
    expect(campaign).toMatchObject({ name: "Zhejiang drive", province: "33", hardDeadline: "2018-01-31", openedBy: { code: "MIIT" } });
  });

  it("a provincial regulator opens one for its own province", async () => {
    const campaign = await open(CA_LN, { ...REAL_NAME_2017, name: "Liaoning drive", province: "21", targets: [{ date: "2024-02-29", rate: 0.5 }] });
    expect(campaign).toMatchObject({ province: "21", targets: [{ date: "2024-02-29", rate: 0.5 }], openedBy: { code: "CA-LN" } });
  });

  it.each([
    ["a national one", null],
    ["one for another province", "33"],
  ])("a provincial regulator opening %s is FORBIDDEN, writes nothing, and the refusal is audited", async (_name, province) => {
    const before = await countCampaigns();
    const events = await auditCount(app.dataSource);
    const body = await app.exec(CA_LN, OPEN, { input: { ...REAL_NAME_2017, province } });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.errors![0].message).toContain("own province (21");
    expect(await countCampaigns()).toBe(before);
    expect(await auditCount(app.dataSource)).toBe(events + 1);
    const [event] = await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ operation: "openCampaign", outcome: "FORBIDDEN" });
  });

  const long = "x".repeat(201);
  it.each([
    ["a blank name", { name: "   " }, "name"],
    ["an empty name", { name: "" }, "name"],
    ["a name over 200 characters", { name: long }, "name"],
    ["no targets", { targets: [] }, "targets"],
    ["a target date that is not a date", { targets: [{ date: "31/12/2016", rate: 0.95 }] }, "targets[].date"],
    ["a target on 30 February", { targets: [{ date: "2017-02-30", rate: 0.95 }] }, "targets[].date"],
    ["a target on 29 February of a common year", { targets: [{ date: "2017-02-29", rate: 0.95 }] }, "targets[].date"],
    ["a target in month 13", { targets: [{ date: "2016-13-01", rate: 0.95 }] }, "targets[].date"],
    ["a target in year 0", { targets: [{ date: "0000-01-01", rate: 0.95 }] }, "targets[].date"],
    ["a rate of 0", { targets: [{ date: "2016-12-31", rate: 0 }] }, "targets[].rate"],
    ["a negative rate", { targets: [{ date: "2016-12-31", rate: -0.5 }] }, "targets[].rate"],
    ["a rate above 1 (95 for 95%)", { targets: [{ date: "2016-12-31", rate: 95 }] }, "targets[].rate"],
    ["targets out of order", { targets: [{ date: "2017-06-30", rate: 1 }, { date: "2016-12-31", rate: 0.95 }] }, "ascending date order"],
    ["two targets on one date", { targets: [{ date: "2016-12-31", rate: 0.9 }, { date: "2016-12-31", rate: 0.95 }] }, "ascending date order"],
    ["a hard deadline that is not a date", { hardDeadline: "2017-06-31" }, "hardDeadline"],
    ["a hard deadline with a time", { hardDeadline: "2017-06-30T00:00:00Z" }, "hardDeadline"],
    ["a province that is not a code", { province: "Liaoning" }, "province"],
    ["a province code that does not exist", { province: "99" }, "province"],
  ])("%s is BAD_USER_INPUT naming the field, and nothing is written", async (_name, change, field) => {
    const before = await countCampaigns();
    const body = await app.exec(MIIT, OPEN, { input: { ...REAL_NAME_2017, ...change } });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain(field);
    expect(await countCampaigns()).toBe(before);
  });

  it("the problems name the target by its place", async () => {
    const targets = [{ date: "2016-12-31", rate: 0.95 }, { date: "2017-02-30", rate: 1 }];
    const body = await app.exec(MIIT, OPEN, { input: { ...REAL_NAME_2017, targets } });
    expect(body.errors![0].extensions.problems).toEqual([{ field: "targets.1.date", messages: [expect.stringContaining("calendar date")] }]);
  });

  it.each([
    ["a carrier", CT_LN],
    ["a reseller", RS_A],
    ["the police", MPS],
    ["a call centre", CC],
    ["the platform operator", ADMIN],
    ["the public", null],
  ])("is FORBIDDEN to %s", async (_name, as) => {
    const before = await countCampaigns();
    expect(codes(await app.exec(as, OPEN, { input: REAL_NAME_2017 }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.exec(as, LIST, {}))).toEqual(["FORBIDDEN"]);
    expect(await countCampaigns()).toBe(before);
  });
});

describe("listing campaigns", () => {
  beforeAll(async () => {
    await open(MIIT, { ...REAL_NAME_2017, name: "National follow-up", hardDeadline: "2026-12-31" });
    await open(CA_ZJ, { ...REAL_NAME_2017, name: "Zhejiang follow-up", province: "33" });
  });

  const names = async (as: Parameters<TestApp["exec"]>[0]) => {
    const body = await app.exec(as, LIST, { first: 100 });
    expect(body.errors).toBeUndefined();
    return { total: body.data!.campaigns.totalCount, names: body.data!.campaigns.edges.map((e: any) => e.node.name) };
  };

  it("a national regulator sees every campaign, newest first", async () => {
    expect(await names(MIIT)).toEqual({
      total: 5,
      names: ["Zhejiang follow-up", "National follow-up", "Liaoning drive", "Zhejiang drive", REAL_NAME_2017.name],
    });
  });

  it("a provincial regulator sees the national ones and its own province's", async () => {
    expect(await names(CA_LN)).toEqual({ total: 3, names: ["National follow-up", "Liaoning drive", REAL_NAME_2017.name] });
    expect(await names(CA_ZJ)).toEqual({
      total: 4,
      names: ["Zhejiang follow-up", "National follow-up", "Zhejiang drive", REAL_NAME_2017.name],
    });
  });

  it("pages with first and after", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const body: any = await app.exec(MIIT, LIST, { first: 2, after });
      expect(body.errors).toBeUndefined();
      seen.push(...body.data.campaigns.edges.map((e: any) => e.node.name));
      after = body.data.campaigns.pageInfo.hasNextPage ? body.data.campaigns.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual((await names(MIIT)).names);
  });

  it("refuses a cursor of another list and a page out of range", async () => {
    expect(codes(await app.exec(MIIT, LIST, { after: Buffer.from("campaign:nonsense").toString("base64url") }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, LIST, { after: Buffer.from("number:4001234567").toString("base64url") }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(MIIT, LIST, { first: 0 }))).toEqual(["BAD_USER_INPUT"]);
  });
});

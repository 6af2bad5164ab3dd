import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { TestApp, auditCount, codes, startTestApp } from "../helpers/app";

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;

const CREATE = `mutation Create($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { code name kind province parent { code } }
}`;
const READ = `query Read($code: String!) { organization(code: $code) { code name kind province parent { code name } } }`;

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  const create = (input: Record<string, unknown>) => app.exec(ADMIN, CREATE, { input });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CM", name: "China Mobile", kind: "CARRIER" },
    { code: "RS-A", name: "Agent A", kind: "RESELLER", province: "21" },
    { code: "MPS", name: "Ministry of Public Security", kind: "POLICE" },
  ]) {
    const body = await create(input);
    expect(body.errors).toBeUndefined();
  }
});

afterAll(() => app.close());

const countOrganizations = async () => (await app.dataSource.query("SELECT count(*)::int AS n FROM organizations"))[0].n;

describe("as ADMIN", () => {
  it("creates a carrier's branch under it, inheriting nothing but what it is given", async () => {
    const branch = await app.exec(ADMIN, CREATE, {
      input: { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
    });
    expect(branch.errors).toBeUndefined();
    expect(branch.data!.createOrganization).toEqual({
      code: "CT-LN",
      name: "China Telecom Liaoning",
      kind: "CARRIER",
      province: "21",
      parent: { code: "CT" },
    });
    const city = await app.exec(ADMIN, CREATE, { input: { code: "CT-LN-TL", name: "Tieling", kind: "CARRIER", parentCode: "CT-LN" } });
    expect(city.data!.createOrganization).toMatchObject({ province: "21", parent: { code: "CT-LN" } });
  });

  it("refuses a duplicate code with CONFLICT and changes nothing", async () => {
    const before = await countOrganizations();
    const body = await app.exec(ADMIN, CREATE, { input: { code: "CT", name: "Another", kind: "CARRIER" } });
    expect(codes(body)).toEqual(["CONFLICT"]);
    expect(body.errors![0].message).toContain("CT");
    expect(await countOrganizations()).toBe(before);
  });

  it.each([
    [{ code: "ct-x", name: "lower case", kind: "CARRIER" }, "code"],
    [{ code: "CT-X", name: "   ", kind: "CARRIER" }, "blank"],
    [{ code: "CT-X", name: "Bad province", kind: "CARRIER", province: "99" }, "province"],
    [{ code: "CT-X", name: "Bad province", kind: "CARRIER", province: "2" }, "province"],
    [{ code: "CT-X", name: "No parent", kind: "CARRIER", parentCode: "NOPE" }, "NOPE"],
    [{ code: "CT-X", name: "Wrong tree", kind: "RESELLER", parentCode: "CT" }, "CT"],
    [{ code: "CT-X", name: "Other province", kind: "CARRIER", parentCode: "CT-LN", province: "33" }, "province"],
    [{ code: "PLATFORM-2", name: "Second platform", kind: "PLATFORM" }, "PLATFORM"],
  ])("refuses %j with BAD_USER_INPUT naming the problem, and changes nothing", async (input, mentioned) => {
    const before = await countOrganizations();
    const body = await app.exec(ADMIN, CREATE, { input });
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toContain(mentioned);
    expect(await countOrganizations()).toBe(before);
  });

  it("lists organisations page by page", async () => {
    const query = `query($after: String) { organizations(first: 2, after: $after) { totalCount edges { node { code } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const body = await app.exec(ADMIN, query, { after });
      const page = body.data!.organizations;
      seen.push(...page.edges.map((e: { node: { code: string } }) => e.node.code));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(["CM", "CT", "CT-LN", "CT-LN-TL", "MPS", "PLATFORM", "RS-A"]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuses a page larger than 500 and a cursor of another list", async () => {
    expect(codes(await app.exec(ADMIN, `{ organizations(first: 501) { totalCount } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(ADMIN, `{ organizations(first: 0) { totalCount } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.exec(ADMIN, `{ organizations(after: "bm90LWEtY3Vyc29y") { totalCount } }`))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("as a carrier", () => {
  const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;

  it("reads its own organisation, its parent and its branches", async () => {
    const own = await app.exec(CT_LN, READ, { code: "CT-LN" });
    expect(own.data!.organization).toMatchObject({ code: "CT-LN", parent: { code: "CT", name: "China Telecom" } });
    expect((await app.exec(CT_LN, READ, { code: "CT-LN-TL" })).data!.organization.code).toBe("CT-LN-TL");
    expect((await app.exec(CT_LN, READ, { code: "CT" })).data!.organization.code).toBe("CT");
  });

  it("does not see another carrier or a reseller: null, not an error", async () => {
    for (const code of ["CM", "RS-A", "PLATFORM", "NO-SUCH"]) {
      const body = await app.exec(CT_LN, READ, { code });
      expect(body.errors).toBeUndefined();
      expect(body.data!.organization).toBeNull();
    }
    const list = await app.exec(CT_LN, `{ organizations { edges { node { code } } totalCount } }`);
    expect(list.data!.organizations.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual(["CT", "CT-LN", "CT-LN-TL"]);
  });
});

describe("who may create organisations", () => {
  it.each([
    ["PUBLIC", null],
    ["RESELLER", { org: "RS-A", role: Role.RESELLER } as const],
    ["CARRIER", { org: "CT", role: Role.CARRIER } as const],
    ["POLICE", { org: "MPS", role: Role.POLICE } as const],
  ])("%s gets FORBIDDEN and nothing is created", async (_name, as) => {
    const before = await countOrganizations();
    const body = await app.exec(as, CREATE, { input: { code: "SNEAKY", name: "Sneaky", kind: "CARRIER" } });
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(body.data).toBeNull();
    expect(await countOrganizations()).toBe(before);
  });

  it("PUBLIC cannot read organisations", async () => {
    expect(codes(await app.exec(null, READ, { code: "CT" }))).toEqual(["FORBIDDEN"]);
  });
});

describe("tokens", () => {
  const probe = `{ organization(code: "CT") { code } }`;

  it("a forged signature is UNAUTHENTICATED", async () => {
    const forged = await signToken("another-secret-another-secret-another-secret", { sub: "x", org: "PLATFORM", role: Role.ADMIN }, 3600);
    const body = await app.exec({ token: forged }, probe);
    expect(body.status).toBe(401);
    expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
  });

  it("an expired token is UNAUTHENTICATED", async () => {
    const expired = await signToken(app.config.jwtSecret, { sub: "x", org: "PLATFORM", role: Role.ADMIN }, 60, Date.now() - 3600_000);
    const body = await app.exec({ token: expired }, probe);
    expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
    expect(body.errors![0].message).toContain("expired");
  });

  it("a role that does not fit the organisation's kind is UNAUTHENTICATED", async () => {
    const body = await app.exec({ org: "CT", role: Role.ADMIN }, probe);
    expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
    const police = await app.exec({ org: "CT", role: Role.POLICE }, probe);
    expect(codes(police)).toEqual(["UNAUTHENTICATED"]);
  });

  it("an organisation that does not exist is UNAUTHENTICATED", async () => {
    expect(codes(await app.exec({ org: "GHOST", role: Role.CARRIER }, probe))).toEqual(["UNAUTHENTICATED"]);
  });

  it("an organisation created after a refused token is known at once; a known one still refuses a role of another kind", async () => {
    expect(codes(await app.exec({ org: "LATE-CARRIER", role: Role.CARRIER }, probe))).toEqual(["UNAUTHENTICATED"]);
    const created = await app.exec(ADMIN, `mutation { createOrganization(input: { code: "LATE-CARRIER", name: "Late carrier", kind: CARRIER }) { code } }`);
    expect(created.errors).toBeUndefined();
    expect((await app.exec({ org: "LATE-CARRIER", role: Role.CARRIER }, probe)).errors).toBeUndefined();
    expect(codes(await app.exec({ org: "LATE-CARRIER", role: Role.RESELLER }, probe))).toEqual(["UNAUTHENTICATED"]);
    expect((await app.exec({ org: "LATE-CARRIER", role: Role.CARRIER }, probe)).errors).toBeUndefined();
  });

  it("a token with another algorithm, a malformed header or garbage is UNAUTHENTICATED", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: "x", org: "PLATFORM", role: "ADMIN", exp: 9999999999 })).toString("base64url");
    expect(codes(await app.exec({ token: `${header}.${payload}.` }, probe))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await app.exec({ token: "garbage" }, probe))).toEqual(["UNAUTHENTICATED"]);
    const res = await app.request.post("/graphql").set("authorization", "Basic abc").send({ query: probe });
    expect(res.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("an unauthenticated request writes nothing", async () => {
    const before = await auditCount(app.dataSource);
    await app.exec({ token: "garbage" }, CREATE, { input: { code: "GARBAGE", name: "x", kind: "CARRIER" } });
    expect(await auditCount(app.dataSource)).toBe(before);
    expect((await app.exec(ADMIN, READ, { code: "GARBAGE" })).data!.organization).toBeNull();
  });
});

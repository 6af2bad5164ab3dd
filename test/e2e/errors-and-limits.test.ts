import { gzipSync } from "node:zlib";
import { Ctx, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../src/shared/context";
import { fieldPermissions } from "../../src/app/permissions";
import { OrganizationService } from "../../src/modules/organizations";
import { Permission } from "../../src/shared/auth/permissions";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, codes, startTestApp } from "../helpers/app";

/** A resolver whose SQL fails, as a bug would. */
@Resolver()
class BrokenResolver {
  @Query(() => Boolean)
  async brokenQuery(@Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.services.dataSource.query("SELECT secret_column FROM table_that_does_not_exist");
    return true;
  }
}

const ADMIN = { org: "PLATFORM", role: Role.ADMIN } as const;
const schema = {
  extraResolvers: [BrokenResolver],
  permissions: { ...fieldPermissions(), Query: { ...fieldPermissions().Query, brokenQuery: Permission.PUBLIC_READ } },
};

let dev: TestApp;
let prod: TestApp;

beforeAll(async () => {
  dev = await startTestApp({ env: { NODE_ENV: "development", MAX_BODY_BYTES: "8192" }, schema });
  prod = await dev.withServer({ NODE_ENV: "production", MAX_BODY_BYTES: "8192" }, schema);
});
afterAll(async () => {
  await prod.close();
  await dev.close();
});

describe("unexpected errors", () => {
  it("in production: INTERNAL_SERVER_ERROR with no message, stack or SQL, and a request id to quote", async () => {
    const res = await prod.request.post("/graphql").set("x-request-id", "req-123").send({ query: "{ brokenQuery }" });
    const [error] = res.body.errors;
    expect(error.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: "req-123" });
    expect(error.message).toBe("Internal server error");
    const text = JSON.stringify(res.body);
    for (const leak of ["table_that_does_not_exist", "secret_column", "SELECT", "stacktrace", "at "]) expect(text).not.toContain(leak);
    expect(res.headers["x-request-id"]).toBe("req-123");
  });

  it("in development: the detail is shown, to help the developer", async () => {
    const body = await dev.exec(null, "{ brokenQuery }");
    expect(body.errors![0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
    expect(body.errors![0].extensions.stacktrace).toBeDefined();
  });

  it("coded errors keep their message but never a stack in production", async () => {
    const body = await prod.exec(null, `mutation { createOrganization(input: {code: "X1", name: "x", kind: CARRIER}) { code } }`);
    expect(body.errors![0].extensions).toEqual({ code: "FORBIDDEN", requestId: expect.any(String) });
  });
});

describe("introspection", () => {
  it("is off in production and on in development", async () => {
    const query = "{ __schema { queryType { name } } }";
    expect(codes(await prod.exec(null, query))).toEqual(["BAD_USER_INPUT"]);
    expect((await dev.exec(null, query)).data!.__schema.queryType.name).toBe("Query");
  });
});

describe("query limits reject before any resolver runs", () => {
  let lookups: jest.SpyInstance;
  beforeEach(() => {
    lookups = jest.spyOn(OrganizationService.prototype, "get");
    jest.spyOn(OrganizationService.prototype, "list");
  });
  afterEach(() => jest.restoreAllMocks());

  const notRun = () => {
    expect(lookups).not.toHaveBeenCalled();
    expect(OrganizationService.prototype.list).not.toHaveBeenCalled();
  };

  it("depth", async () => {
    const deep = `{ organization(code: "PLATFORM") { ${"parent { ".repeat(12)} code ${"} ".repeat(12)} } }`;
    const body = await prod.exec(ADMIN, deep);
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/depth/i);
    notRun();
  });

  it("aliases", async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: organization(code: "PLATFORM") { code }`).join(" ");
    const body = await prod.exec(ADMIN, `{ ${aliases} }`);
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/alias/i);
    notRun();
  });

  it("cost", async () => {
    const body = await prod.exec(ADMIN, `{ organizations(first: 500) { edges { node { code name kind province createdAt
      parent { code name kind province parent { code name kind province parent { code name } } } } } } }`);
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/cost/i);
    notRun();
  });

  it("tokens", async () => {
    const fields = Array.from({ length: 2100 }, () => "a").join(" ");
    const body = await prod.exec(ADMIN, `{ organization(code: "PLATFORM") { ${fields} } }`);
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0].message).toMatch(/token/i);
    notRun();
  });

  it("a reasonable page passes", async () => {
    const body = await prod.exec(ADMIN, `{ organizations(first: 500) { totalCount edges { node { code name parent { code } } } } }`);
    expect(body.errors).toBeUndefined();
  });
});

describe("request body", () => {
  it("over the cap is refused with 413 and a coded error", async () => {
    const res = await prod.request
      .post("/graphql")
      .set("content-type", "application/json")
      .send(JSON.stringify({ query: `{ officialMarketingNumbers { number } }`, padding: "x".repeat(10000) }));
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("malformed JSON is a coded error, not an HTML page", async () => {
    const res = await prod.request.post("/graphql").set("content-type", "application/json").send("{not json");
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("a syntax error is BAD_USER_INPUT", async () => {
    expect(codes(await prod.exec(null, "{ officialMarketingNumbers { "))).toEqual(["BAD_USER_INPUT"]);
  });

  it("a gzip-compressed body is read like a plain one", async () => {
    const body = gzipSync(JSON.stringify({ query: "{ officialMarketingNumbers { number } }" }));
    const res = await prod.request
      .post("/graphql")
      .set("content-type", "application/json")
      .set("content-encoding", "gzip")
      // As it is: superagent would otherwise write the Buffer out as JSON (its typing says string; a Buffer is sent as well).
      .serialize((raw: Buffer) => raw as unknown as string)
      .send(body);
    expect(res.body).toEqual({ data: { officialMarketingNumbers: expect.any(Array) } });
    expect(res.status).toBe(200);
  });

  it("a body in another media type is refused as a possible cross-site request, and runs nothing", async () => {
    const res = await prod.request.post("/graphql").set("content-type", "text/plain").send(JSON.stringify({ query: "{ officialMarketingNumbers { number } }" }));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(res.body.data).toBeUndefined();
  });

  it("GET runs a query, in production too, and refuses a mutation", async () => {
    const query = encodeURIComponent("{ officialMarketingNumbers { number } }");
    const res = await prod.request.get(`/graphql?query=${query}`).set("apollo-require-preflight", "true").set("x-request-id", "get-1");
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).toBe("get-1");
    expect(res.body).toEqual({ data: { officialMarketingNumbers: expect.any(Array) } });
    const mutation = encodeURIComponent(`mutation { reportNumber(input: { number: "4001234567", category: FRAUD }) { id } }`);
    const refused = await prod.request.get(`/graphql?query=${mutation}`).set("apollo-require-preflight", "true");
    expect(refused.status).toBe(405);
    expect(refused.body.errors[0].message).toMatch(/GET/);
    expect(refused.body.data).toBeUndefined();
  });

  it("a path other than the operational ones and /graphql is 404", async () => {
    expect((await prod.request.get("/graphql-not")).status).toBe(404);
    expect((await prod.request.post("/other").send({ query: "{ __typename }" })).status).toBe(404);
  });

  it("batched requests are refused", async () => {
    const res = await prod.request.post("/graphql").send([{ query: "{ officialMarketingNumbers { number } }" }, { query: "{ officialMarketingNumbers { number } }" }]);
    expect(res.status).toBe(400);
  });
});

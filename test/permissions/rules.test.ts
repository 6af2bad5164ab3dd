import { Ctx, Field, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { buildBareSchema } from "../../src/app/build-schema";
import { fieldPermissions, fieldsWithoutPermission, roleOperationMatrix } from "../../src/app/permissions";
import { Permission } from "../../src/shared/auth/permissions";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, auditCount, codes, startTestApp } from "../helpers/app";

@ObjectType()
class Unguarded {
  @Field()
  secret: string;
}

/** A capability someone forgot to write rules for. */
@Resolver()
class ForgottenResolver {
  static calls = 0;

  @Query(() => Unguarded)
  forgottenQuery(): Unguarded {
    ForgottenResolver.calls += 1;
    return { secret: "should never be read" };
  }

  @Mutation(() => Boolean)
  forgottenMutation(@Ctx() _ctx: unknown): boolean {
    ForgottenResolver.calls += 1;
    return true;
  }
}

describe("every field has an explicit rule", () => {
  it("no Query, Mutation, Subscription or object field of the built schema lacks one", async () => {
    const schema = await buildBareSchema();
    expect(fieldsWithoutPermission(schema, fieldPermissions())).toEqual([]);
  });

  it("the walker does find fields without a rule", async () => {
    const schema = await buildBareSchema([ForgottenResolver]);
    expect(fieldsWithoutPermission(schema, fieldPermissions())).toEqual(
      expect.arrayContaining(["Query.forgottenQuery", "Mutation.forgottenMutation", "Unguarded.secret"]),
    );
  });

  it("root fields need a rule of their own: a '*' on Query does not count", async () => {
    const schema = await buildBareSchema();
    const permissions = { ...fieldPermissions(), Query: { "*": Permission.PUBLIC_READ } };
    expect(fieldsWithoutPermission(schema, permissions)).toContain("Query.organization");
  });

  it("every rule names a field that exists", async () => {
    const schema = await buildBareSchema();
    const types = schema.getTypeMap();
    for (const [type, fields] of Object.entries(fieldPermissions())) {
      expect(types[type]).toBeDefined();
      const known = Object.keys((types[type] as any).getFields());
      for (const field of Object.keys(fields)) if (field !== "*") expect(known).toContain(field);
    }
  });
});

describe("the rule map (role × operation)", () => {
  it("matches the reviewed snapshot: a diff here is a permission change", async () => {
    const schema = await buildBareSchema();
    expect(roleOperationMatrix(schema, fieldPermissions())).toMatchSnapshot();
  });

  it("matches the reviewed snapshot of every field's permission", () => {
    expect(fieldPermissions()).toMatchSnapshot();
  });
});

describe("default deny", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ schema: { extraResolvers: [ForgottenResolver] } });
  });
  afterAll(() => app.close());

  it.each([
    ["PUBLIC", null],
    ["ADMIN", { org: "PLATFORM", role: Role.ADMIN } as const],
  ])("a query added without a rule is FORBIDDEN to %s and never runs", async (_name, as) => {
    const body = await app.exec(as, `{ forgottenQuery { secret } }`);
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(JSON.stringify(body)).not.toContain("should never be read");
    expect(ForgottenResolver.calls).toBe(0);
  });

  it("a mutation added without a rule is FORBIDDEN, never runs, and is audited as refused", async () => {
    const before = await auditCount(app.dataSource);
    const body = await app.exec({ org: "PLATFORM", role: Role.ADMIN }, `mutation { forgottenMutation }`);
    expect(codes(body)).toEqual(["FORBIDDEN"]);
    expect(ForgottenResolver.calls).toBe(0);
    expect(await auditCount(app.dataSource)).toBe(before + 1);
    const [event] = await app.dataSource.query("SELECT operation, outcome FROM audit_events ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ operation: "forgottenMutation", outcome: "FORBIDDEN" });
  });
});

import { Ctx, Field, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { buildBareSchema } from "../../src/app/build-schema";
import { fieldPermissions, fieldsImpliedByOperations, fieldsWithoutPermission, roleOperationMatrix } from "../../src/app/permissions";
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

@ObjectType()
class Dossier {
  @Field()
  summary: string;

  @Field()
  caseNote: string;
}

@ObjectType()
class Stamp {
  @Field()
  mark: string;
}

/** One type reached by a public and a regulator's operation, one by the regulator's only. */
@Resolver()
class DossierResolver {
  @Query(() => Dossier)
  publicDossier(): Dossier {
    return { summary: "open to all", caseNote: "regulators only" };
  }

  @Query(() => Dossier)
  regulatorDossier(): Dossier {
    return { summary: "open to all", caseNote: "regulators only" };
  }

  @Query(() => [Stamp])
  stamps(): Stamp[] {
    return [{ mark: "A" }, { mark: "B" }];
  }
}

const DOSSIER_PERMISSIONS = {
  ...fieldPermissions(),
  Query: {
    ...fieldPermissions().Query,
    publicDossier: Permission.PUBLIC_READ,
    regulatorDossier: Permission.COMPLIANCE_READ,
    stamps: Permission.COMPLIANCE_READ,
  },
  Dossier: { summary: Permission.PUBLIC_READ, caseNote: Permission.COMPLIANCE_READ },
  Stamp: { "*": Permission.COMPLIANCE_READ },
};

describe("field rules the operation's rule already implies are not evaluated again", () => {
  it("skips a rule every role passes, and one every role reaching the type passes; keeps the rest", async () => {
    const schema = await buildBareSchema([DossierResolver]);
    const implied = fieldsImpliedByOperations(schema, DOSSIER_PERMISSIONS);
    expect(implied).toContain("Dossier.summary");
    expect(implied).toContain("Stamp.mark");
    expect(implied).not.toContain("Dossier.caseNote");
  });

  it("in the registry's schema: the switch's check results and the public look-up, but no field a reaching role lacks", async () => {
    const schema = await buildBareSchema();
    const implied = fieldsImpliedByOperations(schema, fieldPermissions());
    expect(implied).toContain("CallerCheckResult.decision");
    expect(implied).toContain("NumberLookup.subscriberName");
    expect(implied).toContain("PageInfo.endCursor");
    // Subscribers are reached by resellers, carriers, police and regulators alike; their fields keep their rules.
    expect([...implied].filter((f) => f.startsWith("Query.") || f.startsWith("Mutation."))).toEqual([]);
  });

  describe("over HTTP", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ schema: { extraResolvers: [DossierResolver], permissions: DOSSIER_PERMISSIONS } });
      const created = await app.exec(
        { org: "PLATFORM", role: Role.ADMIN },
        `mutation { createOrganization(input: { code: "MIIT", name: "MIIT", kind: REGULATOR }) { code } }`,
      );
      expect(created.errors).toBeUndefined();
    });
    afterAll(() => app.close());

    it("a field whose rule is not implied is still refused to a role that reaches its type", async () => {
      const body = await app.exec(null, `{ publicDossier { summary caseNote } }`);
      expect(codes(body)).toEqual(["FORBIDDEN"]);
      expect(JSON.stringify(body)).not.toContain("regulators only");
    });

    it("implied fields answer to whoever passed the operation's rule", async () => {
      const regulator = { org: "MIIT", role: Role.REGULATOR } as const;
      expect((await app.exec(null, `{ publicDossier { summary } }`)).data).toEqual({ publicDossier: { summary: "open to all" } });
      expect(codes(await app.exec(null, `{ stamps { mark } }`))).toEqual(["FORBIDDEN"]);
      const body = await app.exec(regulator, `{ regulatorDossier { summary caseNote } stamps { mark } }`);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ regulatorDossier: { summary: "open to all", caseNote: "regulators only" }, stamps: [{ mark: "A" }, { mark: "B" }] });
    });
  });
});

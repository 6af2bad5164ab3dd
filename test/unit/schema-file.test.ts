import { readFileSync } from "node:fs";
import path from "node:path";
import { buildBareSchema, printContract, printSubgraphContract } from "../../src/app/build-schema";

describe("schema/schema.graphql", () => {
  it("is what the resolvers build: run `npm run build` and commit it when this fails", async () => {
    const committed = readFileSync(path.join(__dirname, "../../schema/schema.graphql"), "utf8");
    expect(printContract(await buildBareSchema())).toBe(committed);
  });

  it("schema/subgraph.graphql is the subgraph's SDL as served: run `npm run build` and commit it when this fails", async () => {
    const committed = readFileSync(path.join(__dirname, "../../schema/subgraph.graphql"), "utf8");
    expect(await printSubgraphContract(await buildBareSchema())).toBe(committed);
  });

  it("keeps the names of API.md for what exists so far", async () => {
    const schema = await buildBareSchema();
    const query = schema.getQueryType()!.getFields();
    const mutation = schema.getMutationType()!.getFields();
    expect(Object.keys(mutation.createOrganization.args[0].type.toString() === "CreateOrganizationInput!" ? mutation : {})).toContain(
      "createOrganization",
    );
    expect(query.organization.type.toString()).toBe("Organization");
    expect(query.officialMarketingNumbers.type.toString()).toBe("[MarketingNumber!]!");
    const organization = schema.getType("Organization") as any;
    expect(Object.keys(organization.getFields())).toEqual(expect.arrayContaining(["code", "name", "kind", "province", "parent"]));
    const input = schema.getType("CreateOrganizationInput") as any;
    expect(Object.keys(input.getFields()).sort()).toEqual(["code", "kind", "name", "parentCode", "province", "uscc"]);
    const kinds = (schema.getType("OrganizationKind") as any).getValues().map((v: { name: string }) => v.name);
    expect(kinds.sort()).toEqual(["CALL_CENTER", "CARRIER", "PLATFORM", "POLICE", "REGULATOR", "RESELLER"]);
  });
});

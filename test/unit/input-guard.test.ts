import { GraphQLError } from "graphql";
import { ITEMS_CHECKED_BY_SERVICE, argumentProblem, inputGuard } from "../../src/app/input-guard";
import { parseSequenceCursor } from "../../src/shared/pagination";

const MAX = 10_000;
const problem = (args: Record<string, unknown>, field = "Mutation.recordCheck") => {
  for (const [name, value] of Object.entries(args)) {
    const found = argumentProblem(value, name, name, field, MAX);
    if (found) return found;
  }
  return null;
};

describe("the input guard", () => {
  it("refuses NUL and the other C0 controls, naming the argument path; tab, newline and carriage return pass", () => {
    expect(problem({ input: { note: "abc\u0000def" } })).toEqual({ argument: "input.note", message: "input.note contains a control character (U+0000)" });
    expect(problem({ input: { legalRep: { name: "x\u001b" } } })?.argument).toBe("input.legalRep.name");
    expect(problem({ checks: [{ callee: "1" }, { callee: "2\u0007" }] }, "Query.verifyCallers")?.argument).toBe("checks[1].callee");
    expect(problem({ input: { note: "line one\r\n\tline two" } })).toBeNull();
    expect(problem({ input: { note: "中文 עברית \u202E" } })).toBeNull();
  });

  it("refuses a string longer than the cap, and only then", () => {
    expect(problem({ reason: "a".repeat(MAX) })).toBeNull();
    expect(problem({ reason: "a".repeat(MAX + 1) })).toEqual({ argument: "reason", message: "reason is longer than 10,000 characters (10,001)" });
    expect(problem({ input: { numbers: ["4001234567", "a".repeat(1024 * 1024)] } }, "Mutation.wholesaleNumbers")?.argument).toBe("input.numbers[1]");
  });

  it("leaves the items of a bulk list whose service rejects them one by one to that service; its other arguments are checked", () => {
    expect(ITEMS_CHECKED_BY_SERVICE.has("Mutation.syncNumbers:input.numbers")).toBe(true);
    const items = [{ number: "400\u0000", status: "SPARE" }, { number: "a".repeat(MAX + 1), status: "SPARE" }];
    expect(problem({ input: { idempotencyKey: "k", numbers: items } }, "Mutation.syncNumbers")).toBeNull();
    expect(problem({ input: { idempotencyKey: "k\u0000", numbers: items } }, "Mutation.syncNumbers")?.argument).toBe("input.idempotencyKey");
    // The same shape under another operation is checked.
    expect(problem({ input: { numbers: items } }, "Mutation.other")?.argument).toBe("input.numbers[0].number");
  });

  it("as middleware: BAD_USER_INPUT before the resolver runs, and a cursor of a cursor's shape", async () => {
    const { Mutation, Query } = inputGuard();
    const ctx = { services: { config: { limits: { maxStringArgument: 5 } } } } as never;
    const info = (type: string, fieldName: string) => ({ parentType: { name: type }, fieldName }) as never;
    const resolve = jest.fn(async () => "resolved");
    await expect(Mutation(resolve, null, { reason: "toolong" }, ctx, info("Mutation", "x"))).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", argument: "reason" },
    });
    const refused = await Query(resolve, null, { after: "a b" }, ctx, info("Query", "numbers")).catch((e: GraphQLError) => e);
    expect((refused as GraphQLError).extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "after" });
    expect(resolve).not.toHaveBeenCalled();
    await expect(Query(resolve, null, { after: "bnVt", first: 3 }, ctx, info("Query", "numbers"))).resolves.toBe("resolved");
    await expect(Query(resolve, null, { after: "" }, ctx, info("Query", "numbers"))).resolves.toBe("resolved");
  });
});

describe("sequence cursors", () => {
  it("accept 1-19 digits up to bigint's maximum, and nothing else", () => {
    expect(parseSequenceCursor("0", "bad")).toBe("0");
    expect(parseSequenceCursor("9223372036854775807", "bad")).toBe("9223372036854775807");
    for (const bad of ["9223372036854775808", "9999999999999999999", "99999999999999999999", "-1", "1.5", "", " 1", "１"]) {
      expect(() => parseSequenceCursor(bad, "bad")).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT", argument: "after" }) }));
    }
  });
});

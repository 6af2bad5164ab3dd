import { canonicalJson, eventHash, inputDigest } from "../../src/modules/audit/audit-chain";
import { identifiersIn } from "../../src/modules/audit/audited-mutation";
import { codeOf } from "../../src/shared/errors";
import { Writable } from "node:stream";
import { createLogger, scrub } from "../../src/shared/logger";
import { decodeCursor, encodeCursor, toPage } from "../../src/shared/pagination";
import { GraphQLError } from "graphql";

describe("log scrubbing", () => {
  it("masks resident ID numbers to the first 6 and last 4", () => {
    expect(scrub("id 11010519491231002X here")).toBe("id 110105********002X here");
    expect(scrub("a=440308199901011235,b")).toBe("a=440308********1235,b");
  });
  it("a logged object keeps its dates and loses its ID numbers", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
    createLogger("info", sink).info({ at: new Date("2026-11-23T10:00:00.000Z"), who: { id: "21010219750615123X" } }, "swept");
    expect(JSON.parse(lines[0])).toMatchObject({ at: "2026-11-23T10:00:00.000Z", who: { id: "210102********123X" }, msg: "swept" });
  });
  it("leaves other numbers alone", () => {
    expect(scrub("4001234567 and 1234567890123456789 and order 2024")).toBe("4001234567 and 1234567890123456789 and order 2024");
  });
});

describe("pagination", () => {
  it("cursors round-trip and belong to one list", () => {
    expect(decodeCursor(encodeCursor("organization", "CT-LN"), "organization")).toBe("CT-LN");
    expect(() => decodeCursor(encodeCursor("number", "4001234567"), "organization")).toThrow(/not a cursor/);
  });
  it("page size defaults to 50 and is capped at 500", () => {
    expect(toPage({}, "x").size).toBe(50);
    expect(toPage({ first: 500 }, "x").size).toBe(500);
    expect(() => toPage({ first: 501 }, "x")).toThrow(/between 1 and 500/);
  });
});

describe("audit digests", () => {
  it("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
  });
  it("the input digest is keyed: another key, another digest", () => {
    const input = { legalRep: { idNumber: "11010519491231002X" } };
    const a = inputDigest(Buffer.alloc(32, 1), input);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(inputDigest(Buffer.alloc(32, 2), input)).not.toBe(a);
    expect(inputDigest(Buffer.alloc(32, 1), { legalRep: { idNumber: "11010519491231002X" } })).toBe(a);
  });
  it("an event's hash covers every field", () => {
    const base = {
      seq: "7", at: new Date("2026-01-01T00:00:00.000Z"), actor: "u", orgCode: "CT", role: "CARRIER", operation: "op",
      targets: ["4001234567"], inputDigest: "d", outcome: "SUCCESS", requestId: "r", prevHash: "0".repeat(64),
    };
    const hash = eventHash(base);
    for (const [key, value] of Object.entries({ seq: "8", actor: "v", orgCode: null, outcome: "FORBIDDEN", targets: [], prevHash: "1".repeat(64) })) {
      expect(eventHash({ ...base, [key]: value })).not.toBe(hash);
    }
    expect(eventHash({ ...base, seq: 7 as unknown as string })).toBe(hash);
  });
  it("targets come from identifier arguments only, never from names or ID numbers", () => {
    const args = { input: { code: "CT", name: "Secret Co", legalRep: { name: "Zhang San", idNumber: "11010519491231002X" }, numbers: ["4001234567"] } };
    expect(identifiersIn(args)).toEqual(["CT", "4001234567"]);
  });
});

describe("error codes", () => {
  it("GraphQL's own document errors are the caller's mistake; anything unknown is internal", () => {
    expect(codeOf(new GraphQLError("x", { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }))).toBe("BAD_USER_INPUT");
    expect(codeOf(new GraphQLError("x", { extensions: { code: "CONFLICT" } }))).toBe("CONFLICT");
    expect(codeOf(new Error("boom"))).toBe("INTERNAL_SERVER_ERROR");
  });
});

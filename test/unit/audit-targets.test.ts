import {
  MAX_EVENT_TARGETS, MAX_EVENT_TARGET_BYTES, boundedTargets, canonicalTarget, identifiersIn, targetDigest,
} from "../../src/modules/audit/audited-mutation";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";

const KEY = Buffer.alloc(32, 9);
const residentId = `11010519491231002${residentIdCheckCharacter("11010519491231002")}`;
const uscc = `91210102MA0000A01${usccCheckCharacter("91210102MA0000A01")}`;
const UUID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";

describe("audit targets", () => {
  it("identifiers keep their canonical form: numbers, uuids, organisation codes, USCCs, case numbers, ranges", () => {
    expect(canonicalTarget(KEY, "400-123-4567")).toBe("4001234567");
    expect(canonicalTarget(KEY, "400 123 4567")).toBe("4001234567");
    expect(canonicalTarget(KEY, UUID)).toBe(UUID.toLowerCase());
    expect(canonicalTarget(KEY, "CT-LN")).toBe("CT-LN");
    expect(canonicalTarget(KEY, uscc)).toBe(uscc);
    expect(canonicalTarget(KEY, uscc.toLowerCase())).toBe(uscc);
    expect(canonicalTarget(KEY, "LN-2026-0451")).toBe("LN-2026-0451");
    expect(canonicalTarget(KEY, "沈公（刑）立字〔2026〕123号")).toBe("沈公（刑）立字〔2026〕123号");
    expect(canonicalTarget(KEY, "4001234567..4001234599")).toBe("4001234567..4001234599");
    expect(canonicalTarget(KEY, "sync:batch-2026-01-01")).toBe("sync:batch-2026-01-01");
  });

  it("anything else becomes a keyed digest: a resident ID never appears, nor text with controls or of any length", () => {
    const digested = canonicalTarget(KEY, residentId);
    expect(digested).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(digested).toBe(targetDigest(KEY, residentId));
    expect(digested).not.toBe(targetDigest(Buffer.alloc(32, 1), residentId));
    expect(canonicalTarget(KEY, "110105491231002")).toMatch(/^sha256:/); // a first-generation, 15-digit one
    expect(canonicalTarget(KEY, "abc\u0000def")).toMatch(/^sha256:/);
    expect(canonicalTarget(KEY, "a".repeat(1_000_000))).toMatch(/^sha256:/);
    expect(canonicalTarget(KEY, "bad code!")).toMatch(/^sha256:/);
    expect(canonicalTarget(KEY, `sync:${residentId}`)).toMatch(/^sync:sha256:[0-9a-f]{16}$/);
    // Idempotent: a digest stays a digest.
    expect(canonicalTarget(KEY, digested)).toBe(digested);
  });

  it("arguments are read by the kind of identifier each holds: a resident ID given as a number or a code is digested", () => {
    const args = {
      input: {
        code: "CT", name: "Secret Co", legalRep: { name: "Zhang San", idNumber: residentId },
        numbers: ["400-123-4567", residentId, "Zhang San"], resellerCode: residentId,
      },
      subscriberId: UUID,
    };
    const found = identifiersIn(args, KEY);
    expect(found).toEqual(["CT", "4001234567", targetDigest(KEY, residentId), targetDigest(KEY, "Zhang San"), targetDigest(KEY, residentId), UUID.toLowerCase()]);
    expect(JSON.stringify(found)).not.toContain(residentId);
    expect(JSON.stringify(found)).not.toContain("Zhang");
    // Without a key, what is not an identifier is left out.
    expect(identifiersIn({ number: residentId, code: "CT" })).toEqual(["CT"]);
  });

  it("an event names at most MAX_EVENT_TARGETS targets in MAX_EVENT_TARGET_BYTES, and counts what it cut", () => {
    const many = Array.from({ length: 1500 }, (_, i) => String(4000000000 + i));
    const bounded = boundedTargets(many);
    expect(bounded).toHaveLength(MAX_EVENT_TARGETS);
    expect(bounded.at(-1)).toBe("+501 more");
    expect(boundedTargets(["A1", "A1", "B2"])).toEqual(["A1", "B2"]);
    const wide = Array.from({ length: 900 }, (_, i) => `${"C".repeat(96)}-${i}`);
    const cut = boundedTargets(wide);
    expect(Buffer.byteLength(cut.join(""), "utf8")).toBeLessThanOrEqual(MAX_EVENT_TARGET_BYTES);
    expect(cut.at(-1)).toMatch(/^\+\d+ more$/);
  });
});

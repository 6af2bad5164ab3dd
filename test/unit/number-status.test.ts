import { canonicalNumber, parseNumber } from "../../src/modules/numbers/number-format";
import { IdentityStatus as I } from "../../src/modules/subscribers/identity-rules";
import { IDENTITY_STATUSES, IDENTITY_TRANSITIONS, identityRefusal, identityTransitionPairs } from "../../src/modules/subscribers/identity-status";
import { ChangeCause, NUMBER_STATUSES, NumberStatus as S, ONLY_BY, TRANSITIONS, refusal, transitionPairs } from "../../src/modules/numbers/number-status";

describe("the number status machine", () => {
  const legal = new Set(transitionPairs().map(([f, t]) => `${f}>${t}`));

  // Every ordered pair of the eight states, for the route that can make the most moves.
  for (const from of NUMBER_STATUSES) {
    for (const to of NUMBER_STATUSES) {
      const cause =
        from === S.FORCE_STOPPED ? ChangeCause.LIFT : to === S.FORCE_STOPPED ? ChangeCause.SHUTDOWN : (ONLY_BY[`${from}>${to}`]?.[0] ?? ChangeCause.PUBLISH);
      it(`${from} → ${to}`, () => {
        const allowed = from === to || legal.has(`${from}>${to}`);
        expect(refusal(from, to, cause) === null).toBe(allowed);
      });
    }
  }

  it("never moves a number to a new owner without TERMINATED and AGING", () => {
    expect(TRANSITIONS[S.ACTIVE]).not.toContain(S.SPARE);
    expect(TRANSITIONS[S.SUSPENDED]).not.toContain(S.SPARE);
    expect(TRANSITIONS[S.TERMINATED]).toEqual([S.AGING, S.FORCE_STOPPED]);
    expect(TRANSITIONS[S.AGING]).toContain(S.SPARE);
  });

  it("a number waiting for verification leaves its subscriber only by the reseller's take-back or the sweep", () => {
    expect(refusal(S.PENDING_VERIFICATION, S.SPARE, ChangeCause.UNASSIGN)).toBeNull();
    expect(refusal(S.PENDING_VERIFICATION, S.SPARE, ChangeCause.SWEEP)).toBeNull();
    expect(refusal(S.PENDING_VERIFICATION, S.SPARE, ChangeCause.SYNC)).toMatch(/only by UNASSIGN or SWEEP, not SYNC/);
    expect(refusal(S.PENDING_VERIFICATION, S.SPARE, ChangeCause.WHOLESALE)).toMatch(/only by UNASSIGN or SWEEP/);
    expect(refusal(S.RESERVED, S.SPARE, ChangeCause.RELEASE)).toBeNull();
    expect(refusal(S.ACTIVE, S.SPARE, ChangeCause.UNASSIGN)).toMatch(/illegal transition ACTIVE → SPARE/);
  });

  it("only a shutdown order stops a number, and only lifting it releases one", () => {
    expect(refusal(S.ACTIVE, S.FORCE_STOPPED, ChangeCause.SYNC)).toMatch(/shutdown order/);
    expect(refusal(S.FORCE_STOPPED, S.ACTIVE, ChangeCause.SYNC)).toMatch(/FORCE_STOPPED/);
    expect(refusal(S.FORCE_STOPPED, S.ACTIVE, ChangeCause.SHUTDOWN)).toMatch(/FORCE_STOPPED/);
    expect(refusal(S.FORCE_STOPPED, S.ACTIVE, ChangeCause.LIFT)).toBeNull();
  });

  it("a sync sets only the carrier's own statuses", () => {
    expect(refusal(S.SPARE, S.RESERVED, ChangeCause.SYNC)).toMatch(/reservation/);
    expect(refusal(S.PENDING_VERIFICATION, S.ACTIVE, ChangeCause.SYNC)).toMatch(/approval/);
    expect(refusal(S.ACTIVE, S.SUSPENDED, ChangeCause.SYNC)).toBeNull();
    expect(refusal(S.SPARE, S.AGING, ChangeCause.SYNC)).toMatch(/illegal transition SPARE → AGING/);
  });
});

describe("number formats", () => {
  it.each(["4001234567", "400-123-4567", "400 123 4567"])("accepts %s", (text) => expect(canonicalNumber(text)).toBe("4001234567"));

  it.each([
    "400123456", "40012345678", "400-1234-567", "400.123.4567", "4001234S67", "８００１２３４５６７", "４００１２３４５６７",
    "8001234567", "010-12345678", " 4001234567", "400 123-4567", "",
  ])("refuses %j, naming it", (text) => {
    expect(canonicalNumber(text)).toBeNull();
    expect(() => parseNumber(text)).toThrow(text === "" ? /is not a 400 number/ : text);
  });
});

describe("the identity status machine", () => {
  const legal = new Set(identityTransitionPairs().map(([f, t]) => `${f}>${t}`));

  for (const from of IDENTITY_STATUSES) {
    for (const to of IDENTITY_STATUSES) {
      if (from === to) continue;
      it(`${from} → ${to}`, () => expect(identityRefusal(from, to) === null).toBe(legal.has(`${from}>${to}`)));
    }
  }

  it("follows DESIGN.md: DRAFT → SUBMITTED → VERIFIED or REJECTED; VERIFIED → EXPIRED; any → REVOKED, for ever", () => {
    expect(IDENTITY_TRANSITIONS.DRAFT).toEqual(["SUBMITTED", "REVOKED"]);
    expect(IDENTITY_TRANSITIONS.SUBMITTED).toEqual(["VERIFIED", "REJECTED", "REVOKED"]);
    expect(IDENTITY_TRANSITIONS.VERIFIED).toEqual(["EXPIRED", "REVOKED"]);
    for (const from of IDENTITY_STATUSES.filter((s) => s !== I.REVOKED)) expect(IDENTITY_TRANSITIONS[from]).toContain("REVOKED");
    expect(IDENTITY_TRANSITIONS.REVOKED).toEqual([]);
    expect(identityRefusal(I.REVOKED, I.SUBMITTED)).toMatch(/revoked: it never changes again/);
    expect(identityRefusal(I.DRAFT, I.VERIFIED)).toBe("a DRAFT subscriber does not become VERIFIED; only SUBMITTED ones do");
  });
});

// The unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters,
// the 18th a MOD 31 check character over the first 17.

/** The 31 characters a USCC may use: the digits and the capital letters without I, O, S, V and Z. */
export const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// 3^(i-1) mod 31; every weight is non-zero mod the prime 31, so any single substitution changes the check.
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

const LENGTH = 18;

export type UsccResult = { ok: true; value: string } | { ok: false; reason: string };

/** The check character for the first 17 characters of a USCC; a RangeError when they are not 17 alphabet characters. */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== LENGTH - 1) {
    throw new RangeError(`a USCC check character is computed over 17 characters, not ${first17.length}`);
  }
  let sum = 0;
  for (let i = 0; i < first17.length; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]);
    if (value < 0) throw new RangeError(`character ${i + 1}, ${describe(first17[i])}, is not in the USCC alphabet`);
    sum += value * WEIGHTS[i];
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * The canonical USCC (trimmed, ASCII letters upper-cased), or why the text is not one.
 * Only the alphabet, the length and the check character are checked: the registration
 * authority and organisation type codes (characters 1 and 2) are not, so a code issued
 * under a newly created authority is not refused.
 */
export function parseUscc(raw: string): UsccResult {
  // Code points, so a character outside the BMP counts (and is named) as one character.
  const given = Array.from(raw.trim());
  if (given.length !== LENGTH) {
    return { ok: false, reason: `a unified social credit code has 18 characters, but ${countOf(given.length)} given` };
  }
  const chars = given.map((c) => (c >= "a" && c <= "z" ? c.toUpperCase() : c));
  const bad = chars.findIndex((c) => !USCC_ALPHABET.includes(c));
  if (bad >= 0) {
    return {
      ok: false,
      reason:
        `character ${bad + 1} of the unified social credit code, ${describe(given[bad])}, is not allowed: ` +
        "only the digits 0-9 and the capital letters other than I, O, S, V and Z are used",
    };
  }
  const value = chars.join("");
  const expected = usccCheckCharacter(value.slice(0, LENGTH - 1));
  if (value[LENGTH - 1] !== expected) {
    return {
      ok: false,
      reason:
        `the check character (the 18th) of the unified social credit code is "${value[LENGTH - 1]}", ` +
        `but the first 17 characters call for "${expected}": one of the characters is mistyped`,
    };
  }
  return { ok: true, value };
}

function countOf(n: number): string {
  return n === 0 ? "none was" : n === 1 ? "1 was" : `${n} were`;
}

// A character as a reader can recognise it, with its code point when it is not a printable ASCII one
// (a full-width "１" looks like "1").
function describe(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code > 0x20 && code < 0x7f) return `"${c}"`;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code === 0x20 ? `a space (${hex})` : code < 0x20 || code === 0x7f ? hex : `"${c}" (${hex})`;
}

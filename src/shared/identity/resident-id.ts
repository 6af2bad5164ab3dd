// The resident identity card number (公民身份号码), GB 11643-1999: a 6-digit region code,
// the birth date YYYYMMDD, a 3-digit sequence and an ISO 7064 MOD 11-2 check character.
// It is personal data: no reason given here ever repeats the number, or its birth date.

// 2^(17-i) mod 11; each is non-zero mod the prime 11, so any single substitution changes the check.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = "10X98765432";

const LENGTH = 18;
const LEGACY_LENGTH = 15;

export type ResidentIdResult = { ok: true; value: string; birthDate: string } | { ok: false; reason: string };

/** The check character (0-9 or X) for the first 17 digits; a RangeError when they are not 17 ASCII digits. */
export function residentIdCheckCharacter(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) {
    throw new RangeError("a resident ID check character is computed over exactly 17 ASCII digits");
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/**
 * The canonical number (trimmed, a final x upper-cased) and its birth date as YYYY-MM-DD,
 * or why the text is not an 18-digit resident ID number. The birth date must be a real
 * date from 1900-01-01 to today (UTC); the region code is not checked against GB/T 2260,
 * whose codes change and are never withdrawn from issued cards.
 */
export function parseResidentId(raw: string, today: Date = new Date()): ResidentIdResult {
  const given = Array.from(raw.trim());
  if (given.length === LEGACY_LENGTH && given.every(isAsciiDigit)) {
    return {
      ok: false,
      reason:
        "15-digit first-generation resident ID numbers are no longer accepted: " +
        "give the 18-digit number of the second-generation card",
    };
  }
  if (given.length !== LENGTH) {
    return {
      ok: false,
      reason: `a resident ID number has 18 characters (17 digits and a check digit or X), but ${countOf(given.length)} given`,
    };
  }
  const notDigit = given.slice(0, LENGTH - 1).findIndex((c) => !isAsciiDigit(c));
  if (notDigit >= 0) {
    return {
      ok: false,
      reason: `character ${notDigit + 1} of the resident ID number, ${describe(given[notDigit])}, is not a digit: the first 17 characters are the digits 0-9`,
    };
  }
  const last = given[LENGTH - 1] === "x" ? "X" : given[LENGTH - 1];
  if (!isAsciiDigit(last) && last !== "X") {
    return {
      ok: false,
      reason: `the last character of the resident ID number, ${describe(given[LENGTH - 1])}, must be a digit 0-9 or X`,
    };
  }
  const value = given.slice(0, LENGTH - 1).join("") + last;

  // The birth date before the check character: it says where the mistake is.
  const birth = birthDate(value.slice(6, 14), today);
  if ("reason" in birth) return { ok: false, reason: birth.reason };

  if (residentIdCheckCharacter(value.slice(0, LENGTH - 1)) !== last) {
    // The expected character is not suggested: with a mistyped digit it would make a wrong number look valid.
    return {
      ok: false,
      reason: "the check character (the 18th) of the resident ID number does not match the first 17 digits: one of the characters is mistyped",
    };
  }
  return { ok: true, value, birthDate: birth.date };
}

// The eight digits as YYYY-MM-DD, or why they are not an acceptable birth date.
function birthDate(yyyymmdd: string, today: Date): { date: string } | { reason: string } {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const where = "the birth date in characters 7 to 14 of the resident ID number (YYYYMMDD)";
  // Checked before Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  if (year < 1900) return { reason: `${where} is before 1900-01-01` };
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { reason: `${where} is not a real calendar date` };
  }
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (Number.isNaN(todayUtc)) throw new RangeError("today must be a valid Date");
  if (date.getTime() > todayUtc) return { reason: `${where} is in the future` };
  return { date: date.toISOString().slice(0, 10) };
}

function isAsciiDigit(c: string): boolean {
  return /^[0-9]$/.test(c);
}

function countOf(n: number): string {
  return n === 0 ? "none was" : n === 1 ? "1 was" : `${n} were`;
}

// One character of a refused number, which alone says nothing about the person.
function describe(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code > 0x20 && code < 0x7f) return `"${c}"`;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code === 0x20 ? `a space (${hex})` : code < 0x20 || code === 0x7f ? hex : `"${c}" (${hex})`;
}

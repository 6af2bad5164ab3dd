// Telephone numbers as a caller or callee presents them, in national form: a fixed line is
// 0, its area code and the number (10-12 digits, 02488886666); a mobile number 1[3-9] and
// 9 more digits (13800138000). 400 and 800 numbers are inbound only: never a caller.

const FIXED_LINE = /^0[1-9][0-9]{8,10}$/;
const MOBILE = /^1[3-9][0-9]{9}$/;
const SERVICE = /^(400|800)[0-9]{7}$/;

export type NumberKind = "FIXED_LINE" | "MOBILE" | "SERVICE" | "OTHER";

/**
 * The national form of a number as written or signalled: separators (spaces, dashes,
 * brackets) removed, and +86 or 0086 replaced by the trunk prefix 0 where national
 * form has one (fixed lines), so "+86 24 8888 6666" is 02488886666.
 */
export function nationalForm(text: string): string {
  let digits = text.replace(/[\s\-()]/g, "");
  const international = /^(\+86|0086)/.exec(digits);
  if (international) {
    digits = digits.slice(international[0].length);
    if (/^[2-9]/.test(digits) && !SERVICE.test(digits)) digits = `0${digits}`;
  }
  return digits;
}

/** What a number in national form is. */
export function kindOf(number: string): NumberKind {
  if (SERVICE.test(number)) return "SERVICE";
  if (FIXED_LINE.test(number)) return "FIXED_LINE";
  if (MOBILE.test(number)) return "MOBILE";
  return "OTHER";
}

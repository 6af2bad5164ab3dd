import { badInput } from "../../shared/errors";

// 400 numbers: ten ASCII digits, written 4001234567, 400-123-4567 or 400 123 4567.
const FORMS = [/^400\d{7}$/, /^400-\d{3}-\d{4}$/, /^400 \d{3} \d{4}$/];

/** SQL: whether the text `column` is a 400 number in an accepted form, from the same patterns as canonicalNumber. */
export function isNumberSql(column: string): string {
  return `(${FORMS.map((form) => `${column} ~ '${form.source.replace(/\\d/g, "[0-9]")}'`).join(" OR ")})`;
}

/** The canonical ten digits, or null when the text is not a 400 number in an accepted form. */
export function canonicalNumber(text: string): string | null {
  if (typeof text !== "string" || !FORMS.some((form) => form.test(text))) return null;
  return text.replace(/[- ]/g, "");
}

/** Like canonicalNumber, but BAD_USER_INPUT naming the value. */
export function parseNumber(text: string, argument = "number"): string {
  const number = canonicalNumber(text);
  if (number === null) {
    throw badInput(`"${text}" is not a 400 number: write ten digits starting 400, as 4001234567, 400-123-4567 or 400 123 4567`, {
      argument,
    });
  }
  return number;
}

/** A search prefix: 1 to 10 ASCII digits, dashes and spaces ignored. */
export function parsePrefix(text: string): string {
  const digits = text.replace(/[- ]/g, "");
  if (!/^\d{1,10}$/.test(digits)) throw badInput(`prefix "${text}" must be 1 to 10 digits`, { argument: "prefix" });
  return digits;
}

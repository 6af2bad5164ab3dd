/** A real day of the calendar written YYYY-MM-DD (2017-02-29 is not one). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  // PostgreSQL has no year 0, and Date.UTC reads the years 0 to 99 as 1900 to 1999.
  if (year < 1000) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A real time of a real day written YYYY-MM-DDThh:mm:ss.ffffff (as a cursor carries it). */
export function isInstant(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/.exec(value);
  return match !== null && isCalendarDate(match[1]) && Number(match[2]) < 24 && Number(match[3]) < 60 && Number(match[4]) < 60;
}

/** Rows grouped under the ids a DataLoader asked for, in its order; an id without rows gets []. */
export function groupByIds<T>(ids: readonly string[], rows: T[], key: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(key(row))?.push(row);
  return ids.map((id) => groups.get(id) ?? []);
}

/** The row of each key a DataLoader asked for, in its order; a key without a row (not there, or not the viewer's) gets null. */
export function oneByKeys<T>(keys: readonly string[], rows: T[], key: (row: T) => string): (T | null)[] {
  const byKey = new Map(rows.map((row) => [key(row), row]));
  return keys.map((k) => byKey.get(k) ?? null);
}

// China Standard Time is UTC+8 all year (no daylight saving since 1991): the regulators' and police's days.
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The calendar day of a time in UTC, YYYY-MM-DD (API.md: times are UTC). */
export function utcDayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The calendar day of a time in China Standard Time (UTC+8), YYYY-MM-DD. */
export function chinaDayOf(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The first instant of a China Standard Time day (its 00:00 is 16:00 UTC the day before). */
export function chinaDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS);
}

/** A calendar day `n` days after `day` (before it when negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

// A time with its zone: without one, the same text means different instants on different machines.
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))$/i;

/** An ISO-8601 time with its zone (Z or ±hh:mm), on a real calendar day; null otherwise. */
export function parseInstant(text: string): Date | null {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return null;
  const [, day, hh, mm, ss = "00", fraction = "", zone, sign, zh, zm] = m;
  if (!isCalendarDate(day) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
  if (zone.toUpperCase() !== "Z" && (Number(zh) > 14 || Number(zm) > 59)) return null;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  const offset = zone.toUpperCase() === "Z" ? "Z" : `${sign}${zh}:${zm}`;
  const at = new Date(`${day}T${hh}:${mm}:${ss}.${millis}${offset}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

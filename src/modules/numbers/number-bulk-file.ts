import { createHash } from "node:crypto";
import { badInput } from "../../shared/errors";
import type { SyncRow } from "./number-bulk";

/** A carrier's file, read as it streams: never held whole. */
export interface BulkLimits {
  /** The body's size at most (BULK_MAX_BYTES). */
  maxBytes: number;
  /** Rows at most (BULK_MAX_ROWS). */
  maxRows: number;
  /** A line's bytes at most: a row is a number, a status, a code and a province. */
  maxLineBytes: number;
}

export type BulkFormat = "csv" | "ndjson";

const COLUMNS = ["number", "status", "resellerCode", "province"];

/** One CSV line; double quotes may wrap a field and "" is a quote inside one. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") fields.push(field), (field = "");
    else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** The lines of a byte stream, with their numbers, within the limits; the body's digest when it ends. */
async function* linesOf(body: AsyncIterable<Buffer | string>, limits: BulkLimits, digest: { hex?: string; bytes: number }): AsyncGenerator<[number, string]> {
  const hash = createHash("sha256");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const tooLong = () => badInput(`line ${lineNo + 1} is longer than ${limits.maxLineBytes} bytes`);
  for await (const part of body) {
    const chunk = typeof part === "string" ? Buffer.from(part) : part;
    digest.bytes += chunk.length;
    if (digest.bytes > limits.maxBytes) throw Object.assign(badInput(`the body is larger than ${limits.maxBytes} bytes (BULK_MAX_BYTES)`), { status: 413 });
    hash.update(chunk);
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      if (pendingBytes + end - start > limits.maxLineBytes) throw tooLong();
      const bytes = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(start, end)]) : chunk.subarray(start, end);
      pending = [];
      pendingBytes = 0;
      lineNo += 1;
      yield [lineNo, bytes.toString("utf8")];
      start = end + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > limits.maxLineBytes) throw tooLong();
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) {
    lineNo += 1;
    yield [lineNo, Buffer.concat(pending).toString("utf8")];
  }
  digest.hex = hash.digest("hex");
}

/**
 * The rows of a CSV (`number,status[,resellerCode][,province]`, the header optional) or NDJSON body. In CSV an
 * empty resellerCode clears the reseller, an empty province leaves it as it is, a missing column leaves
 * either; NDJSON objects mean what syncNumbers' items mean. A body that is not one of these is
 * BAD_USER_INPUT naming its line; a row the registry refuses is a reject, decided later.
 */
export async function* rowsOf(
  body: AsyncIterable<Buffer | string>,
  format: BulkFormat,
  limits: BulkLimits,
  digest: { hex?: string; bytes: number },
): AsyncGenerator<SyncRow> {
  let columns: string[] | null = null;
  let rows = 0;
  for await (const [line, raw] of linesOf(body, limits, digest)) {
    const text = (line === 1 ? raw.replace(/^\uFEFF/, "") : raw).replace(/\r$/, "");
    if (text.trim() === "") continue;
    let row: SyncRow;
    if (format === "ndjson") {
      row = ndjsonRow(line, text);
    } else {
      const fields = splitCsvLine(text);
      if (columns === null) {
        columns = fields[0].toLowerCase() === "number" ? fields : [];
        if (columns.length > 0) {
          const unknown = columns.filter((c) => !COLUMNS.includes(c));
          if (!columns.includes("status") || unknown.length > 0 || new Set(columns).size !== columns.length) {
            throw badInput(`line ${line}: the header must name the columns number,status[,resellerCode][,province]`);
          }
          continue;
        }
      }
      const named = columns.length > 0 ? columns : COLUMNS.slice(0, fields.length);
      if (columns.length > 0 ? fields.length !== columns.length : fields.length < 2 || fields.length > COLUMNS.length) {
        throw badInput(`line ${line} has ${fields.length} fields: ${columns.length > 0 ? `the header names ${columns.length}` : "write number,status[,resellerCode][,province]"}`);
      }
      const value = Object.fromEntries(named.map((c, i) => [c, fields[i]]));
      row = { line, number: value.number, status: value.status.toUpperCase() };
      if ("resellerCode" in value) row.resellerCode = value.resellerCode === "" ? null : value.resellerCode;
      if ("province" in value && value.province !== "") row.province = value.province;
    }
    rows += 1;
    if (rows > limits.maxRows) throw badInput(`the body holds more than ${limits.maxRows} rows (BULK_MAX_ROWS)`);
    yield row;
  }
}

function ndjsonRow(line: number, text: string): SyncRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput(`line ${line} is not JSON`);
  }
  const item = value as Record<string, unknown>;
  const optional = (v: unknown) => v === undefined || v === null || typeof v === "string";
  if (
    item === null || typeof item !== "object" || Array.isArray(item) || typeof item.number !== "string" || typeof item.status !== "string" ||
    !optional(item.resellerCode) || !optional(item.province) || Object.keys(item).some((k) => !COLUMNS.includes(k))
  ) {
    throw badInput(`line ${line} must be an object {"number", "status", "resellerCode"?, "province"?} with string values`);
  }
  const row: SyncRow = { line, number: item.number, status: item.status };
  if (item.resellerCode !== undefined) row.resellerCode = item.resellerCode as string | null;
  if (item.province !== undefined) row.province = item.province as string | null;
  return row;
}

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
  // Most lines of a carrier's file quote nothing.
  if (!line.includes('"')) return line.split(",").map((f) => f.trim());
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

/**
 * The lines of a byte stream, with their numbers, within the limits, a chunk's worth at a time (one await
 * per chunk, not per line); the body's digest when it ends.
 */
async function* linesOf(body: AsyncIterable<Buffer | string>, limits: BulkLimits, digest: { hex?: string; bytes: number }): AsyncGenerator<[number, string][]> {
  const hash = createHash("sha256");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const tooLong = (line: number) => badInput(`line ${line} is longer than ${limits.maxLineBytes} bytes`);
  const measured = (text: string) =>
    // A character is one to three bytes (four for a pair of two characters): count bytes only when it could matter.
    text.length > limits.maxLineBytes || (text.length * 3 > limits.maxLineBytes && Buffer.byteLength(text) > limits.maxLineBytes);
  for await (const part of body) {
    const chunk = typeof part === "string" ? Buffer.from(part) : part;
    digest.bytes += chunk.length;
    if (digest.bytes > limits.maxBytes) throw Object.assign(badInput(`the body is larger than ${limits.maxBytes} bytes (BULK_MAX_BYTES)`), { status: 413 });
    hash.update(chunk);
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      pendingBytes += chunk.length;
      if (pendingBytes > limits.maxLineBytes) throw tooLong(lineNo + 1);
      pending.push(chunk);
      continue;
    }
    // Whole lines end at a newline byte, which no UTF-8 sequence contains: they decode on their own.
    const whole = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, last)]) : chunk.subarray(0, last);
    const texts = whole.toString("utf8").split("\n");
    const lines: [number, string][] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      lineNo += 1;
      if (measured(texts[i])) throw tooLong(lineNo);
      lines[i] = [lineNo, texts[i]];
    }
    yield lines;
    pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
    pendingBytes = chunk.length - last - 1;
    if (pendingBytes > limits.maxLineBytes) throw tooLong(lineNo + 1);
  }
  if (pendingBytes > 0) {
    lineNo += 1;
    yield [[lineNo, Buffer.concat(pending).toString("utf8")]];
  }
  digest.hex = hash.digest("hex");
}

/**
 * The rows of a CSV (`number,status[,resellerCode][,province]`, the header optional) or NDJSON body. In CSV an
 * empty resellerCode clears the reseller, an empty province leaves it as it is, a missing column leaves
 * either; NDJSON objects mean what syncNumbers' items mean. A body that is not one of these is
 * BAD_USER_INPUT naming its line; a row the registry refuses is a reject, decided later. Comes in batches,
 * as the body's chunks come.
 */
export async function* rowsOf(
  body: AsyncIterable<Buffer | string>,
  format: BulkFormat,
  limits: BulkLimits,
  digest: { hex?: string; bytes: number },
): AsyncGenerator<SyncRow[]> {
  let columns: string[] | null = null;
  let rows = 0;
  for await (const lines of linesOf(body, limits, digest)) {
    const batch: SyncRow[] = [];
    for (const [line, raw] of lines) {
      const unmarked = line === 1 && raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
      const text = unmarked.endsWith("\r") ? unmarked.slice(0, -1) : unmarked;
      if (text.length === 0 || text.trim() === "") continue;
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
        const named = columns.length > 0 ? columns : COLUMNS;
        if (columns.length > 0 ? fields.length !== columns.length : fields.length < 2 || fields.length > COLUMNS.length) {
          throw badInput(`line ${line} has ${fields.length} fields: ${columns.length > 0 ? `the header names ${columns.length}` : "write number,status[,resellerCode][,province]"}`);
        }
        row = { line, number: "", status: "" };
        for (let i = 0; i < fields.length; i++) {
          const value = fields[i];
          if (named[i] === "number") row.number = value;
          else if (named[i] === "status") row.status = value.toUpperCase();
          else if (named[i] === "resellerCode") row.resellerCode = value === "" ? null : value;
          else if (value !== "") row.province = value;
        }
      }
      rows += 1;
      if (rows > limits.maxRows) throw badInput(`the body holds more than ${limits.maxRows} rows (BULK_MAX_ROWS)`);
      batch.push(row);
    }
    if (batch.length > 0) yield batch;
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

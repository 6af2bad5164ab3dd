// An entry point: it prepares the process for decorated modules itself, whatever it imports later.
import "reflect-metadata";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { SingleBar, Presets } from "cli-progress";
import { loadConfig } from "../config";
import { Role } from "../shared/auth/roles";
import { signToken } from "../shared/auth/tokens";
import { MAX_SYNC_ITEMS } from "../modules/numbers/number-limits";
import { parseArgs } from "./args";

const USAGE = `usage: npm run sync -- --file numbers.csv --org CODE [--url URL] [--batch 10000] [--token JWT] [--rejects rejects.csv]
The CSV has a header naming its columns: number,status[,resellerCode][,province].
An empty resellerCode cell clears the reseller; a missing column leaves it as it is.
Each batch is sent with an idempotency key made from the file's content and the batch's place,
so running the same command again after a failure replays what was done and carries on.`;

const SYNC = `mutation($input: SyncNumbersInput!) { syncNumbers(input: $input) { created updated unchanged rejected { number reason } } }`;

interface Item {
  number: string;
  status: string;
  resellerCode?: string | null;
  province?: string;
}

export interface SyncSummary {
  rows: number;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; number: string; reason: string }[];
}

export class CsvError extends Error {}

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

async function fileDigest(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex").slice(0, 24);
}

/** Streams the file through syncNumbers, batch by batch; never holds more than one batch. */
export async function syncCsv(options: {
  file: string;
  url: string;
  token: string;
  batch?: number;
  onProgress?: (bytes: number, rows: number) => void;
}): Promise<SyncSummary> {
  const batchSize = options.batch ?? MAX_SYNC_ITEMS;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SYNC_ITEMS) throw new CsvError(`--batch must be 1 to ${MAX_SYNC_ITEMS}`);
  const keyPrefix = `csv-${await fileDigest(options.file)}`;
  const summary: SyncSummary = { rows: 0, batches: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  let columns: string[] | null = null;
  let items: Item[] = [];
  let lines: number[] = [];
  let lineNo = 0;
  let bytes = 0;

  const send = async () => {
    if (items.length === 0) return;
    const key = `${keyPrefix}-${summary.batches}-${batchSize}`;
    const res = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: SYNC, variables: { input: { idempotencyKey: key, numbers: items } } }),
    });
    const body = (await res.json().catch(() => null)) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } | null;
    if (!body?.data?.syncNumbers) {
      const error = body?.errors?.[0];
      throw new CsvError(
        `batch ${summary.batches + 1} (lines ${lines[0]}-${lines.at(-1)}) failed: ${error ? `${error.extensions?.code}: ${error.message}` : `HTTP ${res.status}`}`,
      );
    }
    const result = body.data.syncNumbers;
    summary.created += result.created;
    summary.updated += result.updated;
    summary.unchanged += result.unchanged;
    const lineOf = new Map(items.map((item, i) => [item.number, lines[i]]));
    // Rejects name the number as sent; map them back to their CSV line, in the file's order.
    const rejected = result.rejected.map((r: { number: string; reason: string }) => ({ line: lineOf.get(r.number) ?? 0, ...r }));
    summary.rejected.push(...rejected.sort((a: { line: number }, b: { line: number }) => a.line - b.line));
    summary.batches += 1;
    items = [];
    lines = [];
  };

  const input = createReadStream(options.file, { encoding: "utf8" });
  input.on("data", (chunk) => (bytes += Buffer.byteLength(chunk as string)));
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.trim() === "") continue;
    const fields = splitCsvLine(line);
    if (!columns) {
      columns = fields;
      const unknown = columns.filter((c) => !["number", "status", "resellerCode", "province"].includes(c));
      if (!columns.includes("number") || !columns.includes("status") || unknown.length > 0) {
        throw new CsvError(`line 1 must name the columns number,status[,resellerCode][,province]; got "${line}"`);
      }
      continue;
    }
    if (fields.length !== columns.length) throw new CsvError(`line ${lineNo} has ${fields.length} fields, the header ${columns.length}`);
    const row = Object.fromEntries(columns.map((c, i) => [c, fields[i]]));
    const item: Item = { number: row.number, status: row.status.toUpperCase() };
    if ("resellerCode" in row) item.resellerCode = row.resellerCode === "" ? null : row.resellerCode;
    if ("province" in row && row.province !== "") item.province = row.province;
    items.push(item);
    lines.push(lineNo);
    summary.rows += 1;
    if (items.length === batchSize) {
      await send();
      options.onProgress?.(bytes, summary.rows);
    }
  }
  if (!columns) throw new CsvError("the file is empty: it needs a header line");
  await send();
  options.onProgress?.(bytes, summary.rows);
  return summary;
}

function report(summary: SyncSummary): string {
  const byReason = new Map<string, number>();
  for (const r of summary.rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  const lines = [
    `${summary.rows} rows in ${summary.batches} batches: ${summary.created} created, ${summary.updated} updated, ` +
      `${summary.unchanged} unchanged, ${summary.rejected.length} rejected`,
  ];
  if (summary.rejected.length > 0) {
    lines.push("rejects by reason:");
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(8)}  ${reason}`);
    lines.push("first rejects:");
    for (const r of summary.rejected.slice(0, 10)) lines.push(`  line ${r.line}: ${r.number}: ${r.reason}`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.file || (!args.org && !args.token && !process.env.REGISTRY_TOKEN)) throw new CsvError(USAGE);
  const config = loadConfig();
  const token =
    args.token ?? process.env.REGISTRY_TOKEN ?? (await signToken(config.jwtSecret, { sub: `${args.org.toLowerCase()}-sync`, org: args.org, role: Role.CARRIER }, Math.min(3600 * 8, config.tokenMaxLifetimeSeconds)));
  const size = statSync(args.file).size;
  const bar = new SingleBar({ format: "sync |{bar}| {percentage}% | {rows} rows | {eta_formatted} left", etaBuffer: 50 }, Presets.shades_classic);
  if (process.stderr.isTTY) bar.start(size, 0, { rows: 0 });
  try {
    const summary = await syncCsv({
      file: args.file,
      url: args.url ?? `http://127.0.0.1:${config.port}/graphql`,
      token,
      batch: args.batch ? Number(args.batch) : undefined,
      onProgress: (bytes, rows) => (process.stderr.isTTY ? bar.update(Math.min(bytes, size), { rows }) : undefined),
    });
    bar.stop();
    process.stdout.write(`${report(summary)}\n`);
    if (args.rejects) {
      const out = createWriteStream(args.rejects);
      out.write("line,number,reason\n");
      for (const r of summary.rejected) out.write(`${r.line},${r.number},"${r.reason.replace(/"/g, '""')}"\n`);
      await new Promise((resolve) => out.end(resolve));
      process.stdout.write(`rejects written to ${args.rejects}\n`);
    }
    return 0;
  } finally {
    bar.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`\n${error instanceof CsvError ? error.message : error.stack}\n`);
      if (error instanceof CsvError && /failed/.test(error.message)) {
        process.stderr.write("Run the same command again to carry on: batches already applied are replayed, not repeated.\n");
      }
      process.exit(1);
    },
  );
}

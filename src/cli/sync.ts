// An entry point: it prepares the process for decorated modules itself, whatever it imports later.
import "reflect-metadata";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { SingleBar, Presets } from "cli-progress";
import { loadConfig } from "../config";
import { Role } from "../shared/auth/roles";
import { signToken } from "../shared/auth/tokens";
import { MAX_SYNC_ITEMS } from "../modules/numbers/number-limits";
import { splitCsvLine } from "../modules/numbers/number-bulk-file";
import { parseArgs } from "./args";

const USAGE = `usage: npm run sync -- --file numbers.csv --org CODE [--url URL] [--batch 10000] [--token JWT] [--rejects rejects.csv]
The CSV has a header naming its columns: number,status[,resellerCode][,province].
An empty resellerCode cell clears the reseller; a missing column leaves it as it is.
The file is streamed whole to POST /bulk/numbers (one transaction) with an idempotency key made from
its content, so running the same command again after a failure replays what was done. --batch is
accepted for older scripts and no longer splits the file.`;

export interface SyncSummary {
  rows: number;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; number: string; reason: string }[];
}

export class CsvError extends Error {}

export { splitCsvLine };

async function fileDigest(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex").slice(0, 24);
}

/** The file's first line, checked as the header naming its columns. */
async function checkHeader(file: string): Promise<void> {
  const input = createReadStream(file, { encoding: "utf8" });
  try {
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      const line = raw.replace(/^\uFEFF/, "");
      const columns = splitCsvLine(line);
      const unknown = columns.filter((c) => !["number", "status", "resellerCode", "province"].includes(c));
      if (!columns.includes("number") || !columns.includes("status") || unknown.length > 0 || columns[0] !== "number") {
        throw new CsvError(`line 1 must name the columns number,status[,resellerCode][,province]; got "${line}"`);
      }
      return;
    }
    throw new CsvError("the file is empty: it needs a header line");
  } finally {
    input.destroy();
  }
}

/** The bulk endpoint beside a GraphQL URL (…/graphql → …/bulk/numbers); any other URL is taken as the endpoint. */
export function bulkUrl(url: string): string {
  return /\/graphql\/?$/.test(url) ? url.replace(/\/graphql\/?$/, "/bulk/numbers") : url;
}

/** One CSV reject line `line,number,reason` as the server writes it. */
function parseReject(line: string): { line: number; number: string; reason: string } {
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
    else if (c === "," && fields.length < 2) fields.push(field), (field = "");
    else field += c;
  }
  fields.push(field);
  return { line: Number(fields[0]), number: fields[1], reason: fields[2] };
}

/** Streams the file to POST /bulk/numbers; never holds it. */
export async function syncCsv(options: {
  file: string;
  url: string;
  token: string;
  batch?: number;
  onProgress?: (bytes: number, rows: number) => void;
}): Promise<SyncSummary> {
  const batchSize = options.batch ?? MAX_SYNC_ITEMS;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SYNC_ITEMS) throw new CsvError(`--batch must be 1 to ${MAX_SYNC_ITEMS}`);
  await checkHeader(options.file);
  const key = `csv-${await fileDigest(options.file)}`;
  let bytes = 0;
  let lines = 0;
  async function* body(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(options.file, { highWaterMark: 256 * 1024 })) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines += 1;
      options.onProgress?.(bytes, Math.max(0, lines - 1));
      yield buffer;
    }
  }
  // A stream body needs `duplex: "half"` (Node's fetch), which its RequestInit type does not name.
  const init = {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${options.token}`, "idempotency-key": key },
    body: Readable.from(body()),
    duplex: "half",
  };
  const res = await fetch(bulkUrl(options.url), init as unknown as RequestInit);
  const answer = (await res.json().catch(() => null)) as
    | { created: number; updated: number; unchanged: number; rejected: number; rejectsCsv: string; errors?: undefined }
    | { errors?: { message: string; extensions?: { code?: string } }[] }
    | null;
  if (!answer || answer.errors || res.status !== 200) {
    const error = answer?.errors?.[0];
    throw new CsvError(`the upload failed: ${error ? `${error.extensions?.code}: ${error.message}` : `HTTP ${res.status}`}`);
  }
  const result = answer as { created: number; updated: number; unchanged: number; rejected: number; rejectsCsv: string };
  const rejected = result.rejectsCsv.split("\n").slice(1).filter((l) => l !== "").map(parseReject).sort((a, b) => a.line - b.line);
  const summary: SyncSummary = {
    rows: result.created + result.updated + result.unchanged + result.rejected,
    batches: 1,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    rejected,
  };
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
        process.stderr.write("Run the same command again: nothing of a failed upload was applied, and a finished one is replayed, not repeated.\n");
      }
      process.exit(1);
    },
  );
}

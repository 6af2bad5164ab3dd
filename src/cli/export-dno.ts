// An entry point: it prepares the process for decorated modules itself, whatever it imports later.
import "reflect-metadata";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Presets, SingleBar } from "cli-progress";
import { loadConfig } from "../config";
import { Role } from "../shared/auth/roles";
import { signToken } from "../shared/auth/tokens";
import { DNO_MAX_PAGE } from "../modules/trunks/trunk-limits";
import { parseArgs } from "./args";

const USAGE = `usage: npm run export:dno -- --out file.csv [--url http://127.0.0.1:4000/graphql] [--token JWT | --org CODE --role ROLE] [--page 5000]
Writes the do-not-originate list (every 400 number in the registry, and every stopped number)
as "number,reason" lines under a header, in number order, for switches to load.
The file appears only when the whole list is written: it is written to <out>.partial and renamed
at the end; a failure part-way removes the partial file and leaves any earlier <out> as it was.
ROLE is CARRIER, CALL_CENTER or REGULATOR; without --token or REGISTRY_TOKEN a token is signed
with the server's JWT_SECRET for --org.`;

const PAGE = `query($after: String, $first: Int) { doNotOriginate(after: $after, first: $first) {
  pageInfo { hasNextPage endCursor } edges { node { number reason } } } }`;
const FIRST_PAGE = `query($first: Int) { doNotOriginate(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { node { number reason } } } }`;

const READERS = [Role.CARRIER, Role.CALL_CENTER, Role.REGULATOR] as const;

export class ExportError extends Error {}

export interface ExportSummary {
  total: number;
  byReason: Record<string, number>;
  pages: number;
}

interface Page {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: { number: string; reason: string } }[];
}

/** Pages through doNotOriginate and writes the CSV; the file at `out` appears only once it is complete. */
export async function exportDno(options: {
  url: string;
  token: string;
  out: string;
  page?: number;
  fetch?: typeof fetch;
  onProgress?: (written: number, total: number) => void;
}): Promise<ExportSummary> {
  const size = options.page ?? DNO_MAX_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > DNO_MAX_PAGE) throw new ExportError(`--page must be 1 to ${DNO_MAX_PAGE}`);
  const send = options.fetch ?? fetch;
  const partial = `${options.out}.partial`;
  const file = createWriteStream(partial, { encoding: "utf8" });
  // A write error (disk full) surfaces at the next write or at the end, not as an uncaught event.
  let failed: Error | null = null;
  file.on("error", (error) => (failed ??= error));
  const summary: ExportSummary = { total: 0, byReason: {}, pages: 0 };
  const write = async (text: string) => {
    if (failed) throw failed;
    if (!file.write(text)) await Promise.race([once(file, "drain"), once(file, "close")]);
  };
  try {
    await once(file, "open");
    await write("number,reason\n");
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page: Page = await request(send, options.url, options.token, after === null ? FIRST_PAGE : PAGE, after === null ? { first: size } : { after, first: size }, summary.pages + 1);
      if (page.totalCount !== undefined) total = page.totalCount;
      summary.pages += 1;
      let lines = "";
      for (const { node } of page.edges) {
        lines += `${node.number},${node.reason}\n`;
        summary.byReason[node.reason] = (summary.byReason[node.reason] ?? 0) + 1;
      }
      await write(lines);
      summary.total += page.edges.length;
      options.onProgress?.(summary.total, Math.max(total, summary.total));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    await new Promise<void>((resolve, reject) => file.end(() => (failed ? reject(failed) : resolve())));
    if (failed) throw failed;
    await rename(partial, options.out);
    return summary;
  } catch (error) {
    if (!file.closed) await new Promise((resolve) => file.end(resolve));
    await rm(partial, { force: true });
    throw error;
  }
}

async function request(send: typeof fetch, url: string, token: string, query: string, variables: object, pageNo: number): Promise<Page> {
  let res: Response;
  try {
    res = await send(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ExportError(`page ${pageNo}: could not reach ${url}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as { data?: { doNotOriginate?: Page }; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  const page = body?.data?.doNotOriginate;
  if (!page) {
    const error = body?.errors?.[0];
    throw new ExportError(`page ${pageNo} failed: ${error ? `${error.extensions?.code}: ${error.message}` : `HTTP ${res.status}`}`);
  }
  return page;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.out || (!args.token && !process.env.REGISTRY_TOKEN && !args.org)) throw new ExportError(USAGE);
  const config = loadConfig();
  let token = args.token ?? process.env.REGISTRY_TOKEN;
  if (!token) {
    const role = (args.role ?? Role.CARRIER).toUpperCase() as (typeof READERS)[number];
    if (!READERS.includes(role)) throw new ExportError(`--role must be one of ${READERS.join(", ")}, got "${args.role}"`);
    token = await signToken(config.jwtSecret, { sub: `${args.org.toLowerCase()}-export-dno`, org: args.org, role }, Math.min(3600, config.tokenMaxLifetimeSeconds));
  }
  const bar = new SingleBar({ format: "do-not-originate |{bar}| {value}/{total} numbers | {eta_formatted} left", etaBuffer: 20 }, Presets.shades_classic);
  let started = false;
  try {
    const summary = await exportDno({
      url: args.url ?? `http://127.0.0.1:${config.port}/graphql`,
      token,
      out: args.out,
      page: args.page ? Number(args.page) : undefined,
      onProgress: (written, total) => {
        if (!process.stderr.isTTY) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.setTotal(total);
        bar.update(written);
      },
    });
    bar.stop();
    const reasons = Object.entries(summary.byReason).map(([reason, n]) => `${n.toLocaleString("en")} ${reason}`).join(", ");
    process.stdout.write(`${summary.total.toLocaleString("en")} numbers (${reasons || "none"}) in ${summary.pages} pages written to ${args.out}\n`);
    return 0;
  } finally {
    bar.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`\n${error instanceof ExportError ? error.message : error.stack}\n`);
      process.exit(1);
    },
  );
}

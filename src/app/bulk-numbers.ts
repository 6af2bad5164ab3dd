import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Config } from "../config";
import { AuditedMutation } from "../modules/audit";
import { BulkFormat, rowsOf } from "../modules/numbers/number-bulk-file";
import { Permission } from "../shared/auth/permissions";
import { Role } from "../shared/auth/roles";
import { Viewer } from "../shared/auth/viewer";
import { AppError, badInput, codeOf, forbidden, unauthenticated } from "../shared/errors";
import { requestIdOf } from "./graphql-http";
import type { Services } from "./services";

// The same shape as syncNumbers' idempotencyKey (audited as the target `sync:<key>`).
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const FORMATS: Record<string, BulkFormat> = { "text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson" };
const STATUS_OF: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409 };
/** A row is a number, a status, a code and a province: a line longer than this is not one. */
const MAX_LINE_BYTES = 4096;

type Authenticate = (services: Services, authorization: string | undefined) => Promise<{ viewer: Viewer }>;

/** Rejects read from the database per page as the answer streams: the server holds one page. */
const REJECTS_PAGE = 10_000;
const REJECTS_HEADER = "line,number,reason\n";

/** A client that closed its connection before its body ended: its own doing, not the server's failure. */
const clientGone = () => badInput("the body ended early: the client closed the connection before sending all of it");

/** Writes and waits while the client's socket is full, so a slow reader never makes the server buffer the rejects. */
async function write(res: ServerResponse, text: string): Promise<void> {
  if (res.destroyed) throw new Error("the client closed the connection during the answer");
  if (!res.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => (res.off("drain", done), res.off("close", done), res.destroyed ? reject(new Error("the client closed the connection during the answer")) : resolve());
      res.on("drain", done);
      res.on("close", done);
    });
  }
}

/**
 * The answer after the commit: the counts, then the rejects page by page from the database, as JSON
 * `{ created, updated, unchanged, rejected, rejectsCsv }` (the CSV a JSON string, written as it comes) or,
 * with `Accept: text/csv`, the CSV itself with the counts in X-Bulk-* headers.
 */
async function streamAnswer(
  res: ServerResponse,
  counts: Record<"created" | "updated" | "unchanged" | "rejected", number>,
  page: (after: number) => Promise<{ csv: string; last: number }>,
  csv: boolean,
): Promise<void> {
  res.statusCode = 200;
  if (csv) {
    for (const [name, value] of Object.entries(counts)) res.setHeader(`x-bulk-${name}`, String(value));
    res.setHeader("content-type", "text/csv; charset=utf-8");
  } else {
    res.setHeader("content-type", "application/json; charset=utf-8");
  }
  const asJson = (text: string) => JSON.stringify(text).slice(1, -1);
  await write(res, csv ? REJECTS_HEADER : `${JSON.stringify(counts).slice(0, -1)},"rejectsCsv":"${asJson(REJECTS_HEADER)}`);
  for (let after = 0; counts.rejected > 0; ) {
    const next = await page(after);
    if (next.last === after) break;
    await write(res, csv ? next.csv : asJson(next.csv));
    after = next.last;
  }
  res.end(csv ? undefined : `"}`);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/**
 * POST /bulk/numbers: a carrier's file, CSV or NDJSON, streamed into the sync engine (NumberService.syncFile)
 * in one transaction with one audit event, refusals included. Answers the counts and the rejects' CSV as
 * JSON; with `Accept: text/csv`, the rejects' CSV itself, the counts in X-Bulk-* headers.
 */
export function bulkNumbersRoute(services: Services, config: Config, log: Logger, authenticate: Authenticate, clientAddressOf: (req: IncomingMessage) => string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(res);
    let mutation: AuditedMutation | null = null;
    let viewer: Viewer | null = null;
    let answered = false;
    try {
      ({ viewer } = await authenticate(services, req.headers.authorization));
      const key = req.headers["idempotency-key"];
      // Audited like a mutation named bulkNumbers; its input digest covers the key (the body's digest is checked against the key's first use).
      mutation = AuditedMutation.start(services.dataSource, services.audit, config.piiKey, viewer, "bulkNumbers", { idempotencyKey: key ?? null }, requestId);
      if (viewer.role === Role.PUBLIC) throw unauthenticated("POST /bulk/numbers needs a carrier's token: Authorization: Bearer <token>");
      if (!viewer.permissions.has(Permission.NUMBER_ALLOCATE)) throw forbidden("POST /bulk/numbers is for carriers (NUMBER_ALLOCATE)");
      if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) {
        throw badInput("the Idempotency-Key header is required: 1 to 128 letters, digits and . _ : -", { argument: "Idempotency-Key" });
      }
      const mediaType = (req.headers["content-type"] ?? "").split(";", 1)[0].trim().toLowerCase();
      const format = FORMATS[mediaType];
      if (!format) throw Object.assign(badInput("the body must be text/csv or application/x-ndjson"), { status: 415 });
      const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
      if (encoding !== "identity") throw Object.assign(badInput("the body must not be encoded (Content-Encoding)"), { status: 415 });
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > config.limits.bulkMaxBytes) {
        throw Object.assign(badInput(`the body is larger than ${config.limits.bulkMaxBytes} bytes (BULK_MAX_BYTES)`), { status: 413 });
      }
      const digest: { hex?: string; bytes: number } = { bytes: 0 };
      const limits = { maxBytes: config.limits.bulkMaxBytes, maxRows: config.limits.bulkMaxRows, maxLineBytes: MAX_LINE_BYTES };
      const result = await services.numbers.syncFile(viewer, key, rowsOf(req, format, limits, digest), digest, mutation);
      const counts = { created: result.created, updated: result.updated, unchanged: result.unchanged, rejected: result.rejected };
      answered = true;
      await streamAnswer(res, counts, (after) => services.numbers.bulkRejects(viewer!, key, after, REJECTS_PAGE), (req.headers.accept ?? "").includes("text/csv"));
    } catch (error) {
      if (answered) {
        // Committed, and the answer under way: all that is left is to cut it short, and the client sees it cut.
        log.error({ err: error, requestId }, "the rejects of a committed bulk sync could not be sent");
        res.destroy();
        return;
      }
      // The body's stream failed under us: the client hung up (a refusal of ours is an AppError, and ends the stream too).
      if (!(error instanceof AppError) && req.destroyed && !req.readableEnded) error = clientGone();
      const code = codeOf(error);
      if (mutation) {
        const anonymous = viewer?.role === Role.PUBLIC ? services.reports.clientHash(clientAddressOf(req) || null) : undefined;
        await mutation.recordFailure(error, anonymous).catch((e) => log.error({ err: e, requestId }, "could not record a refused bulk sync"));
      }
      const given = (error as { status?: number }).status;
      const status = error instanceof AppError ? (given ?? STATUS_OF[code] ?? 400) : 500;
      if (status === 500) log.error({ err: error, requestId }, "bulk sync failed");
      const message = status === 500 ? "Internal server error" : (error as Error).message;
      // The body may be unread: a refusal closes the connection rather than read a gigabyte to throw away.
      if (!req.readableEnded) res.setHeader("connection", "close");
      if (!res.destroyed) send(res, status, { errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : code, requestId } }] });
      if (!req.readableEnded) req.resume();
    }
  };
}

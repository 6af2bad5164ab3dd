import { GraphQLError } from "graphql";

/** The codes of API.md; anything else reaching a client is INTERNAL_SERVER_ERROR. */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "INTERNAL_SERVER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** An error whose message is meant for the caller, with a code from API.md. */
export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    const status = HTTP_STATUS[code];
    super(message, { extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) } });
  }
}

export const badInput = (message: string, extensions?: Record<string, unknown>) =>
  new AppError("BAD_USER_INPUT", message, extensions);
export const forbidden = (message = "You are not allowed to do this") => new AppError("FORBIDDEN", message);
export const unauthenticated = (message: string) => new AppError("UNAUTHENTICATED", message);
export const notFound = (message: string) => new AppError("NOT_FOUND", message);
export const conflict = (message: string, extensions?: Record<string, unknown>) =>
  new AppError("CONFLICT", message, extensions);

/** PostgreSQL's unique_violation, for mapping a constraint to CONFLICT. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === "23505" && (constraint === undefined || name === constraint);
}

// What GraphQL itself raises about a request document is the caller's mistake.
const CALLER_MISTAKES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** The API.md code an error leaves with: INTERNAL_SERVER_ERROR for anything not raised on purpose. */
export function codeOf(error: unknown): ErrorCode {
  const code = String((error as GraphQLError)?.extensions?.code ?? "");
  if ((ERROR_CODES as readonly string[]).includes(code)) return code as ErrorCode;
  return CALLER_MISTAKES.has(code) ? "BAD_USER_INPUT" : "INTERNAL_SERVER_ERROR";
}

/** The value of a parse that succeeded; BAD_USER_INPUT naming the argument and the reason otherwise. */
export function parsedOrBadInput(result: { ok: true; value: string } | { ok: false; reason: string }, argument: string, label: string): string {
  if (!result.ok) throw badInput(`${label}: ${result.reason}`, { argument });
  return result.value;
}

/** A reason given in words, trimmed: `min` to 1,000 characters, else BAD_USER_INPUT naming the argument. */
export function statedReason(reason: string, min = 1, argument = "reason"): string {
  const text = reason.trim();
  if (text.length < min || text.length > 1000) throw badInput(`${argument} must be ${min}-1000 characters`, { argument });
  return text;
}

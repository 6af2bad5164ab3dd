import type { GraphQLFormattedError } from "graphql";
import { codeOf } from "../shared/errors";

/**
 * Every error leaves with one of the codes of API.md. Outside development an
 * unexpected error becomes a bare INTERNAL_SERVER_ERROR: no message, stack or
 * SQL reaches the caller (the observability plugin has logged it in full, with
 * the request id the caller is given).
 */
interface ValidationFailure {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationFailure[];
}

/** class-validator's tree, flattened to "field: message" lines without the submitted values. */
function validationProblems(failures: ValidationFailure[], prefix = ""): { field: string; messages: string[] }[] {
  return failures.flatMap((f) => {
    const field = prefix ? `${prefix}.${f.property}` : f.property;
    const own = f.constraints ? [{ field, messages: Object.values(f.constraints) }] : [];
    return [...own, ...validationProblems(f.children ?? [], field)];
  });
}

/**
 * graphql-js's "Did you mean ...?" (fields, arguments, types, input fields, enum values, in validation
 * and in variable coercion alike) would map the schema for a caller who may not introspect it.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function createFormatError(development: boolean, hideSuggestions = false) {
  const plain = (message: string) => (hideSuggestions ? message.replace(SUGGESTION, "") : message);
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const { stacktrace, http, code: raw, validationErrors, ...rest } = (formatted.extensions ?? {}) as Record<string, unknown>;
    void http;
    if (Array.isArray(validationErrors)) {
      const problems = validationProblems(validationErrors as ValidationFailure[]);
      const message = `Invalid input: ${problems.map((p) => p.messages.join(", ")).join("; ")}`;
      return { message, locations: formatted.locations, path: formatted.path, extensions: { code: "BAD_USER_INPUT", problems } };
    }
    const code = codeOf(formatted);
    const debug = development ? { stacktrace } : {};
    if (code !== "INTERNAL_SERVER_ERROR") {
      const reason = raw !== code ? { reason: raw } : {};
      return { message: plain(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { ...rest, code, ...reason, ...debug } };
    }
    if (development) return { ...formatted, extensions: { ...rest, code, ...debug } };
    return { message: "Internal server error", path: formatted.path, extensions: { code } };
  };
}

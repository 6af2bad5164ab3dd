import type { GraphQLResolveInfo } from "graphql";
import { badInput } from "../shared/errors";
import type { RequestContext } from "../shared/context";

type Resolve = (root: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => unknown;

/** C0 control characters but tab, newline and carriage return: PostgreSQL refuses NUL in text, and none belongs in an argument. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/**
 * Bulk lists whose service rejects bad items one by one, with a reason each, so one bad item never
 * fails the batch: `<Type>.<field>:<argument path>`, list indices left out. Their items are not checked here.
 */
export const ITEMS_CHECKED_BY_SERVICE: ReadonlySet<string> = new Set(["Mutation.syncNumbers:input.numbers"]);

/** Half of a surrogate pair without its other half: not Unicode text, and not storable as such. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a page cursor can be: the base64url of encodeCursor, or a feed's sequence number. */
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

/** Whether a value is an input object as GraphQL coerces it (not a scalar's own object, such as a Date). */
function isInputObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function codePoint(text: string): string {
  return `U+${text.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The first problem in one argument value, walking nested input objects and lists: a string with a
 * control character or longer than maxLength. `path` names the argument (`input.legalRep.name`,
 * `checks[3].callee`); `shape` is the same without indices, for ITEMS_CHECKED_BY_SERVICE.
 */
export function argumentProblem(
  value: unknown,
  path: string,
  shape: string,
  field: string,
  maxLength: number,
): { argument: string; message: string } | null {
  if (typeof value === "string") {
    const control = CONTROL_CHARACTER.exec(value);
    if (control) return { argument: path, message: `${path} contains a control character (${codePoint(control[0])})` };
    if (LONE_SURROGATE.test(value)) return { argument: path, message: `${path} is not well-formed Unicode (an unpaired surrogate)` };
    if (value.length > maxLength) {
      return { argument: path, message: `${path} is longer than ${maxLength.toLocaleString("en")} characters (${value.length.toLocaleString("en")})` };
    }
    return null;
  }
  if (Array.isArray(value)) {
    if (ITEMS_CHECKED_BY_SERVICE.has(`${field}:${shape}`)) return null;
    for (let i = 0; i < value.length; i++) {
      const problem = argumentProblem(value[i], `${path}[${i}]`, shape, field, maxLength);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === "object" && isInputObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const problem = argumentProblem(inner, `${path}.${key}`, `${shape}.${key}`, field, maxLength);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Every root field's arguments are checked before any service (and so any SQL) sees them: no
 * control characters, no string longer than MAX_STRING_ARGUMENT, a page cursor of a cursor's shape.
 * A refusal is BAD_USER_INPUT naming the argument; on a Mutation the audit middleware, outside this
 * one, records it as a failed attempt.
 */
export function inputGuard() {
  const guarded = async (resolve: Resolve, root: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => {
    const field = `${info.parentType.name}.${info.fieldName}`;
    const maxLength = ctx.services.config.limits.maxStringArgument;
    for (const [name, value] of Object.entries((args ?? {}) as Record<string, unknown>)) {
      const problem = argumentProblem(value, name, name, field, maxLength);
      if (problem) throw badInput(problem.message, { argument: problem.argument });
      if (name === "after" && typeof value === "string" && value !== "" && !CURSOR.test(value)) {
        throw badInput("after is not a cursor: give the endCursor of the previous page", { argument: "after" });
      }
    }
    return resolve(root, args, ctx, info);
  };
  return { Query: guarded, Mutation: guarded };
}

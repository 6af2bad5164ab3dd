import { IsInt, IsOptional, IsString } from "class-validator";
import { ArgsType, ClassType, Field, Int, ObjectType } from "type-graphql";
import { badInput } from "./errors";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, ${DEFAULT_PAGE_SIZE} by default, at most ${MAX_PAGE_SIZE}` })
  @IsOptional()
  @IsInt()
  first?: number | null;

  @Field(() => String, { nullable: true, description: "The endCursor of the previous page" })
  @IsOptional()
  @IsString()
  after?: string | null;
}

export interface Page {
  /** Rows to return. */
  size: number;
  /** Decoded position after which the page starts, or null for the first page. */
  after: string | null;
}

/** Validates first/after; one more row than the page is fetched to learn hasNextPage. */
export function toPage(args: PageArgs, kind: string): Page {
  const size = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${args.first}`, { argument: "first" });
  }
  return { size, after: args.after ? decodeCursor(args.after, kind) : null };
}

// PostgreSQL's bigint: a larger sequence is no position in any list, and would fail in the database.
const MAX_SEQUENCE = 9223372036854775807n;

/**
 * A position given as a sequence number (a table's `seq`, a feed's sequence): 1-19 ASCII digits,
 * at most bigint's maximum; BAD_USER_INPUT with the message otherwise, before any SQL sees it.
 */
export function parseSequenceCursor(position: string, message: string, argument = "after"): string {
  if (typeof position !== "string" || !/^\d{1,19}$/.test(position) || BigInt(position) > MAX_SEQUENCE) {
    throw badInput(message, { argument });
  }
  return position;
}

export function encodeCursor(kind: string, position: string): string {
  return Buffer.from(`${kind}:${position}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, kind: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const prefix = `${kind}:`;
  // A position is printable text: a control character or a byte that is no UTF-8 (U+FFFD) came from no endCursor.
  if (!text.startsWith(prefix) || text.length === prefix.length || /[\u0000-\u001F\u007F\uFFFD]/.test(text)) {
    throw badInput(`after is not a cursor of this list: "${cursor}"`, { argument: "after" });
  }
  return text.slice(prefix.length);
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** A number, or a function GraphQL calls only when the client selects totalCount. */
  totalCount: number | (() => Promise<number>);
}

/**
 * Builds a connection from rows fetched with size + 1. Cursors are opaque and
 * tied to their list (kind), or, with kind null, the position itself (a feed's sequence).
 */
export function toConnection<T>(
  rows: T[],
  page: Page,
  totalCount: Connection<T>["totalCount"],
  kind: string | null,
  positionOf: (row: T) => string,
): Connection<T> {
  const hasNextPage = rows.length > page.size;
  const nodes = hasNextPage ? rows.slice(0, page.size) : rows;
  const edges = nodes.map((node) => ({ cursor: kind ? encodeCursor(kind, positionOf(node)) : positionOf(node), node }));
  return { edges, totalCount, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** The Relay connection and edge types for one node type. */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  // Abstract: only the concrete subclass (named <Name>Connection) is part of the schema.
  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    // A method, so GraphQL calls it: each connection object carries its own totalCount,
    // a number or a function counted only when the client selects the field.
    @Field(() => Int)
    totalCount(): number | Promise<number> {
      throw new Error("a connection carries its own totalCount");
    }
  }
  return ConnectionClass;
}

/** A list paged by a table's `seq` column (registration or issue order). */
export interface SeqList {
  /** The table and its alias, e.g. `subscribers s`. */
  from: string;
  alias: string;
  columns: string;
  /** Conditions on the rows (scope and filters), with $-placeholders into `params`. */
  where: string[];
  params: unknown[];
  page: Page;
  kind: string;
  /** Newest first. */
  descending?: boolean;
}

/** One page of a SeqList, with its total counted only when asked for. */
export async function listBySeq<T extends { seq: string }>(
  query: (sql: string, params: unknown[]) => Promise<T[]>,
  list: SeqList,
): Promise<Connection<T>> {
  const { alias, page } = list;
  const where = [...list.where];
  const params = [...list.params];
  if (page.after) {
    params.push(parseSequenceCursor(page.after, "after is not a cursor of this list"));
    where.push(`${alias}.seq ${list.descending ? "<" : ">"} $${params.length}`);
  }
  const rows = await query(
    `SELECT ${list.columns} FROM ${list.from} WHERE ${where.join(" AND ")}
      ORDER BY ${alias}.seq ${list.descending ? "DESC" : "ASC"} LIMIT ${page.size + 1}`,
    params,
  );
  const count = async () => {
    const [{ n }] = (await query(`SELECT count(*)::int AS n FROM ${list.from} WHERE ${list.where.join(" AND ")}`, list.params)) as unknown as { n: number }[];
    return n;
  };
  return toConnection(rows, page, count, list.kind, (r) => r.seq);
}

import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { DocumentNode, GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema, concatAST, lexicographicSortSchema, parse, printSchema, visit } from "graphql";
import { createResolversMap } from "type-graphql";
import type { Permission } from "../shared/auth/permissions";
import type { RequestContext } from "../shared/context";
import { badInput, forbidden } from "../shared/errors";

/*
 * The registry as an Apollo Federation 2 subgraph, on the same /graphql. The entities are keyed by their
 * natural identifiers (`@Directive("@key(...)")` on the four classes), and a router's references to them
 * load through the same per-request loaders, and so the same visibility policy, as every other path.
 */

/** The Federation 2 header of the subgraph's SDL. */
export const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

type Reference = (reference: Record<string, string>, ctx: RequestContext) => Promise<unknown>;

/**
 * Each entity's key field and reference resolver: the module's policy-applying loader, so N references of
 * one type are one statement, and a reference the viewer may not see is null.
 */
const ENTITIES: Record<string, { key: string; resolve: Reference }> = {
  PhoneNumber: { key: "number", resolve: ({ number }, ctx) => ctx.loaders.numberByNumber.load(number) },
  Organization: { key: "code", resolve: ({ code }, ctx) => ctx.loaders.organizationByCode.load(code) },
  ShutdownOrder: { key: "id", resolve: ({ id }, ctx) => ctx.loaders.orderById.load(id) },
  TrunkLine: { key: "id", resolve: ({ id }, ctx) => ctx.loaders.trunkById.load(id) },
};

export const ENTITY_TYPES: readonly string[] = Object.keys(ENTITIES);

/** What is wrong with a representation a client sent to `_entities`, or null (a router's are always right). */
function representationProblem(representation: unknown): string | null {
  if (representation === null || typeof representation !== "object" || Array.isArray(representation)) return "is not an object";
  const { __typename: type, ...rest } = representation as Record<string, unknown>;
  const entity = typeof type === "string" && Object.hasOwn(ENTITIES, type) ? ENTITIES[type] : null;
  if (!entity) return `names no entity type of this subgraph (${ENTITY_TYPES.join(", ")})`;
  if (typeof rest[entity.key] !== "string") return `has no ${entity.key}: a ${type} is referred to by its ${entity.key}, a string`;
  return null;
}

/**
 * A schema's SDL with the directives type-graphql keeps on its object types' AST nodes (`@Directive`), which
 * graphql-js does not print. (Those nodes hold the name and directives only, so printers that take a type's
 * node as its definition, such as @apollo/subgraph's printSubgraphSchema, would lose its fields.)
 */
function withDirectives(schema: GraphQLSchema): DocumentNode {
  // Sorted, so the SDL does not depend on the order the modules' classes were loaded in.
  return visit(parse(printSchema(lexicographicSortSchema(schema))), {
    ObjectTypeDefinition(node) {
      const directives = schema.getType(node.name.value)?.astNode?.directives ?? [];
      return directives.length > 0 ? { ...node, directives: [...(node.directives ?? []), ...directives] } : undefined;
    },
  });
}

/**
 * type-graphql's schema as a subgraph: printed with its directives under the Federation 2 header, and built
 * by @apollo/subgraph with type-graphql's own resolvers (fields, subscriptions, scalars, enums' values,
 * abstract types' resolvers), so the plain path runs exactly the functions it ran before.
 */
export function asSubgraph(schema: GraphQLSchema): GraphQLSchema {
  const typeDefs = concatAST([parse(FEDERATION_LINK), withDirectives(schema)]);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [type, { resolve }] of Object.entries(ENTITIES)) {
    resolvers[type] = { ...(resolvers[type] as object), __resolveReference: resolve } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema({ typeDefs, resolvers });
}

/** The subgraph's SDL, as `_service { sdl }` answers it (schema/subgraph.graphql). */
export async function subgraphSdl(schema: GraphQLSchema): Promise<string> {
  const resolve = schema.getQueryType()!.getFields()._service.resolve!;
  return ((await resolve(undefined, {}, undefined, undefined as never)) as { sdl: string }).sdl;
}

/**
 * The subgraph's gates, set on the bare schema before the middleware wraps it:
 * - a representation must name an entity type and carry its key (else BAD_USER_INPUT);
 * - an entity of a type is resolved only for a viewer holding the permission that guards the type's
 *   fields (its "*" rule): the same answer the shield would give field by field, given once, as null,
 *   so the rule map's walk (fieldsImpliedByOperations) can count `_entities` as that permission's path;
 * - `_service { sdl }` only where introspection is allowed, or to the router's credential
 *   (FEDERATION_ROUTER_TOKEN), as introspection is refused: FORBIDDEN.
 */
export function gateSubgraph(schema: GraphQLSchema, entityPermission: (type: string) => Permission | undefined, introspection: boolean): void {
  const query = schema.getQueryType()!.getFields();
  // @apollo/subgraph trusts its router; a client's malformed representation is BAD_USER_INPUT, not an internal error.
  const entities = query._entities.resolve!;
  query._entities.resolve = (source, args: { representations: unknown[] }, ctx, info) => {
    for (const [index, representation] of args.representations.entries()) {
      const problem = representationProblem(representation);
      if (problem) throw badInput(`representations[${index}] ${problem}`, { argument: `representations[${index}]` });
    }
    return entities(source, args, ctx, info);
  };
  for (const name of ENTITY_TYPES) {
    const type = schema.getType(name) as GraphQLObjectType;
    const permission = entityPermission(name);
    const subgraph = (type.extensions as { apollo?: { subgraph?: { resolveReference?: Reference } } }).apollo?.subgraph;
    const resolve = subgraph?.resolveReference;
    if (!subgraph || !resolve) throw new Error(`the subgraph has no reference resolver for ${name}`);
    subgraph.resolveReference = async (reference, ctx) =>
      permission !== undefined && ctx.viewer.permissions.has(permission) ? resolve(reference, ctx) : null;
  }
  if (introspection) return;
  const service = query._service;
  const sdl = service.resolve as GraphQLFieldResolver<unknown, RequestContext>;
  service.resolve = (source, args, ctx, info) => {
    if (ctx.routerCredential !== true) {
      throw forbidden("the subgraph's SDL is served where introspection is allowed, or to the router's credential (X-Federation-Router-Token)");
    }
    return sdl(source, args, ctx, info);
  };
}

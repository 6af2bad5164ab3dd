import {
  GraphQLError, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, Kind, OperationDefinitionNode, getNamedType, isInterfaceType, isObjectType, isUnionType,
} from "graphql";
import { IRules, deny, rule, shield } from "graphql-shield";
import type { ShieldRule } from "graphql-shield/typings/types";
import { ALL_PERMISSION_SETS, Permission, ROLE_PERMISSIONS, permissionsOf } from "../shared/auth/permissions";
import { Role } from "../shared/auth/roles";
import { Viewer, can } from "../shared/auth/viewer";
import { forbidden } from "../shared/errors";
import type { FieldPermissions } from "../shared/module";
import type { RequestContext } from "../shared/context";
import { MODULES } from "./modules";

/**
 * Types every module shares: the page info of any connection; the federation subgraph's fields (federation.ts).
 * `_entities` is any caller's: each entity is resolved only for a viewer holding its type's own "*" permission
 * (entityPermission), then through the policy, so what the caller may not see is null. `_service` is open here
 * and refused by the subgraph's own gate where introspection is off, unless the router's credential is given.
 */
const SHARED: FieldPermissions = {
  PageInfo: { "*": Permission.PUBLIC_READ },
  Query: { _entities: Permission.PUBLIC_READ, _service: Permission.PUBLIC_READ },
  _Service: { sdl: Permission.PUBLIC_READ },
};

/** The permission an entity type's references are resolved under (`_entities`): the one guarding its fields. */
export function entityPermission(permissions: FieldPermissions, type: string): Permission | undefined {
  return permissions[type]?.["*"];
}

/** Every field's permission, merged from the modules' manifests. */
export function fieldPermissions(): FieldPermissions {
  const merged: FieldPermissions = {};
  for (const part of [SHARED, ...MODULES.map((m) => m.permissions as FieldPermissions)]) {
    for (const [type, fields] of Object.entries(part)) {
      for (const [field, permission] of Object.entries(fields)) {
        if (merged[type]?.[field]) throw new Error(`two modules set a permission for ${type}.${field}`);
        (merged[type] ??= {})[field] = permission;
      }
    }
  }
  return merged;
}

// One named rule per permission. Permissions depend on the viewer only (its role and what holds it), so the
// contextual cache is safe here; row-level decisions are the services' job.
const rules = new Map(
  Object.values(Permission).map((p) => [
    p,
    rule(`can_${p.toLowerCase()}`, { cache: "contextual" })((_parent, _args, ctx: RequestContext) => ctx.viewer.permissions.has(p)),
  ]),
);

export function permissionsShield(permissions: FieldPermissions = fieldPermissions()) {
  const tree: IRules = {};
  for (const [type, fields] of Object.entries(permissions)) {
    const typeRules: Record<string, ShieldRule> = {};
    for (const [field, permission] of Object.entries(fields)) typeRules[field] = rules.get(permission)!;
    (tree as Record<string, unknown>)[type] = typeRules;
  }
  return shield(tree, {
    fallbackRule: deny,
    fallbackError: () => forbidden(),
    allowExternalErrors: true,
    debug: false,
  });
}

/** The schema's Query, Mutation and Subscription types, those it has. */
function rootTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is GraphQLObjectType => !!t);
}

/** The permission sets that hold a permission. */
function holdersOf(permission: Permission): Set<ReadonlySet<Permission>> {
  return new Set(ALL_PERMISSION_SETS.filter((set) => set.has(permission)));
}

/** The permission of a field: its own, or its type's "*" (never "*" on a root type). */
function permissionOf(permissions: FieldPermissions, type: string, field: string, root: boolean): Permission | undefined {
  return permissions[type]?.[field] ?? (root ? undefined : permissions[type]?.["*"]);
}

/**
 * Object fields whose rule cannot fail once execution reaches them: every operation
 * whose result can lead to the field's type requires a permission that only roles
 * also holding the field's permission have (a permission every role holds, such as
 * PUBLIC_READ, is the plain case). Rules depend on the viewer only, and the viewer
 * passed the operation's rule to get there, so evaluating the field's rule again,
 * once per field of every object in a result, changes nothing but the cost: on a
 * batch of 1,000 caller checks it was 2,000 rule evaluations. Such fields keep their
 * rule in the map (and in the reviewed snapshot); the schema simply skips it.
 */
export function fieldsImpliedByOperations(schema: GraphQLSchema, permissions: FieldPermissions): Set<string> {
  const roots = rootTypes(schema);
  const rootNames = new Set(roots.map((r) => r.name));
  // For each object type: the permission sets (each role as a person, an administrator, a machine) that can
  // reach it at all, the union over the operations leading to it.
  const reachableBy = new Map<string, Set<ReadonlySet<Permission>>>();
  // Where each operation leads, and who gets there; `_entities` leads to each entity type only for the holders of
  // that type's own permission (entityPermission: the subgraph resolves no entity for anyone else).
  const paths: { start: GraphQLNamedType; permission: Permission | undefined }[] = [];
  for (const root of roots) {
    for (const [name, field] of Object.entries(root.getFields())) {
      const start = getNamedType(field.type);
      if (root === schema.getQueryType() && name === "_entities" && isUnionType(start)) {
        for (const entity of start.getTypes()) paths.push({ start: entity, permission: entityPermission(permissions, entity.name) });
      } else {
        paths.push({ start, permission: permissionOf(permissions, root.name, name, true) });
      }
    }
  }
  for (const { start, permission } of paths) {
    const holders = permission ? holdersOf(permission) : new Set<ReadonlySet<Permission>>();
    const seen = new Set<string>();
    const stack: GraphQLNamedType[] = [start];
    while (stack.length > 0) {
      const type = stack.pop()!;
      if (seen.has(type.name)) continue;
      seen.add(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        const reached = reachableBy.get(type.name) ?? new Set<ReadonlySet<Permission>>();
        for (const set of holders) reached.add(set);
        reachableBy.set(type.name, reached);
        for (const child of Object.values(type.getFields())) stack.push(getNamedType(child.type));
      }
      if (isInterfaceType(type) || isUnionType(type)) stack.push(...schema.getPossibleTypes(type));
    }
  }
  const implied = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || rootNames.has(type.name)) continue;
    const reachers = reachableBy.get(type.name) ?? new Set<ReadonlySet<Permission>>();
    for (const field of Object.keys(type.getFields())) {
      const permission = permissionOf(permissions, type.name, field, false);
      if (!permission) continue;
      if ([...reachers].every((set) => set.has(permission))) implied.add(`${type.name}.${field}`);
    }
  }
  return implied;
}

/** The root and object fields of a schema that no permission covers. */
export function fieldsWithoutPermission(schema: GraphQLSchema, permissions: FieldPermissions): string[] {
  const missing: string[] = [];
  const roots = new Set(rootTypes(schema).map((t) => t.name));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.keys((type as GraphQLObjectType).getFields())) {
      const covered = permissionOf(permissions, type.name, field, roots.has(type.name));
      if (!covered) missing.push(`${type.name}.${field}`);
    }
  }
  return missing;
}

/**
 * Who may call each root field: the roles whose people hold its permission ("ROLE", or "ROLE (people only)"
 * when the role's API clients do not: a person's judgement), and the roles whose administrators alone do
 * ("ROLE (administrators)"). Reviewed as a permission change.
 */
export function roleOperationMatrix(schema: GraphQLSchema, permissions: FieldPermissions): Record<string, string[]> {
  const matrix: Record<string, string[]> = {};
  const roles = Object.keys(ROLE_PERMISSIONS) as Role[];
  for (const root of rootTypes(schema)) {
    for (const field of Object.keys(root.getFields()).sort()) {
      const permission = permissionOf(permissions, root.name, field, true);
      const holders: string[] = [];
      for (const role of permission ? roles : []) {
        if (permissionsOf(role).has(permission!)) holders.push(permissionsOf(role, "machine").has(permission!) ? role : `${role} (people only)`);
        else if (permissionsOf(role, "administrator").has(permission!)) holders.push(`${role} (administrators)`);
      }
      matrix[`${root.name}.${field}`] = holders;
    }
  }
  return matrix;
}

// The merged table's Subscription rules, merged once (the manifests do not change while the process runs).
let subscriptionRules: Record<string, Permission> | undefined;

/**
 * FORBIDDEN when the viewer's permissions do not cover every root field of a subscription operation
 * (by its rule in the permission table; a field without one is refused), else null.
 */
export function subscriptionRefusal(viewer: Viewer, operation: OperationDefinitionNode): GraphQLError | null {
  const table = (subscriptionRules ??= fieldPermissions().Subscription ?? {});
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value === "__typename") continue;
    const permission = table[selection.name.value];
    if (!permission || !can(viewer, permission)) {
      return forbidden(`your role may not subscribe to ${selection.name.value}`);
    }
  }
  return null;
}

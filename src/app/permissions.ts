import { GraphQLObjectType, GraphQLSchema, isObjectType } from "graphql";
import { IRules, deny, rule, shield } from "graphql-shield";
import type { ShieldRule } from "graphql-shield/typings/types";
import { Permission, ROLE_PERMISSIONS } from "../shared/auth/permissions";
import { Role } from "../shared/auth/roles";
import { forbidden } from "../shared/errors";
import type { FieldPermissions } from "../shared/module";
import type { RequestContext } from "./context";
import { MODULES } from "./modules";

/** Types every module shares: the page info of any connection. */
const SHARED: FieldPermissions = {
  PageInfo: { "*": Permission.PUBLIC_READ },
};

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

// One named rule per permission. Permissions depend on the viewer only, so the
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


/** The root and object fields of a schema that no permission covers. */
export function fieldsWithoutPermission(schema: GraphQLSchema, permissions: FieldPermissions): string[] {
  const missing: string[] = [];
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const rulesOfType = permissions[type.name] ?? {};
    for (const field of Object.keys((type as GraphQLObjectType).getFields())) {
      const covered = rulesOfType[field] ?? (roots.has(type.name) ? undefined : rulesOfType["*"]);
      if (!covered) missing.push(`${type.name}.${field}`);
    }
  }
  return missing;
}

/** Role × operation: which roles may call each root field. Reviewed as a permission change. */
export function roleOperationMatrix(schema: GraphQLSchema, permissions: FieldPermissions): Record<string, Role[]> {
  const matrix: Record<string, Role[]> = {};
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.keys(root.getFields()).sort()) {
      const permission = permissions[root.name]?.[field];
      matrix[`${root.name}.${field}`] = permission
        ? (Object.keys(ROLE_PERMISSIONS) as Role[]).filter((r) => ROLE_PERMISSIONS[r].includes(permission))
        : [];
    }
  }
  return matrix;
}

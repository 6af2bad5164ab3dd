import type { Permission } from "./auth/permissions";

/**
 * Which permission reads or calls each field, by GraphQL type. "*" covers every
 * field of an object type not named on its own. Query, Mutation and
 * Subscription fields are always named one by one.
 */
export type FieldPermissions = Record<string, Record<string, Permission>>;

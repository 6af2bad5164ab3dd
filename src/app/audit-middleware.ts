import type { GraphQLResolveInfo } from "graphql";
import { AuditedMutation } from "../modules/audit";
import type { RequestContext } from "../shared/context";

type Resolve = (root: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => unknown;

/**
 * Wraps every Mutation field, outside the permission layer, so each mutation
 * writes exactly one audit event: the service's, in its own transaction, or,
 * when it fails before or during the work (refused, invalid, conflicting), a
 * failure event in a transaction of its own.
 */
export function auditMiddleware(digestKey: Buffer) {
  const audited = async (resolve: Resolve, root: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => {
    const { dataSource, audit } = ctx.services;
    const mutation = AuditedMutation.start(dataSource, audit, digestKey, ctx.viewer, info.fieldName, args, ctx.requestId);
    ctx.mutation = mutation;
    try {
      const result = await resolve(root, args, ctx, info);
      // graphql-shield returns (not throws) its refusals and, with allowExternalErrors, resolver errors.
      if (result instanceof Error) {
        await mutation.recordFailure(result);
        return result;
      }
      if (!mutation.recorded) throw new Error(`${info.fieldName} finished without its unit of work`);
      return result;
    } catch (error) {
      await mutation.recordFailure(error);
      throw error;
    } finally {
      ctx.mutation = undefined;
    }
  };
  return { Mutation: audited };
}

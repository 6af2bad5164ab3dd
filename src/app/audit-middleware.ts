import type { GraphQLResolveInfo } from "graphql";
import { AuditedMutation } from "../modules/audit";
import { Role } from "../shared/auth/roles";
import type { RequestContext } from "../shared/context";

type Resolve = (root: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => unknown;

/**
 * Wraps every Mutation field, outside the permission layer, so each mutation
 * writes exactly one audit event: the service's, in its own transaction, or,
 * when it fails before or during the work (refused, invalid, conflicting), a
 * failure event in a transaction of its own. An anonymous caller's refusals are
 * tallied per client and minute instead (AuditedMutation.recordFailure).
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
        await mutation.recordFailure(result, anonymousClient(ctx));
        return result;
      }
      if (!mutation.recorded) throw new Error(`${info.fieldName} finished without its unit of work`);
      return result;
    } catch (error) {
      await mutation.recordFailure(error, anonymousClient(ctx));
      throw error;
    } finally {
      ctx.mutation = undefined;
    }
  };
  return { Mutation: audited };
}

/** The keyed digest of an anonymous caller's address, the same the public's reports keep; undefined for a token holder. */
function anonymousClient(ctx: RequestContext): string | undefined {
  return ctx.viewer.role === Role.PUBLIC ? ctx.services.reports.clientHash(ctx.clientAddress) : undefined;
}

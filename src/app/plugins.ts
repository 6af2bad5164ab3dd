import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import { Kind, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { codeOf } from "../shared/errors";
import type { RequestContext } from "../shared/context";
import { OPERATION_OTHER, type Metrics } from "./metrics";

// Apollo keeps a parsed document across requests with the same text, so its label is worked out once.
const LABELS = new WeakMap<OperationDefinitionNode, string>();

/**
 * The metrics label of an operation: the root field it selects when it selects exactly one the schema
 * registers, else OPERATION_OTHER. Never a client-chosen name (operation names, aliases) nor a
 * combination of fields, so clients cannot add series.
 */
function operationLabel(schema: GraphQLSchema, operation: OperationDefinitionNode | undefined): string {
  if (!operation) return OPERATION_OTHER;
  let label = LABELS.get(operation);
  if (label === undefined) {
    const names = new Set(operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : null)));
    const name = names.size === 1 ? [...names][0] : null;
    label = name && schema.getRootType(operation.operation)?.getFields()[name] ? name : OPERATION_OTHER;
    LABELS.set(operation, label);
  }
  return label;
}

/**
 * One JSON log line per request (never its variables: they may carry personal
 * data), the full detail of unexpected errors, the request id on every error,
 * and the request metrics.
 */
export function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      let operation = OPERATION_OTHER;
      let type = "unknown";
      return {
        async didResolveOperation(rc: GraphQLRequestContext<RequestContext>) {
          operation = operationLabel(rc.schema, rc.operation);
          type = rc.operation?.operation ?? "unknown";
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const original = (error as GraphQLError).originalError ?? error;
            if (codeOf(error) === "INTERNAL_SERVER_ERROR") {
              contextValue.log.error({ err: original, path: error.path }, "unexpected error");
            }
          }
        },
        async willSendResponse({ response, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const codes = [...new Set((errors ?? []).map((e) => codeOf(e)))].sort();
          const outcome = codes.length === 0 ? "ok" : codes.join(",");
          metrics.requests.inc({ operation, type, outcome });
          metrics.duration.observe({ operation, type }, seconds);
          contextValue.log.info({ operation, type, ms: Math.round(seconds * 1000), outcome }, "graphql request");
          if (response.body.kind === "single" && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId: contextValue.requestId },
            }));
          }
        },
      };
    },
  };
}

import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import type { GraphQLError, OperationDefinitionNode } from "graphql";
import { codeOf } from "../shared/errors";
import type { RequestContext } from "../shared/context";
import type { Metrics } from "./metrics";

// Apollo keeps a parsed document across requests with the same text, so its label is worked out once.
const LABELS = new WeakMap<OperationDefinitionNode, string>();

/** The root fields an operation selects: a bounded label, unlike client-chosen operation names. */
function rootFields(operation: OperationDefinitionNode | undefined): string {
  if (!operation) return "unknown";
  let label = LABELS.get(operation);
  if (label === undefined) {
    const names = operation.selectionSet.selections.map((s) => (s.kind === "Field" ? s.name.value : "...")).sort();
    label = [...new Set(names)].slice(0, 5).join("+") || "unknown";
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
      let operation = "unknown";
      let type = "unknown";
      return {
        async didResolveOperation(rc: GraphQLRequestContext<RequestContext>) {
          operation = rootFields(rc.operation);
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
          const codes = [...new Set((errors ?? []).map((e) => codeOf(e)))];
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

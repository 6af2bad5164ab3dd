import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import { Kind, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { RequestLogSettings } from "../config";
import { Role } from "../shared/auth/roles";
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
 * Whether a request gets its log line (LOG_REQUESTS): one that ended with an error always does; in `sampled`
 * a caller with a token always does, and a PUBLIC request that succeeded (the look-up's bulk of the traffic)
 * with probability sampleRate. Returns the sample rate to record on the line, 1 when not sampled, or null.
 */
export function requestLineRate(settings: RequestLogSettings, role: Role, failed: boolean): number | null {
  if (failed || settings.mode === "all") return 1;
  if (settings.mode === "errors") return null;
  if (role !== Role.PUBLIC) return 1;
  return settings.sampleRate > 0 && Math.random() < settings.sampleRate ? settings.sampleRate : null;
}

/**
 * A JSON log line per request as LOG_REQUESTS says (never its variables: they may carry personal
 * data), the full detail of unexpected errors, the request id on every error,
 * and the request metrics.
 */
export function observabilityPlugin(metrics: Metrics, requestLog: RequestLogSettings): ApolloServerPlugin<RequestContext> {
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
          const rate = requestLineRate(requestLog, contextValue.viewer.role, codes.length > 0);
          if (rate !== null) {
            const line = { operation, type, ms: Math.round(seconds * 1000), outcome };
            // A sampled line says so, so counts read from the logs can be scaled back (1 / sampleRate).
            contextValue.log.info(rate < 1 ? { ...line, sampleRate: rate } : line, "graphql request");
          }
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

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DataSource } from "typeorm";
import { isEmbedded } from "../db/data-source";

/** The operation label of whatever is not one registered root field (several, a fragment, a parse error). */
export const OPERATION_OTHER = "other";

export interface Metrics {
  registry: Registry;
  requests: Counter<"operation" | "type" | "outcome">;
  duration: Histogram<"operation" | "type">;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** A registry per server, so two servers in one process (tests) never share counters. */
export function createMetrics(dataSource: DataSource): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "registry_" });
  const requests = new Counter({
    name: "registry_graphql_requests_total",
    help: "GraphQL requests by root field (or other), operation type and outcome (ok or error codes)",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "registry_graphql_request_duration_seconds",
    help: "GraphQL request duration by root field (or other) and operation type",
    labelNames: ["operation", "type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const embedded = isEmbedded(dataSource);
  new Gauge({
    name: "registry_db_pool_connections",
    help: "Database connections by state (the embedded database is one session)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
      if (embedded || !pool) {
        this.set({ state: "total" }, 1);
        return;
      }
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
  return { registry, requests, duration };
}

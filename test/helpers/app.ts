import "reflect-metadata";
import type { Logger } from "pino";
import supertest from "supertest";
import type { DataSource } from "typeorm";
import type { SchemaOptions } from "../../src/app/build-schema";
import { Server, createServer } from "../../src/app/create-server";
import { Config, loadConfig } from "../../src/config";
import { openDatabase } from "../../src/db/data-source";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { createLogger } from "../../src/shared/logger";
import { createTestDatabase } from "./database";

export const TEST_ENV = {
  NODE_ENV: "test",
  JWT_SECRET: "test-secret-test-secret-test-secret-0123456789",
  PII_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
};

/** Who a request is made as: a role and organisation, a raw token, or nobody (PUBLIC). */
export type As = { org: string; role: Exclude<Role, Role.PUBLIC>; sub?: string; admin?: boolean } | { token: string } | null;

export interface GraphQLBody {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions: Record<string, any> }[];
}

export interface TestApp {
  config: Config;
  dataSource: DataSource;
  server: Server;
  request: supertest.Agent;
  token(org: string, role: Exclude<Role, Role.PUBLIC>, ttlSeconds?: number): Promise<string>;
  /** POSTs a GraphQL operation; returns the HTTP status and the body. */
  exec(as: As, query: string, variables?: Record<string, unknown>): Promise<GraphQLBody & { status: number }>;
  /** Another server (say, in production mode) on the same database. */
  withServer(env: Record<string, string>, schemaOptions?: Partial<SchemaOptions>): Promise<TestApp>;
  close(): Promise<void>;
}

async function wrap(config: Config, dataSource: DataSource, server: Server, close: () => Promise<void>): Promise<TestApp> {
  const request = supertest(server.handler);
  const token = (org: string, role: Exclude<Role, Role.PUBLIC>, ttlSeconds = 3600) =>
    signToken(config.jwtSecret, { sub: `${org.toLowerCase()}-tester`, org, role }, ttlSeconds);
  const app: TestApp = {
    config,
    dataSource,
    server,
    request,
    token,
    async exec(as, query, variables) {
      const req = request.post("/graphql").set("content-type", "application/json");
      if (as && "token" in as) req.set("authorization", `Bearer ${as.token}`);
      else if (as?.admin) req.set("authorization", `Bearer ${await signToken(config.jwtSecret, { sub: `${as.org.toLowerCase()}-admin`, ...as }, 3600)}`);
      else if (as) req.set("authorization", `Bearer ${await token(as.org, as.role)}`);
      const res = await req.send({ query, variables });
      return { status: res.status, ...(res.body as GraphQLBody) };
    },
    async withServer(env, schemaOptions = {}) {
      const other = loadConfig({ ...TEST_ENV, ...env });
      const otherServer = await createServer(other, dataSource, createLogger("silent"), schemaOptions);
      return wrap(other, dataSource, otherServer, () => otherServer.stop());
    },
    close,
  };
  return app;
}

/** A server on a clean database of its own, as the e2e and integration tests use it. */
export async function startTestApp(
  options: { env?: Record<string, string>; schema?: Partial<SchemaOptions>; log?: Logger } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ ...TEST_ENV, ...options.env });
  const dataSource = await openDatabase(database.target);
  const server = await createServer(config, dataSource, options.log ?? createLogger("silent"), options.schema);
  return wrap(config, dataSource, server, async () => {
    await server.stop();
    await dataSource.destroy();
    await database.drop();
  });
}

/** The error codes of a response, in order. */
export const codes = (body: GraphQLBody) => (body.errors ?? []).map((e) => e.extensions.code);

export async function auditCount(dataSource: DataSource): Promise<number> {
  const [{ n }] = await dataSource.query("SELECT count(*)::int AS n FROM audit_events");
  return n;
}

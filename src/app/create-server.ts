import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import express, { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { permissionsOf } from "../shared/auth/permissions";
import { KIND_OF_ROLE } from "../shared/auth/roles";
import { TokenError, verifyToken } from "../shared/auth/tokens";
import { Viewer, publicViewer } from "../shared/auth/viewer";
import { unauthenticated } from "../shared/errors";
import { SchemaOptions, buildAppSchema } from "./build-schema";
import type { RequestContext } from "./context";
import { explorerRouter } from "./explorer";
import { createFormatError } from "./format-error";
import { createMetrics } from "./metrics";
import { observabilityPlugin } from "./plugins";
import { Services, createLoaders, createServices } from "./services";

export interface Server {
  app: express.Express;
  httpServer: http.Server;
  services: Services;
  /** Stops the GraphQL server; the caller owns the database and closes it. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Who the Authorization header says is calling; PUBLIC without one. */
export async function resolveViewer(services: Services, authorization: string | undefined): Promise<Viewer> {
  if (!authorization) return publicViewer();
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated("the Authorization header must be 'Bearer <token>'");
  let claims;
  try {
    claims = await verifyToken(services.config.jwtSecret, match[1]);
  } catch (error) {
    if (error instanceof TokenError) throw unauthenticated(error.message);
    throw error;
  }
  const organization = await services.organizations.forToken(claims.org, claims.role);
  if (!organization) {
    throw unauthenticated(`the token's organisation ${claims.org} does not exist or is not a ${KIND_OF_ROLE[claims.role]}`);
  }
  return { subject: claims.sub, role: claims.role, organization, permissions: permissionsOf(claims.role) };
}

/** The HTTP server with GraphQL and the operational endpoints, not yet listening. */
export async function createServer(config: Config, dataSource: DataSource, log: Logger, schemaOptions: Partial<SchemaOptions> = {}): Promise<Server> {
  const development = config.env === "development";
  const production = config.env === "production";
  const services = createServices(dataSource, config);
  const metrics = createMetrics(dataSource);
  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);

  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.maxDepth },
    maxAliases: { n: config.limits.maxAliases },
    maxTokens: { n: config.limits.maxTokens },
    costLimit: { maxCost: config.limits.maxCost },
    maxDirectives: { n: 20 },
    blockFieldSuggestion: { enabled: production },
  });
  const protection = armor.protect();
  const schema = await buildAppSchema({ digestKey: config.piiKey, ...schemaOptions });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: development,
    formatError: createFormatError(development),
    validationRules: protection.validationRules,
    allowBatchedHttpRequests: false,
    // main.ts owns the signals: it stops the server, then closes the database, then exits.
    stopOnTerminationSignals: false,
    plugins: [
      ...protection.plugins,
      observabilityPlugin(metrics),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
    ],
  });
  await apollo.start();

  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.header("x-request-id");
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await dataSource.query("SELECT 1");
      const pending = await dataSource.showMigrations();
      if (pending) return res.status(503).json({ status: "migrations pending" });
      res.json({ status: "ready" });
    } catch (error) {
      log.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "database unreachable" });
    }
  });
  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  if (!production) app.use(explorerRouter());

  app.use(
    "/graphql",
    express.json({ limit: config.limits.maxBodyBytes, type: ["application/json", "application/graphql-response+json"] }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals.requestId as string;
        const viewer = await resolveViewer(services, req.header("authorization"));
        return {
          requestId,
          viewer,
          services,
          loaders: createLoaders(services, viewer),
          log: log.child({ requestId, role: viewer.role, org: viewer.organization?.code }),
        };
      },
    }),
  );

  // Body too large or not JSON: a coded GraphQL-shaped error, never an HTML page.
  app.use((error: { status?: number; type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error, requestId: res.locals.requestId }, "unexpected HTTP error");
    const message =
      error.type === "entity.too.large"
        ? `the request body is larger than ${config.limits.maxBodyBytes} bytes`
        : status === 500
          ? "Internal server error"
          : (error.message ?? "bad request");
    res.status(status).json({
      errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT", requestId: res.locals.requestId } }],
    });
  });

  return {
    app,
    httpServer,
    services,
    stop: () => apollo.stop(),
  };
}

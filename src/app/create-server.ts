import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import express, { NextFunction, Request, Response } from "express";
import proxyAddr from "proxy-addr";
import { GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, parse } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { permissionsOf } from "../shared/auth/permissions";
import { KIND_OF_ROLE } from "../shared/auth/roles";
import { TokenError, verifyToken } from "../shared/auth/tokens";
import { Viewer, publicViewer } from "../shared/auth/viewer";
import { unauthenticated } from "../shared/errors";
import { SchemaOptions, buildAppSchema } from "./build-schema";
import type { RequestContext } from "../shared/context";
import { explorerRouter } from "./explorer";
import { subscriptionRefusal } from "./permissions";
import { createFormatError } from "./format-error";
import { graphqlOverHttp, refuseRequest, requestIdOf } from "./graphql-http";
import { createMetrics } from "./metrics";
import { observabilityPlugin } from "./plugins";
import { Services, createLoaders, createServices } from "./services";

export interface Server {
  /** Every HTTP route: /graphql, /healthz, /readyz, /metrics and, outside production, the explorer. */
  handler: http.RequestListener;
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
  const services = createServices(dataSource, config, log);
  const metrics = createMetrics(dataSource);
  const app = express();
  app.disable("x-powered-by");
  // Per-client limits read the client's address: behind a reverse proxy, say which proxies to believe.
  app.set("trust proxy", config.trustProxy);
  const trusted = app.get("trust proxy fn") as (address: string, hop: number) => boolean;
  // Routes are attached once Apollo has started (below); nothing listens before createServer returns.
  const httpServer = http.createServer();

  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.maxDepth },
    maxAliases: { n: config.limits.maxAliases },
    // The token limit is graphql-js's own parser option (parseOptions below): it stops the parse
    // itself, and costs nothing on requests whose parsed document Apollo already holds.
    maxTokens: { enabled: false },
    costLimit: { maxCost: config.limits.maxCost },
    maxDirectives: { n: 20 },
    blockFieldSuggestion: { enabled: production },
  });
  const protection = armor.protect();
  const schema = await buildAppSchema({ digestKey: config.piiKey, ...schemaOptions });
  const subscriptions = subscriptionServer(httpServer, schema, services, log);
  await services.shutdown.bus.ready();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: development,
    formatError: createFormatError(development),
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: config.limits.maxTokens },
    allowBatchedHttpRequests: false,
    // main.ts owns the signals: it stops the server, then closes the database, then exits.
    stopOnTerminationSignals: false,
    plugins: [
      ...protection.plugins,
      observabilityPlugin(metrics),
      ApolloServerPluginLandingPageDisabled(),
      // Not a federated subgraph: no per-request check for a trace header.
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are set anywhere; the default plugin would still wrap every result field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: async () => void (await subscriptions.dispose()) }) },
    ],
  });
  await apollo.start();

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
  const graphql = graphqlOverHttp(apollo, {
    maxBodyBytes: config.limits.maxBodyBytes,
    log,
    context: async (req, res) => {
      const requestId = requestIdOf(res);
      const viewer = await resolveViewer(services, req.headers.authorization);
      return {
        requestId,
        // Only the per-client report limit reads it.
        get clientAddress() {
          return proxyAddr(req, trusted) ?? null;
        },
        viewer,
        services,
        loaders: createLoaders(services, viewer),
        log: log.child({ requestId, role: viewer.role, org: viewer.organization?.code }),
      };
    },
  });

  // Outside production a browser's GET /graphql gets the explorer; other GETs fall through to GraphQL.
  if (!production) {
    app.use(explorerRouter());
    app.get("/graphql", (req: Request, res: Response) => graphql(req, res));
  }

  // Whatever fails on the operational routes: a coded error in GraphQL's shape, never an HTML page.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    refuseRequest(res, error, config.limits.maxBodyBytes, log);
  });

  // /graphql goes straight to Apollo (see graphql-http.ts), except GETs outside production,
  // which may be a browser asking for the explorer; everything else goes to express.
  const handler: http.RequestListener = (req, res) => {
    const given = req.headers["x-request-id"];
    res.setHeader("x-request-id", typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID());
    const path = req.url === undefined ? "" : req.url.split("?", 1)[0];
    if ((path === "/graphql" || path === "/graphql/") && (production || req.method !== "GET")) graphql(req, res);
    else app(req, res);
  };
  httpServer.on("request", handler);

  return {
    handler,
    httpServer,
    services,
    stop: async () => {
      await apollo.stop();
      await services.shutdown.bus.close();
    },
  };
}

/**
 * Subscriptions over graphql-ws on /graphql, on the same HTTP server. The client
 * sends its token as `{ authorization: "Bearer <token>" }` in the connection
 * parameters; a bad one closes the connection (4403). Only subscription operations
 * are taken here: queries and mutations go over HTTP, with its limits.
 */
function subscriptionServer(httpServer: http.Server, schema: GraphQLSchema, services: Services, log: Logger) {
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql" });
  return useServer<Record<string, unknown> | undefined, { viewer?: Viewer }>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = (params.authorization ?? params.Authorization) as string | undefined;
        try {
          ctx.extra.viewer = await resolveViewer(services, typeof header === "string" ? header : undefined);
          return true;
        } catch (error) {
          log.info({ reason: (error as Error).message }, "subscription connection refused");
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        let operations: OperationDefinitionNode[];
        try {
          operations = parse(payload.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT" } })];
        }
        const chosen = payload.operationName ? operations.find((o) => o.name?.value === payload.operationName) : operations[0];
        if (!chosen || chosen.operation !== "subscription") {
          return [new GraphQLError("only subscriptions are taken over WebSocket; send queries and mutations over HTTP", {
            extensions: { code: "BAD_USER_INPUT" },
          })];
        }
        // The permission table decides who subscribes, as it decides who queries: graphql-shield guards a
        // field's resolve, and a subscription's source stream is opened before any resolve runs.
        const refused = subscriptionRefusal(ctx.extra.viewer!, chosen);
        if (refused) return [refused];
      },
      context: (ctx) => {
        const viewer = ctx.extra.viewer!;
        const requestId = randomUUID();
        return {
          requestId,
          clientAddress: null,
          viewer,
          services,
          loaders: createLoaders(services, viewer),
          log: log.child({ requestId, role: viewer.role, org: viewer.organization?.code, transport: "ws" }),
        } satisfies RequestContext;
      },
    },
    wsServer,
  );
}

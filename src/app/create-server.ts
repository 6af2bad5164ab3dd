import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import express, { NextFunction, Request, Response } from "express";
import proxyAddr from "proxy-addr";
import {
  DocumentNode,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  ValidationRule,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { permissionsOf } from "../shared/auth/permissions";
import { KIND_OF_ROLE } from "../shared/auth/roles";
import { decodeProtectedHeader } from "jose";
import { OIDC_ALGORITHMS } from "../shared/auth/oidc";
import { TokenError, VerifiedToken, verifyToken } from "../shared/auth/tokens";
import { ApiClientService, CLIENT_CACHE_MS } from "../modules/api-clients";
import { startWebhookWorker } from "../modules/webhooks";
import { Viewer, publicViewer } from "../shared/auth/viewer";
import { unauthenticated } from "../shared/errors";
import { SchemaOptions, buildAppSchema } from "./build-schema";
import type { RequestContext } from "../shared/context";
import { bulkNumbersRoute } from "./bulk-numbers";
import { consoleRouter } from "./console";
import { explorerRouter } from "./explorer";
import { subscriptionRefusal } from "./permissions";
import { createFormatError } from "./format-error";
import { graphqlOverHttp, refuseRequest, requestIdOf } from "./graphql-http";
import { createMetrics } from "./metrics";
import { observabilityPlugin } from "./plugins";
import { Services, createLoaders, createServices } from "./services";

export interface Server {
  /** Every HTTP route: /graphql, POST /bulk/numbers, /healthz, /readyz, /metrics, /console and, outside production, the explorer. */
  handler: http.RequestListener;
  httpServer: http.Server;
  services: Services;
  /** Stops the GraphQL server; the caller owns the database and closes it. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Who the Authorization header says is calling, until when (seconds since the epoch; null: PUBLIC, no token), and how to ask again. */
export async function authenticate(
  services: Services,
  authorization: string | undefined,
): Promise<{ viewer: Viewer; expiresAt: number | null; stillValid?: () => Promise<boolean> }> {
  if (!authorization) return { viewer: publicViewer(), expiresAt: null };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated("the Authorization header must be 'Bearer <token>'");
  const token = match[1];
  if (ApiClientService.isSecret(token)) {
    // An API client: no expiry of its own, but revocation ends it, so a long-lived socket asks again.
    const client = await services.apiClients.authenticate(token);
    if (!client) throw unauthenticated("the API client secret is not valid: revoked, expired after a rotation, or never issued");
    return { viewer: client.viewer, expiresAt: null, stillValid: async () => (await services.apiClients.authenticate(token, { fresh: true })) !== null };
  }
  let claims;
  try {
    claims = await verifyBearer(services, token);
  } catch (error) {
    if (error instanceof TokenError) throw unauthenticated(error.message);
    throw error;
  }
  const organization = await services.organizations.forToken(claims.org, claims.role);
  if (!organization) {
    throw unauthenticated(`the token's organisation ${claims.org} does not exist or is not a ${KIND_OF_ROLE[claims.role]}`);
  }
  return { viewer: { subject: claims.sub, role: claims.role, organization, permissions: permissionsOf(claims.role, claims.admin ? "administrator" : "person") }, expiresAt: claims.exp };
}

/** A JWT by its algorithm: HS256 with JWT_SECRET where set; RS256/ES256 from the single sign-on issuer where configured. */
async function verifyBearer(services: Services, token: string): Promise<VerifiedToken> {
  const { config } = services;
  let algorithm: unknown;
  try {
    algorithm = decodeProtectedHeader(token).alg;
  } catch {
    throw new TokenError("the token is not valid");
  }
  if (algorithm === "HS256") {
    if (!config.jwtSecret) throw new TokenError("HS256 tokens are not accepted here: sign in through single sign-on, or use an API client");
    return verifyToken(config.jwtSecret, token, config.tokenMaxLifetimeSeconds);
  }
  if (typeof algorithm === "string" && OIDC_ALGORITHMS.includes(algorithm)) {
    if (!services.oidc) throw new TokenError(`${algorithm} tokens are accepted only where OIDC_ISSUER is configured`);
    return services.oidc.verify(token, config.tokenMaxLifetimeSeconds);
  }
  throw new TokenError(`tokens signed with ${typeof algorithm === "string" ? algorithm : "no algorithm"} are not accepted`);
}

/** Who the Authorization header says is calling; PUBLIC without one. */
export async function resolveViewer(services: Services, authorization: string | undefined): Promise<Viewer> {
  return (await authenticate(services, authorization)).viewer;
}

/** What every transport applies to an operation before any work: the parser's token limit and the validation rules. */
interface OperationLimits {
  maxTokens: number;
  rules: readonly ValidationRule[];
  formatError(error: GraphQLFormattedError): GraphQLFormattedError;
}

/** Does the Authorization header carry this bearer token? Compared in constant time. */
function bearerIs(authorization: string | undefined, expected: string): boolean {
  return secretIs(/^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "")?.[1], expected);
}

/** A secret given (in a header) against the expected one, in constant time. */
function secretIs(given: string | string[] | undefined, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return typeof given === "string" && timingSafeEqual(digest(given.trim()), digest(expected));
}

/** The header a federation router (or `rover`) sends FEDERATION_ROUTER_TOKEN in, to read `_service { sdl }`. */
export const ROUTER_TOKEN_HEADER = "x-federation-router-token";
/** The header a router asks Apollo's inline trace (ftv1) with. */
const TRACE_HEADER = "apollo-federation-include-trace";

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
    // Suggestions ("Did you mean ...?") are hidden by formatError, for every kind and every transport.
    blockFieldSuggestion: { enabled: false },
  });
  const protection = armor.protect();
  const formatError = createFormatError(development, production);
  const limits: OperationLimits = {
    maxTokens: config.limits.maxTokens,
    rules: [...specifiedRules, ...protection.validationRules],
    formatError,
  };
  const schema = await buildAppSchema({ digestKey: config.piiKey, introspection: !production, ...schemaOptions });
  const clientAddressOf = (req: http.IncomingMessage) => proxyAddr(req, trusted) ?? "";
  const subscriptions = subscriptionServer(httpServer, schema, services, log, config, limits, clientAddressOf);
  await services.shutdown.bus.ready();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: development,
    formatError,
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
    allowBatchedHttpRequests: false,
    // main.ts owns the signals: it stops the server, then closes the database, then exits.
    stopOnTerminationSignals: false,
    plugins: [
      ...protection.plugins,
      observabilityPlugin(metrics, config.requestLog),
      ApolloServerPluginLandingPageDisabled(),
      // A federated subgraph gets Apollo's inline trace unless told otherwise: only where FEDERATION_INLINE_TRACE asks
      // for it (a router's `apollo-federation-include-trace: ftv1`), errors masked; otherwise no per-request check at all.
      config.federation.inlineTrace ? ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }) : ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are set anywhere; the default plugin would still wrap every result field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: async () => void (await subscriptions.dispose()) }) },
    ],
  });
  await apollo.start();
  // Webhook deliveries: this instance delivers while it holds the lease (src/modules/webhooks).
  const webhookWorker = startWebhookWorker(services, log.child({ component: "webhooks" }));

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
  // Only for the configured scraper (METRICS_TOKEN); without one, open outside production and absent in it.
  if (config.metricsToken !== null || !production) {
    app.get("/metrics", async (req, res) => {
      if (config.metricsToken !== null && !bearerIs(req.headers.authorization, config.metricsToken)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        const message = "/metrics needs the scraper's token: Authorization: Bearer <METRICS_TOKEN>";
        return res.status(401).json({ errors: [{ message, extensions: { code: "UNAUTHENTICATED", requestId: requestIdOf(res) } }] });
      }
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  /** Whether a request carries the federation router's credential (FEDERATION_ROUTER_TOKEN), compared in constant time. */
  const fromRouter = (req: http.IncomingMessage): boolean => {
    const token = config.federation.routerToken;
    return token !== null && secretIs(req.headers[ROUTER_TOKEN_HEADER], token);
  };
  const graphql = graphqlOverHttp(apollo, {
    maxBodyBytes: config.limits.maxBodyBytes,
    log,
    context: async (req, res) => {
      const requestId = requestIdOf(res);
      const viewer = await resolveViewer(services, req.headers.authorization);
      let requestLog: Logger | undefined;
      return {
        requestId,
        // Only the per-client report limit reads it.
        get clientAddress() {
          return clientAddressOf(req) || null;
        },
        viewer,
        services,
        loaders: createLoaders(services, viewer),
        // Read only by `_service { sdl }` (federation.ts).
        get routerCredential() {
          return fromRouter(req);
        },
        // Made on first use: most public look-ups write no line (LOG_REQUESTS), and a child logger serialises its fields.
        get log() {
          return (requestLog ??= log.child({ requestId, role: viewer.role, org: viewer.organization?.code }));
        },
      };
    },
  });

  // A carrier's file, streamed straight from node:http into the sync engine (no body parser holds it).
  const bulkNumbers = bulkNumbersRoute(services, config, log, authenticate, clientAddressOf);

  app.use(consoleRouter());
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
    // Apollo's inline trace (FEDERATION_INLINE_TRACE) is for the router: a trace asked by anyone else is not made.
    if (req.headers[TRACE_HEADER] !== undefined && !fromRouter(req)) delete req.headers[TRACE_HEADER];
    const given = req.headers["x-request-id"];
    res.setHeader("x-request-id", typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID());
    const path = req.url === undefined ? "" : req.url.split("?", 1)[0];
    if ((path === "/graphql" || path === "/graphql/") && (production || req.method !== "GET")) graphql(req, res);
    else if (path === "/bulk/numbers" && req.method === "POST") void bulkNumbers(req, res);
    else app(req, res);
  };
  httpServer.on("request", handler);

  return {
    handler,
    httpServer,
    services,
    stop: async () => {
      await apollo.stop();
      await webhookWorker.stop();
      await services.shutdown.bus.close();
      await services.apiClients.stop();
    },
  };
}

/** graphql-ws close codes of ours, beside the protocol's own 4403 (a token that is not valid). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_TOO_MANY_CONNECTIONS = 4429;

// A type, not an interface: graphql-ws wants an index signature.
type SocketState = {
  viewer?: Viewer;
  /** Closes the socket when its token expires. */
  expiry?: NodeJS.Timeout;
};

/** A GraphQL error as HTTP would report it: the same message and places, with Apollo's code. */
function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

/**
 * Subscriptions over graphql-ws on /graphql, on the same HTTP server, under the limits of HTTP: a message
 * is at most MAX_BODY_BYTES (larger frames are refused by ws from their header, 1009, before they are read),
 * an operation is parsed with the token limit and validated with the same rules (depth, aliases, cost)
 * before anything runs, and errors leave through the same formatError. The client sends its token as
 * `{ authorization: "Bearer <token>" }` in the connection parameters: none closes the connection with
 * 4401, one that is not valid with 4403; the socket is closed with 4401 when the token expires. One
 * client address holds at most WS_MAX_CONNECTIONS_PER_ADDRESS sockets (4429 beyond). Only subscription
 * operations are taken here: queries and mutations go over HTTP.
 */
function subscriptionServer(
  httpServer: http.Server,
  schema: GraphQLSchema,
  services: Services,
  log: Logger,
  config: Config,
  limits: OperationLimits,
  clientAddressOf: (req: http.IncomingMessage) => string,
) {
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: config.limits.maxBodyBytes });
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => limits.formatError(e.toJSON()));
  const server = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      schema,
      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        // Closed already (over the per-address cap, or by the client): no work for it.
        if (socket.readyState !== WebSocket.OPEN) return false;
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization;
        if (typeof header !== "string" || header.trim() === "") {
          // graphql-ws closes a refused connection with 4403; a missing token is 4401, as HTTP's 401.
          socket.close(CLOSE_UNAUTHORIZED, "a subscription needs a token: connection parameter authorization");
          return false;
        }
        let expiresAt: number | null;
        let stillValid: (() => Promise<boolean>) | undefined;
        try {
          ({ viewer: ctx.extra.viewer, expiresAt, stillValid } = await authenticate(services, header));
        } catch (error) {
          log.info({ reason: (error as Error).message }, "subscription connection refused");
          return false;
        }
        if (socket.readyState !== WebSocket.OPEN) return false;
        if (stillValid) {
          // An API client's secret has no expiry of its own: the socket ends within a second of its revocation.
          ctx.extra.expiry = setInterval(() => {
            stillValid().then(
              (valid) => valid || socket.close(CLOSE_UNAUTHORIZED, "the API client was revoked, or its secret expired"),
              // Unable to tell: closed, as a revoked client's would be (the client reconnects once the database answers).
              (error) => {
                log.warn({ err: error }, "could not check a subscriber's API client");
                socket.close(CLOSE_UNAUTHORIZED, "the API client could not be checked again");
              },
            );
          }, CLIENT_CACHE_MS).unref();
        } else {
          // A request with this token would be refused from its expiry on: so is the socket.
          const delay = Math.max(0, (expiresAt ?? 0) * 1000 - Date.now());
          ctx.extra.expiry = setTimeout(() => socket.close(CLOSE_UNAUTHORIZED, "the token has expired"), delay).unref();
        }
        return true;
      },
      // clearTimeout clears an interval too.
      onClose: (ctx) => clearTimeout(ctx.extra.expiry),
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError) return [coded(error, "GRAPHQL_PARSE_FAILED")];
          return [new GraphQLError("the subscription's query is not a GraphQL document", { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        const chosen = payload.operationName ? operations.find((o) => o.name?.value === payload.operationName) : operations[0];
        if (!chosen || chosen.operation !== "subscription") {
          return [new GraphQLError("only subscriptions are taken over WebSocket; send queries and mutations over HTTP", {
            extensions: { code: "BAD_USER_INPUT" },
          })];
        }
        const invalid = validate(schema, document, limits.rules);
        if (invalid.length > 0) return invalid.map((e) => coded(e, "GRAPHQL_VALIDATION_FAILED"));
        // The permission table decides who subscribes, as it decides who queries: graphql-shield guards a
        // field's resolve, and a subscription's source stream is opened before any resolve runs.
        const refused = subscriptionRefusal(ctx.extra.viewer!, chosen);
        if (refused) return [refused];
        // Parsed and validated here, so graphql-ws runs it as it is (it would parse again without the token limit).
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
      context: (ctx) => {
        const viewer = ctx.extra.viewer!;
        const requestId = randomUUID();
        return {
          requestId,
          clientAddress: clientAddressOf(ctx.extra.request) || null,
          viewer,
          services,
          loaders: createLoaders(services, viewer),
          log: log.child({ requestId, role: viewer.role, org: viewer.organization?.code, transport: "ws" }),
        } satisfies RequestContext;
      },
    },
    wsServer,
  );

  const open = new Map<string, number>();
  wsServer.on("connection", (socket, request) => {
    // graphql-ws reports any socket error as an internal one, on the console; on a socket they are the
    // client's (a frame over maxPayload, a malformed frame), and ws has already closed it with the right code.
    socket.removeAllListeners("error");
    socket.on("error", (error) => log.info({ reason: error.message }, "WebSocket message refused"));
    const address = clientAddressOf(request);
    const count = open.get(address) ?? 0;
    if (count >= config.limits.wsMaxConnectionsPerAddress) {
      socket.close(CLOSE_TOO_MANY_CONNECTIONS, "too many connections from your address");
      return;
    }
    open.set(address, count + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  return server;
}

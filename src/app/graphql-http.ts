import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from "@apollo/server";
import bodyParser from "body-parser";
import type { Logger } from "pino";

export interface GraphQLHttpOptions<C extends BaseContext> {
  maxBodyBytes: number;
  log: Logger;
  context(req: IncomingMessage, res: ServerResponse): Promise<C>;
}

/** The request's id: the server sets it on every response before routing. */
export function requestIdOf(res: ServerResponse): string {
  return String(res.getHeader("x-request-id") ?? "");
}

/**
 * A request refused before GraphQL ran (body too large, not JSON) or failed outside
 * it: a coded error in GraphQL's shape. A 4xx is BAD_USER_INPUT with its reason; any
 * other failure is logged and answered INTERNAL_SERVER_ERROR, without detail.
 */
export function refuseRequest(res: ServerResponse, error: unknown, maxBodyBytes: number, log: Logger): void {
  const { status: given, type, message: reason } = (error ?? {}) as { status?: number; type?: string; message?: string };
  const status = given && given >= 400 && given < 500 ? given : 500;
  const requestId = requestIdOf(res);
  if (status === 500) log.error({ err: error, requestId }, "unexpected HTTP error");
  const message =
    type === "entity.too.large" ? `the request body is larger than ${maxBodyBytes} bytes` : status === 500 ? "Internal server error" : (reason ?? "bad request");
  const body = JSON.stringify({ errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT", requestId } }] });
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

/**
 * GraphQL over HTTP on /graphql, straight from node:http into Apollo Server's
 * `executeHTTPGraphQLRequest`. The GraphQL endpoint is the registry's hot path
 * (switches' caller checks, the public look-up), and express's router, response
 * helpers and ETag hashing were a third of a request's cost there; the
 * operational endpoints stay on express. The body rules are express's json
 * parser's own: the size cap, gzip/deflate, charsets, and JSON only for the two
 * GraphQL media types (anything else reaches Apollo without a body and is refused
 * by it).
 */
export function graphqlOverHttp<C extends BaseContext>(apollo: ApolloServer<C>, options: GraphQLHttpOptions<C>) {
  const parseJson = bodyParser.json({ limit: options.maxBodyBytes, type: ["application/json", "application/graphql-response+json"] });

  const execute = async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const request: HTTPGraphQLRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      headers,
      search: query < 0 ? "" : url.slice(query),
      body: req.body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: () => options.context(req, res) });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.setHeader("content-length", Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    parseJson(req, res, (error?: unknown) => {
      if (error) return refuseRequest(res, error, options.maxBodyBytes, options.log);
      execute(req, res).catch((failure) => {
        if (res.headersSent) {
          options.log.error({ err: failure, requestId: requestIdOf(res) }, "GraphQL response failed after its head was sent");
          res.destroy();
          return;
        }
        refuseRequest(res, failure, options.maxBodyBytes, options.log);
      });
    });
  };
}

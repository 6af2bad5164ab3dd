#!/usr/bin/env node
// A router for trying the registry in a federated graph without Apollo's managed services: @apollo/gateway
// with a supergraph composed locally (@apollo/composition) from the registry's schema/subgraph.graphql and the
// customers subgraph beside this file. It forwards each caller's Authorization header to every subgraph, so the
// registry answers under the caller's own token, exactly as it would to the caller. For production use Apollo
// Router with supergraph.yaml and router.yaml (README.md beside this file).
//
//   node examples/federation/gateway.js            # http://127.0.0.1:4100/graphql
//
// Settings (environment): PORT (4100), HOST (127.0.0.1), REGISTRY_URL (http://127.0.0.1:4000/graphql),
// CUSTOMERS_URL (http://127.0.0.1:4001/graphql).
"use strict";

const { readFileSync } = require("node:fs");
const path = require("node:path");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { composeServices } = require("@apollo/composition");
const { ApolloGateway, RemoteGraphQLDataSource } = require("@apollo/gateway");
const { parse } = require("graphql");
const { typeDefs: customersTypeDefs } = require("./customers");

const REGISTRY_SDL = path.join(__dirname, "../../schema/subgraph.graphql");

/**
 * The supergraph of the registry and the customers subgraph, or the composition's errors.
 * registrySdl: the registry's SDL (schema/subgraph.graphql, or its `_service { sdl }`).
 */
function composeSupergraph({ registrySdl = readFileSync(REGISTRY_SDL, "utf8"), registryUrl, customersUrl }) {
  const result = composeServices([
    { name: "registry", url: registryUrl, typeDefs: parse(registrySdl) },
    { name: "customers", url: customersUrl, typeDefs: customersTypeDefs },
  ]);
  return { supergraphSdl: result.supergraphSdl ?? null, errors: result.errors ?? [] };
}

/** Sends the caller's Authorization header on to each subgraph (the registry decides what the caller sees). */
class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set("authorization", context.authorization);
  }
}

/** Starts the gateway on a supergraph; resolves to its URL and a stop function. */
async function startGateway({ supergraphSdl, port = 4100, host = "127.0.0.1" }) {
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ url }) => new ForwardingDataSource({ url }) });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}

module.exports = { composeSupergraph, startGateway, ForwardingDataSource };

if (require.main === module) {
  const { supergraphSdl, errors } = composeSupergraph({
    registryUrl: process.env.REGISTRY_URL ?? "http://127.0.0.1:4000/graphql",
    customersUrl: process.env.CUSTOMERS_URL ?? "http://127.0.0.1:4001/graphql",
  });
  if (!supergraphSdl) {
    process.stderr.write(`composition failed:\n${errors.map((e) => `  ${e.message}`).join("\n")}\n`);
    process.exit(1);
  }
  startGateway({ supergraphSdl, port: Number(process.env.PORT ?? 4100), host: process.env.HOST ?? "127.0.0.1" }).then(
    ({ url }) => process.stdout.write(`The gateway is up: ${url}\n`),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

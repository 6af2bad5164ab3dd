#!/usr/bin/env node
// A carrier's own customer graph, as an Apollo Federation 2 subgraph beside the number registry: its
// `Customer` holds the customer's 400 numbers as references to the registry's `PhoneNumber` entity (keyed by
// the number), so one query through a router reads the customer here and each number's status, carrier and
// reseller from the registry, under the caller's own registry token.
//
//   node examples/federation/customers.js          # http://127.0.0.1:4001/graphql
//
// Settings (environment): PORT (4001; 0 picks a free one), HOST (127.0.0.1). The customers are the demo data's
// (see README.md beside this file); put your own source in `customers`.
"use strict";

const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { buildSubgraphSchema } = require("@apollo/subgraph");
const { parse } = require("graphql");

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    customer(id: ID!): Customer
    customers: [Customer!]!
  }

  "A company that buys 400 numbers from the carrier."
  type Customer @key(fields: "id") {
    id: ID!
    name: String!
    "Its numbers, resolved by the registry; an item the caller's registry token may not see is null."
    numbers: [PhoneNumber]!
  }

  "The registry's number: this graph only refers to it, by its key."
  type PhoneNumber @key(fields: "number", resolvable: false) {
    number: String!
  }
`);

/** The demo data's numbers: two of China Telecom Liaoning's and one of China Mobile Guangdong's. */
const DEMO_CUSTOMERS = [
  { id: "c-1", name: "Shenyang Beifang Machinery", numbers: ["4001000000", "4001000001"] },
  { id: "c-2", name: "A customer who also holds another carrier's number", numbers: ["4001000002", "4006000000"] },
];

/** The subgraph's type definitions and resolvers over a list of customers ({ id, name, numbers: ["400..."] }). */
function customersSubgraph(customers = DEMO_CUSTOMERS) {
  const byId = new Map(customers.map((c) => [c.id, c]));
  const resolvers = {
    Query: {
      customer: (_source, { id }) => byId.get(id) ?? null,
      customers: () => customers,
    },
    Customer: {
      __resolveReference: ({ id }) => byId.get(id) ?? null,
      // A reference is all the registry needs: the router asks it for the rest.
      numbers: (customer) => customer.numbers.map((number) => ({ __typename: "PhoneNumber", number })),
    },
  };
  return { typeDefs, resolvers, schema: buildSubgraphSchema({ typeDefs, resolvers }) };
}

/** Starts the subgraph; resolves to its URL and a stop function. */
async function startCustomers({ port = 4001, host = "127.0.0.1", customers } = {}) {
  const server = new ApolloServer({ schema: customersSubgraph(customers).schema });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  return { url, stop: () => server.stop() };
}

module.exports = { typeDefs, customersSubgraph, startCustomers, DEMO_CUSTOMERS };

if (require.main === module) {
  startCustomers({ port: Number(process.env.PORT ?? 4001), host: process.env.HOST ?? "127.0.0.1" }).then(
    ({ url }) => process.stdout.write(`The customers subgraph is up: ${url}\n`),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

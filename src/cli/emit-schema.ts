import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildBareSchema, printContract, printSubgraphContract } from "../app/build-schema";

/**
 * Writes schema/schema.graphql, the committed contract, and schema/subgraph.graphql, the same schema as a
 * federation subgraph's SDL; a test fails when either is stale. An unchanged file is left alone, so a build
 * never rewrites it under a reader (tests run `npm start` beside others).
 */
async function main(): Promise<void> {
  const schema = await buildBareSchema();
  write(path.resolve(__dirname, "../../../schema/schema.graphql"), printContract(schema));
  write(path.resolve(__dirname, "../../../schema/subgraph.graphql"), await printSubgraphContract(schema));
}

function write(file: string, contract: string): void {
  let current: string | null = null;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // first build: no file yet
  }
  if (current === contract) return;
  writeFileSync(file, contract);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}

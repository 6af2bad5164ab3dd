import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildBareSchema, printContract } from "../app/build-schema";

/** Writes schema/schema.graphql, the committed contract; a test fails when it is stale. */
async function main(): Promise<void> {
  const file = path.resolve(__dirname, "../../../schema/schema.graphql");
  writeFileSync(file, printContract(await buildBareSchema()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

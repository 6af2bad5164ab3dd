import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildBareSchema, printContract } from "../app/build-schema";

/**
 * Writes schema/schema.graphql, the committed contract; a test fails when it is stale. An unchanged
 * file is left alone, so a build never rewrites it under a reader (tests run `npm start` beside others).
 */
async function main(): Promise<void> {
  const file = path.resolve(__dirname, "../../../schema/schema.graphql");
  const contract = printContract(await buildBareSchema());
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

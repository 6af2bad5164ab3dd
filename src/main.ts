import "reflect-metadata";
import { createServer } from "./app/create-server";
import { ConfigError, loadConfig } from "./config";
import { isEmbedded, openDatabase } from "./db/data-source";
import { DEMO_TOKENS, seedDemo } from "./db/seed-demo";
import { startSweepSchedule } from "./modules/sweeps";
import { createLogger, flushLogs } from "./shared/logger";

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  for (const warning of config.warnings) log.warn(warning);

  const dataSource = await openDatabase(config);
  const server = await createServer(config, dataSource, log);
  if (config.seedDemo && (await seedDemo(server.services))) log.info("demo data loaded");

  await new Promise<void>((resolve) => server.httpServer.listen(config.port, config.host, resolve));
  const address = server.httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}/graphql`;
  log.info({ url, database: isEmbedded(dataSource) ? `embedded (${config.dataDir ?? "memory"})` : "postgresql" }, "registry listening");
  const stopSweeps = startSweepSchedule(server.services.sweeps, config.sweepIntervalSeconds, log.child({ component: "sweep" }));
  if (config.env !== "production") {
    const lines = DEMO_TOKENS.map(({ org, role }) => `  ${role.padEnd(12)} npm run token -- --org ${org} --role ${role}`);
    process.stdout.write(
      `\nThe shared number registry is up: ${url}\n` +
        `Open it in a browser for the explorer. Without a token you are PUBLIC; for a demo role:\n${lines.join("\n")}\n` +
        `and send the token as "Authorization: Bearer <token>".\n` +
        `The console for regulators, police and carriers: ${url.replace(/\/graphql$/, "/console")} (sign in with such a token).\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    await server.stop();
    await stopSweeps();
    await dataSource.destroy();
    // Log lines are written asynchronously: the last ones (the stop itself) go out before the exit.
    await flushLogs(log);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((error) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`the registry could not start: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
}

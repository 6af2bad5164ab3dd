import { ConfigError } from "../config";
import { parseInstant } from "../shared/dates";
import { parseArgs } from "./args";

/** A command that runs once against the database, as of the database clock or of `--now <ISO time>`. */
export interface AsOfCommand<D extends { close(): Promise<void> }> {
  /** Its name in messages: "sweep", "snapshot". */
  name: string;
  usage: string;
  /** An example of --now, for the message that refuses a time without its zone. */
  example: string;
  /** The work; returns the lines to print. An error `refusal` recognises exits 2 with its message. */
  run(database: D, now: Date | undefined): Promise<string[]>;
  refusal?(error: unknown): string | null;
  /** What a failure leaves behind, for its message: "changed nothing". */
  failure: string;
}

export interface AsOfCommandIo<D> {
  /** Opens the database the command works on; close() is called when it is done. */
  open(): Promise<D>;
  out(line: string): void;
  err(line: string): void;
}

class UsageError extends Error {}

function parseAsOfArgs(argv: string[], example: string): { now?: Date; help: boolean } {
  let args: Record<string, string>;
  try {
    args = parseArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const unknown = Object.keys(args).filter((name) => name !== "now" && name !== "help");
  if (unknown.length > 0) throw new UsageError(`unknown option --${unknown[0]}`);
  if (args.help) return { help: true };
  if (args.now === undefined) return { help: false };
  const now = parseInstant(args.now);
  if (!now) throw new UsageError(`--now must be an ISO-8601 time with its zone, such as ${example}; got "${args.now}"`);
  return { now, help: false };
}

/**
 * Runs the command: exit code 0 when it ran, 1 when it failed (its transaction changed nothing), 2 for a bad
 * argument, a refusal, or a bad configuration.
 */
export async function runAsOfCommand<D extends { close(): Promise<void> }>(
  command: AsOfCommand<D>,
  argv: string[],
  io: AsOfCommandIo<D>,
): Promise<number> {
  let args: { now?: Date; help: boolean };
  try {
    args = parseAsOfArgs(argv, command.example);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${command.usage}`);
    return 2;
  }
  if (args.help) {
    io.out(command.usage);
    return 0;
  }
  let database: D;
  try {
    database = await io.open();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`configuration error: ${error.message}`);
      return 2;
    }
    io.err(`${command.name} could not open the database: ${(error as Error).message}`);
    return 1;
  }
  try {
    for (const line of await command.run(database, args.now)) io.out(line);
    return 0;
  } catch (error) {
    const refused = command.refusal?.(error) ?? null;
    if (refused !== null) {
      io.err(`--now: ${refused}`);
      return 2;
    }
    io.err(`the ${command.name} failed and ${command.failure}: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}

/** As an entry point: runs the command on the process's arguments, and exits with its code. */
export function runAsOfCommandAsMain<D extends { close(): Promise<void> }>(command: AsOfCommand<D>, open: () => Promise<D>): void {
  runAsOfCommand(command, process.argv.slice(2), {
    open,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${command.name} could not run: ${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

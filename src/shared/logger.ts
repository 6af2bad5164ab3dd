import pino, { Logger } from "pino";

// Resident ID numbers (18 characters, the last a digit or X) must never reach a log line,
// whatever message carries them; this is the last line of defence, not the first.
const RESIDENT_ID = /(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])/g;

export function scrub(text: string): string {
  return text.replace(RESIDENT_ID, "$1********$2");
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message), stack: value.stack && scrub(value.stack) };
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

/**
 * A JSON logger on `destination`, by default stdout written asynchronously: a synchronous write per line
 * blocked the event loop for a third of the public look-up's throughput (docs/BENCHMARKS.md). Lines are
 * buffered by sonic-boom and written as the previous write completes; pino flushes what is left when
 * the process exits, and flushLogs (main.ts, on stop) before that.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "number-registry" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubValue(a)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out what the logger holds, before an exit; a no-op on a synchronous or captured destination. */
export function flushLogs(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}

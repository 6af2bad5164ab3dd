import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import { createNotifyChannel } from "../../db/notify-channel";

/** Sent at commit by the triggers on number_changes and registry_events (migration Webhooks), and by this module's mutations. */
export const WAKE_CHANNEL = "registry_webhooks";

/**
 * What wakes the delivery worker after a commit that may have given it work: a notify channel. On the
 * embedded database a mutation of this module says so after its commit; changes of numbers there are
 * found by the worker's poll.
 */
export interface WakeSignal {
  /** Inside the transaction. */
  announce(tx: EntityManager): Promise<void>;
  /** After the transaction committed. */
  committed(): void;
  /** Calls `handler` on each wake-up; returns the way to stop. */
  listen(handler: () => void): () => void;
  close(): Promise<void>;
}

export function createWakeSignal(dataSource: DataSource, log: Logger): WakeSignal {
  const channel = createNotifyChannel(dataSource, log, { name: WAKE_CHANNEL, application: "registry-webhooks", meanwhile: "the worker polls meanwhile" });
  return {
    announce: (tx) => channel.announce(tx, ""),
    committed: () => channel.committed(""),
    listen: (handler) => channel.listen(() => handler()),
    close: () => channel.close(),
  };
}

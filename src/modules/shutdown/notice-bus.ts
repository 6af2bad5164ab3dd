import type { DataSource } from "typeorm";
import type { Logger } from "pino";
import { NotifyChannel, createNotifyChannel } from "../../db/notify-channel";

/**
 * How a committed shutdown order reaches every server instance at once: its id on a notify channel, sent
 * inside the order's transaction (so it goes out when, and only if, the order commits). Carriers that
 * were not connected replay orders from the change feed, which names the order behind each FORCE_STOPPED
 * change.
 */
export type NoticeBus = NotifyChannel;

export function createNoticeBus(dataSource: DataSource, log: Logger): NoticeBus {
  return createNotifyChannel(dataSource, log, {
    name: "registry_shutdown_orders",
    application: "registry-notices",
    meanwhile: "carriers replay from the change feed",
  });
}

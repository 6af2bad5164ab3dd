import type { EntityManager } from "typeorm";
import { MovedNumber, moveNumbers } from "../numbers/number-moves";
import { ChangeCause } from "../numbers/number-status";

/**
 * ACTIVE numbers (of those `where` chooses, on `n`) that their deposit no longer lets serve
 * (number_may_serve, the database's own rule, as of registry.clock: a grace ended unpaid, a deposit
 * forfeited) leave service, suspended for papers as a lapsed paper suspends them.
 */
export function suspendWhereDepositForbids(tx: EntityManager, where: string, params: unknown[], cause: ChangeCause): Promise<MovedNumber[]> {
  return moveNumbers(tx, {
    where: `(${where}) AND n.status = 'ACTIVE' AND NOT number_may_serve(n.number, n.subscriber_id)`,
    params,
    set: "status = 'SUSPENDED', suspension = 'PAPERS'",
    cause,
  });
}

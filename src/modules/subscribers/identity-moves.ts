import type { EntityManager } from "typeorm";
import { SqlParams } from "../../shared/policy";
import type { IdentityStatus } from "./identity-rules";
import { identityMovesInto } from "./identity-status";

export interface IdentityMove {
  /** SQL condition on `s` (subscribers) choosing the rows; its placeholders, and those of `set`, name `params`. */
  where: string;
  params: unknown[];
  to: IdentityStatus;
  /** What else the move records, e.g. `verified_at = now()`. */
  set?: string;
}

/**
 * Every change of identity status goes through here: the subscribers `where` chooses whose status may
 * make the move (identity-status.ts; the database's trigger holds the same table) are moved, and their
 * ids returned. Triggers that follow: the compliance rollups count the newly VERIFIED (and no longer
 * VERIFIED); a subscriber leaving VERIFIED while a number of its is ACTIVE is refused.
 */
export async function moveIdentities(tx: EntityManager, move: IdentityMove): Promise<string[]> {
  const p = new SqlParams(move.params);
  const rows: { id: string }[] = await tx.query(
    `WITH moved AS (
       UPDATE subscribers s SET identity_status = ${p.add(move.to)}, ${move.set ? `${move.set}, ` : ""}updated_at = now(), version = s.version + 1
        WHERE (${move.where}) AND s.identity_status = ANY(${p.add(identityMovesInto(move.to))}::text[])
       RETURNING s.id)
     SELECT id FROM moved ORDER BY id`,
    p.values,
  );
  return rows.map((r) => r.id);
}

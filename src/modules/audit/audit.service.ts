import { DataSource, EntityManager } from "typeorm";
import { SqlParams } from "../../shared/policy";
import { AuditEvent } from "./audit-event.entity";
import { ChainFields, GENESIS_HASH, eventHash } from "./audit-chain";

export type AuditDraft = Omit<ChainFields, "seq" | "at" | "prevHash">;

// One lock for the chain: appends are serialised until their transaction ends,
// so two events never claim the same predecessor.
export const CHAIN_LOCK = 4_155_444_954;

export interface VerifyResult {
  ok: boolean;
  events: number;
  headHash: string;
  /** The first event that does not verify, and why. */
  broken?: { seq: string; reason: string };
}

export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends an event with the caller's transaction, so it commits or rolls back with the work it records. */
  async append(tx: EntityManager, draft: AuditDraft): Promise<AuditEvent> {
    const p = new SqlParams();
    await tx.query(`SELECT pg_advisory_xact_lock(${p.add(CHAIN_LOCK)})`, p.values);
    const [last]: { seq: string; hash: string }[] = await tx.query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
    const fields: ChainFields = {
      ...draft,
      seq: last ? (BigInt(last.seq) + 1n).toString() : "1",
      at: new Date(),
      prevHash: last ? last.hash : GENESIS_HASH,
    };
    const event = tx.create(AuditEvent, { ...fields, hash: eventHash(fields) });
    await tx.insert(AuditEvent, event);
    return event;
  }

  /** Appends an event in a transaction of its own (a mutation that failed and rolled back). */
  appendAlone(draft: AuditDraft): Promise<AuditEvent> {
    return this.dataSource.transaction((tx) => this.append(tx, draft));
  }

  /** Walks the chain from the first event and names the first one that does not verify. */
  async verify(batchSize = 5000, onBatch?: (checked: number) => void): Promise<VerifyResult> {
    let expectedSeq = 1n;
    let prevHash = GENESIS_HASH;
    let events = 0;
    for (;;) {
      const rows = await this.dataSource
        .getRepository(AuditEvent)
        .createQueryBuilder("e")
        .where("e.seq >= :from", { from: expectedSeq.toString() })
        .orderBy("e.seq", "ASC")
        .limit(batchSize)
        .getMany();
      if (rows.length === 0) return { ok: true, events, headHash: prevHash };
      for (const row of rows) {
        const seq = BigInt(row.seq);
        const fail = (reason: string): VerifyResult => ({ ok: false, events, headHash: prevHash, broken: { seq: String(row.seq), reason } });
        if (seq !== expectedSeq) {
          const reason = `event ${expectedSeq} is missing (the next present is ${row.seq})`;
          return { ok: false, events, headHash: prevHash, broken: { seq: expectedSeq.toString(), reason } };
        }
        if (row.prevHash !== prevHash) return fail("its prev_hash does not match the hash of the event before it");
        if (eventHash(row) !== row.hash) return fail("its content does not match its hash: the event was changed");
        prevHash = row.hash;
        expectedSeq = seq + 1n;
        events += 1;
      }
      onBatch?.(events);
    }
  }
}

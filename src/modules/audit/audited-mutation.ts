import { DataSource, EntityManager } from "typeorm";
import { Role } from "../../shared/auth/roles";
import { Viewer } from "../../shared/auth/viewer";
import { SqlParams } from "../../shared/policy/sql";
import { codeOf } from "../../shared/errors";
import { AuditService, CHAIN_LOCK } from "./audit.service";
import { canonicalJson, inputDigest } from "./audit-chain";
import { createHash, createHmac } from "node:crypto";
import { isUuid } from "../../shared/ids";
import { parseUscc } from "../../shared/identity/uscc";
import { residentIdCheckCharacter } from "../../shared/identity/resident-id";
import { caseNumberOf } from "../cases/case.inputs";
import { canonicalNumber } from "../numbers/number-format";
import { ORGANIZATION_CODE } from "../organizations/organization.inputs";
import type { MutationOutcome, UnitOfWork } from "../../shared/unit-of-work";

// Arguments that name what a mutation acts on, by the kind of identifier each holds. Only
// identifiers: never a person's name or ID number, which stay out of the audit log.
const TARGET_KEYS: Record<string, TargetKind> = {
  number: "number", numbers: "number",
  code: "organization", parentCode: "organization", resellerCode: "organization", callCenterCode: "organization",
  subscriberId: "uuid", orderId: "uuid", trunkId: "uuid",
};
type TargetKind = "number" | "organization" | "uuid";

/** At most this many targets an event, and this many bytes of them; the rest is counted in a last `+N more`. */
export const MAX_EVENT_TARGETS = 1000;
export const MAX_EVENT_TARGET_BYTES = 64 * 1024;

const DIGESTED = /^sha256:[0-9a-f]{16}$/;
const NUMBER_RANGE = /^400\d{7}\.\.400\d{7}$/;
const SYNC_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A keyed digest standing for a value that is no identifier (it may be anything, a resident ID
 * among them), so equal values still match in the log and none can be read back or tried for.
 */
export function targetDigest(key: Buffer, value: string): string {
  return `sha256:${createHmac("sha256", key).update("audit-target\u0000").update(value).digest("hex").slice(0, 16)}`;
}

/** An 18-digit (or 15-digit, first-generation) resident ID number's shape, unless it is a valid USCC and no valid resident ID. */
function personalId(value: string): boolean {
  if (/^\d{15}$/.test(value)) return true;
  if (!/^\d{17}[\dXx]$/.test(value)) return false;
  const residentCheck = residentIdCheckCharacter(value.slice(0, 17)) === value[17].toUpperCase();
  return residentCheck || !parseUscc(value).ok;
}

/** The canonical form of an identifier of a known kind, or null when the value is not one. */
function canonicalOf(kind: TargetKind, value: string): string | null {
  if (kind === "number") return canonicalNumber(value);
  if (kind === "uuid") return isUuid(value) ? value.toLowerCase() : null;
  return ORGANIZATION_CODE.test(value) && !personalId(value) ? value : null;
}

/**
 * What an audit event may name for a value: an identifier in canonical form (a number's ten digits, a
 * lower-case uuid, a number range, an organisation code, a USCC, a case number, a sync's key), else its
 * digest. Idempotent: a canonical target or a digest stays as it is.
 */
export function canonicalTarget(key: Buffer, value: string): string {
  if (DIGESTED.test(value) || NUMBER_RANGE.test(value)) return value;
  const number = canonicalNumber(value);
  if (number) return number;
  if (isUuid(value)) return value.toLowerCase();
  if (personalId(value)) return targetDigest(key, value);
  const uscc = parseUscc(value);
  if (uscc.ok && uscc.value === value.toUpperCase()) return uscc.value;
  if (ORGANIZATION_CODE.test(value) || caseNumberOf(value) === value) return value;
  if (value.startsWith("sync:")) {
    const idempotencyKey = value.slice("sync:".length);
    return `sync:${SYNC_KEY.test(idempotencyKey) && !personalId(idempotencyKey) ? idempotencyKey : targetDigest(key, idempotencyKey)}`;
  }
  return targetDigest(key, value);
}

/**
 * The identifiers in a mutation's arguments, so refused and failed attempts are recorded against them
 * too: each in canonical form for its argument's kind, else (with a key) its digest, else left out.
 */
export function identifiersIn(args: unknown, digestKey?: Buffer, found: string[] = []): string[] {
  if (args === null || typeof args !== "object") return found;
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    const kind = TARGET_KEYS[key];
    if (kind && (typeof value === "string" || Array.isArray(value))) {
      for (const v of [value].flat()) {
        if (typeof v !== "string") continue;
        const canonical = canonicalOf(kind, v) ?? (digestKey ? targetDigest(digestKey, v) : null);
        if (canonical !== null) found.push(canonical);
      }
    } else if (typeof value === "object") {
      identifiersIn(value, digestKey, found);
    }
  }
  return found;
}

/** Distinct targets within MAX_EVENT_TARGETS and MAX_EVENT_TARGET_BYTES; a last `+N more` counts what was cut. */
export function boundedTargets(targets: string[]): string[] {
  const distinct = [...new Set(targets)];
  const kept: string[] = [];
  let bytes = 0;
  for (const target of distinct) {
    const size = Buffer.byteLength(target, "utf8");
    // Room kept for the marker: it is at most 16 bytes.
    if (kept.length >= MAX_EVENT_TARGETS - 1 || bytes + size > MAX_EVENT_TARGET_BYTES - 16) break;
    kept.push(target);
    bytes += size;
  }
  if (kept.length === distinct.length) return kept;
  return [...kept, `+${distinct.length - kept.length} more`];
}

/** Anonymous refusals are tallied per client and minute (UTC-aligned), operation and outcome. */
export const REFUSAL_WINDOW = "1 minute";
/** SQL: the start of the tally window holding the time `at` (SQL). */
const refusalWindowOf = (at: string) => `date_bin(interval '${REFUSAL_WINDOW}', ${at}, timestamptz '2000-01-01 00:00:00+00')`;

interface RefusalTally {
  windowStart: Date;
  clientHash: string;
  operation: string;
  outcome: string;
  count: number;
  chained: number;
}

/**
 * Tallies the chain does not yet fully record, locked until the transaction ends: windows that closed
 * before `open`, and, for one key, also the open window while none of it is chained.
 */
async function unchainedTallies(
  tx: EntityManager,
  open: Date,
  key: { clientHash: string; operation: string; outcome: string } | null,
  limit: number,
): Promise<RefusalTally[]> {
  const p = new SqlParams();
  const ofKey = key
    ? `client_hash = ${p.add(key.clientHash)} AND operation = ${p.add(key.operation)} AND outcome = ${p.add(key.outcome)} AND `
    : "";
  const openPart = key ? ` OR chained = 0` : "";
  return tx.query(
    `SELECT window_start AS "windowStart", client_hash AS "clientHash", operation, outcome, count, chained
       FROM audit_refusal_tallies
      WHERE ${ofKey}chained < count AND (window_start < ${p.add(open)}${openPart})
      ORDER BY window_start, client_hash, operation, outcome
      LIMIT ${p.add(limit)}
        FOR UPDATE`,
    p.values,
  );
}

async function markChained(tx: EntityManager, row: RefusalTally): Promise<void> {
  const p = new SqlParams();
  await tx.query(
    `UPDATE audit_refusal_tallies SET chained = ${p.add(row.count)}
      WHERE window_start = ${p.add(row.windowStart)} AND client_hash = ${p.add(row.clientHash)}
        AND operation = ${p.add(row.operation)} AND outcome = ${p.add(row.outcome)}`,
    p.values,
  );
}

/** What a tallied event adds to its targets: whose refusals (the address's keyed digest), which minute, how many. */
function refusalMarkers(row: RefusalTally): string[] {
  return [`client:${row.clientHash}`, `window:${new Date(row.windowStart).toISOString()}`, `refusals:${row.count - row.chained}`];
}

/** The chained summary of a tally's refusals not yet chained: anonymous, no request, a digest of the summary itself. */
function refusalSummary(row: RefusalTally) {
  const summary = { window: new Date(row.windowStart).toISOString(), client: row.clientHash, operation: row.operation, outcome: row.outcome, refusals: row.count - row.chained };
  return {
    actor: "anonymous",
    orgCode: null,
    role: Role.PUBLIC,
    operation: row.operation,
    targets: [] as string[],
    inputDigest: createHash("sha256").update("audit-refusals\u0000").update(canonicalJson(summary)).digest("hex"),
    outcome: row.outcome,
    requestId: null,
  };
}

/**
 * One mutation field's unit of work: its transaction and its one audit event.
 * A service calls run() once; if the mutation fails anywhere (permission, validation,
 * service), the audit middleware records the failure in a transaction of its own.
 */
export class AuditedMutation implements UnitOfWork {
  private written = false;
  private targets: string[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly viewer: Viewer,
    private readonly operation: string,
    private readonly digest: string,
    private readonly requestId: string | null,
    private readonly digestKey: Buffer,
  ) {}

  static start(dataSource: DataSource, audit: AuditService, digestKey: Buffer, viewer: Viewer, operation: string, args: unknown, requestId: string | null) {
    const mutation = new AuditedMutation(dataSource, audit, viewer, operation, inputDigest(digestKey, args), requestId, digestKey);
    mutation.target(...identifiersIn(args, digestKey));
    return mutation;
  }

  get recorded(): boolean {
    return this.written;
  }

  /** Names targets before the work starts, so a failure is recorded against them too. */
  target(...targets: string[]): void {
    for (const target of targets) if (typeof target === "string") this.targets.push(canonicalTarget(this.digestKey, target));
  }

  async run<T>(work: (tx: EntityManager) => Promise<MutationOutcome<T>>): Promise<T> {
    if (this.written) throw new Error(`${this.operation} ran its unit of work twice`);
    const result = await this.dataSource.transaction(async (tx) => {
      const outcome = await work(tx);
      await this.audit.append(tx, this.draft("SUCCESS", outcome.targets));
      return outcome.result;
    });
    this.written = true;
    return result;
  }

  /**
   * Records a mutation that failed or was refused: one chained event, except for an anonymous caller
   * (PUBLIC, with `anonymousClient` the keyed digest of its address), whose refusals are tallied instead
   * (tallyRefusal), so no one without a token can flood the chain or queue behind its lock.
   */
  async recordFailure(error: unknown, anonymousClient?: string): Promise<void> {
    if (this.written) return;
    if (anonymousClient !== undefined && this.viewer.role === Role.PUBLIC) await this.tallyRefusal(codeOf(error), anonymousClient);
    else await this.audit.appendAlone(this.draft(codeOf(error), []));
    this.written = true;
  }

  /**
   * Counts an anonymous refusal in audit_refusal_tallies (one row per client, minute, operation and
   * outcome) with one statement that takes no chain lock. A refusal while its key's window has no
   * chained event yet also chains one event, only if the chain is free at that moment: the summary of
   * the key's oldest closed window still unchained, else its own (the window's opening, with its targets
   * and request id). So an anonymous refusal writes at most one event and never waits for the chain;
   * what it leaves stays counted until its key's next window or closeRefusalWindows chains it.
   */
  private async tallyRefusal(outcome: string, clientHash: string): Promise<void> {
    const p = new SqlParams();
    const [tally]: { windowStart: Date; chained: number }[] = await this.dataSource.query(
      `INSERT INTO audit_refusal_tallies AS t (window_start, client_hash, operation, outcome)
       VALUES (${refusalWindowOf("now()")}, ${p.add(clientHash)}, ${p.add(this.operation)}, ${p.add(outcome)})
       ON CONFLICT (window_start, client_hash, operation, outcome) DO UPDATE SET count = t.count + 1, last_at = now()
       RETURNING window_start AS "windowStart", chained`,
      p.values,
    );
    if (tally.chained > 0) return;
    await this.dataSource.transaction(async (tx) => {
      const lock = new SqlParams();
      const [{ free }]: { free: boolean }[] = await tx.query(`SELECT pg_try_advisory_xact_lock(${lock.add(CHAIN_LOCK)}::bigint) AS free`, lock.values);
      if (!free) return;
      const [row] = await unchainedTallies(tx, new Date(tally.windowStart), { clientHash, operation: this.operation, outcome }, 1);
      if (!row) return;
      const opening = new Date(row.windowStart).getTime() === new Date(tally.windowStart).getTime();
      const draft = opening ? this.draft(outcome, []) : refusalSummary(row);
      await this.audit.append(tx, { ...draft, targets: boundedTargets([...(opening ? draft.targets : []), ...refusalMarkers(row)]) });
      await markChained(tx, row);
    });
  }

  /**
   * Chains one summary event for each tally of a closed window that the chain does not yet fully record
   * (for the sweeps: a client that stops refusing leaves its last window to be closed here). Waits for the
   * chain like any authenticated writer. `now` (the sweeps' clock) says which windows have closed.
   * Returns how many events it wrote.
   */
  static async closeRefusalWindows(dataSource: DataSource, audit: AuditService, now: Date | null = null, limit = 10_000): Promise<number> {
    return dataSource.transaction(async (tx) => {
      const lock = new SqlParams();
      await tx.query(`SELECT pg_advisory_xact_lock(${lock.add(CHAIN_LOCK)}::bigint)`, lock.values);
      const clock = new SqlParams();
      const [{ open }]: { open: Date }[] = await tx.query(
        `SELECT ${refusalWindowOf(`coalesce(${clock.add(now)}::timestamptz, now())`)} AS open`,
        clock.values,
      );
      const rows = await unchainedTallies(tx, new Date(open), null, limit);
      for (const row of rows) {
        const draft = refusalSummary(row);
        await audit.append(tx, { ...draft, targets: refusalMarkers(row) });
        await markChained(tx, row);
      }
      return rows.length;
    });
  }

  private draft(outcome: string, targets: string[]) {
    return {
      actor: this.viewer.subject,
      orgCode: this.viewer.organization?.code ?? null,
      role: this.viewer.role,
      operation: this.operation,
      targets: boundedTargets([...this.targets, ...targets.map((t) => canonicalTarget(this.digestKey, t))]),
      inputDigest: this.digest,
      outcome,
      requestId: this.requestId,
    };
  }
}

import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { EntityManager } from "typeorm";
import { SqlParams } from "../../shared/policy";
import { PROVINCES } from "../../shared/provinces";
import { isNumberSql } from "./number-format";
import { createNumbers, lockNumbers, moveNumbersCounted, stoppedBySql } from "./number-moves";
import { ChangeCause, NUMBER_STATUSES, refusalTable } from "./number-status";

/**
 * The sync engine: a carrier's rows are staged in a temporary table, checked set-based in SQL and applied
 * through createNumbers and moveNumbers, so syncNumbers (up to 10,000 items) and POST /bulk/numbers (a
 * carrier's whole file, streamed) make the same decisions with the same reasons.
 */

// C0 controls but tab, newline and carriage return, and unpaired surrogates: the input guard's rule (src/app/input-guard.ts).
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// A sync item's fields are a number, a status, an organisation code and a province: short.
export const MAX_ITEM_FIELD = 64;
/** What one sort or hash of the checks may hold in memory (a file of a million rows sorts in about 60 MB). */
const BULK_WORK_MEM = "64MB";
/** Rows staged per INSERT where COPY is not used. */
export const STAGE_BATCH = 5_000;

/** One row of a carrier's records: undefined leaves a field as it is; a null reseller clears it. */
export interface SyncRow {
  /** The row's place: a file's line, or an item's position. */
  line: number;
  number: string;
  status: string;
  resellerCode?: string | null;
  province?: string | null;
}

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** What POST /bulk/numbers answers: the counts; the rejects are kept as rows (keepRejects) and streamed after. */
export interface BulkSyncResult extends SyncCounts {
  rejected: number;
}

export interface SyncReject {
  line: number;
  number: string;
  reason: string;
}

/** A rejected item's number as the result repeats it: controls replaced, at most MAX_ITEM_FIELD characters. */
function echoed(number: string): string {
  const safe = number.replace(new RegExp(CONTROL_CHARACTER.source, "g"), "\uFFFD");
  return safe.length > MAX_ITEM_FIELD ? `${safe.slice(0, MAX_ITEM_FIELD)}…` : safe;
}

/** A staged row: (line, raw, status, reseller_code, has_reseller, province, has_province, hygiene). */
export type StagedRow = [number, string, string | null, string | null, boolean, string | null, boolean, string | null];

/**
 * The row as staged. Fields with a control character or too long are refused here, before the database sees
 * them (a NUL cannot be stored in text): such a row keeps only its echoed number and its reason.
 */
export function stagedRow(row: SyncRow): StagedRow {
  const fields = [row.number, row.status, row.resellerCode, row.province].filter((f): f is string => typeof f === "string");
  const hygiene = fields.some((f) => CONTROL_CHARACTER.test(f))
    ? "contains a control character"
    : fields.some((f) => f.length > MAX_ITEM_FIELD)
      ? `a field is longer than ${MAX_ITEM_FIELD} characters`
      : null;
  if (hygiene) return [row.line, echoed(String(row.number)), null, null, false, null, false, hygiene];
  return [
    row.line, row.number, row.status,
    row.resellerCode ?? null, row.resellerCode !== undefined,
    row.province ?? null, row.province !== undefined,
    null,
  ];
}

export const STAGING_COLUMNS = "line, raw, status, reseller_code, has_reseller, province, has_province, hygiene";

/** A SQL string literal of a value the registry itself holds (a province code, a status, a reason). */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Creates the transaction's staging table (dropped at commit or rollback). The number's canonical form and
 * whether the province is known are computed as each row arrives: the database does it while it waits for
 * the next rows of the file, not in the checks after.
 */
export async function createStaging(tx: EntityManager): Promise<void> {
  const provinces = Object.keys(PROVINCES).map(literal).join(", ");
  await tx.query(`DROP TABLE IF EXISTS sync_staging`);
  await tx.query(
    `CREATE TEMPORARY TABLE sync_staging (line bigint NOT NULL, raw text NOT NULL, status text, reseller_code text,
       has_reseller boolean NOT NULL, province text, has_province boolean NOT NULL, hygiene text,
       number text GENERATED ALWAYS AS (CASE WHEN hygiene IS NULL AND ${isNumberSql("raw")} THEN replace(replace(raw, '-', ''), ' ', '') END) STORED,
       province_ok boolean GENERATED ALWAYS AS (province IS NULL OR province IN (${provinces})) STORED) ON COMMIT DROP`,
  );
}

/** Stages rows with one INSERT … SELECT FROM unnest (no COPY: PGlite, or a short list). */
export async function stageRows(tx: EntityManager, rows: StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const p = new SqlParams();
  const column = (i: number) => rows.map((r) => r[i]);
  await tx.query(
    `INSERT INTO sync_staging (${STAGING_COLUMNS})
     SELECT * FROM unnest(${p.add(column(0))}::bigint[], ${p.add(column(1))}::text[], ${p.add(column(2))}::text[], ${p.add(column(3))}::text[],
                          ${p.add(column(4))}::boolean[], ${p.add(column(5))}::text[], ${p.add(column(6))}::boolean[], ${p.add(column(7))}::text[])`,
    p.values,
  );
}

/** A CSV field: quoted when it holds a comma, a quote, a line break or leading or trailing space, or is empty. */
export function csvField(value: string | null): string {
  if (value === null) return "";
  return value === "" || /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const copyLine = (r: StagedRow) =>
  `${r[0]},${csvField(r[1])},${csvField(r[2])},${csvField(r[3])},${r[4] ? "t" : "f"},${csvField(r[5])},${r[6] ? "t" : "f"},${csvField(r[7])}\n`;

/**
 * Streams rows into the staging table: COPY FROM STDIN where the connection is node-postgres, else batched
 * INSERTs of about STAGE_BATCH rows (PGlite). Holds at most a batch of rows; waits for the database as it goes.
 */
export async function stageStream(tx: EntityManager, batches: AsyncIterable<SyncRow[]>): Promise<void> {
  // The transaction's own connection: node-postgres' client on PostgreSQL, PGlite's session client otherwise.
  const connection = (tx.queryRunner as unknown as { databaseConnection?: unknown } | undefined)?.databaseConnection;
  if (connection instanceof Client) {
    const copy = connection.query(copyFrom(`COPY sync_staging (${STAGING_COLUMNS}) FROM STDIN (FORMAT csv)`));
    const finished = new Promise<void>((resolve, reject) => {
      copy.on("finish", resolve);
      copy.on("error", reject);
    });
    let failure: unknown = null;
    copy.on("error", (error) => (failure = error));
    let chunk = "";
    try {
      for await (const rows of batches) {
        if (failure) throw failure;
        for (const row of rows) chunk += copyLine(stagedRow(row));
        if (chunk.length >= 64 * 1024) {
          const more = copy.write(chunk);
          chunk = "";
          if (!more) await new Promise<void>((resolve) => copy.once("drain", resolve));
        }
      }
    } catch (error) {
      // Abandoning the COPY fails it on the server; the transaction then rolls back.
      copy.destroy(error as Error);
      await finished.catch(() => undefined);
      throw error;
    }
    copy.end(chunk);
    await finished;
    return;
  }
  let batch: StagedRow[] = [];
  for await (const rows of batches) {
    for (const row of rows) batch.push(stagedRow(row));
    if (batch.length >= STAGE_BATCH) {
      await stageRows(tx, batch);
      batch = [];
    }
  }
  await stageRows(tx, batch);
}

/** The refusals of the status machine for a sync, as SQL rows (from_status, to_status, reason). */
function refusalsSql(): string {
  const rows = refusalTable(ChangeCause.SYNC).map((r) => `(${literal(r.from)}, ${literal(r.to)}, ${literal(r.reason)})`);
  return `(VALUES ${rows.join(", ")}) AS refusals(from_status, to_status, reason)`;
}

/**
 * Decides every staged row, in the order of the checks of a sync (the first that fails names the reason):
 * a control character or overlong field; the number's form; a number listed twice (the first good row wins);
 * the province code; the status; the reseller code; a new number's status and reseller; the carrier's
 * subtree; FORCE_STOPPED; the quarantine; the status machine for SYNC; the reseller and province, which
 * change only while the number stays SPARE. Leaves sync_verdicts: each row's verdict and what it sets.
 */
async function decide(tx: EntityManager, carrier: { id: string; path: string }): Promise<void> {
  const p = new SqlParams();
  const statuses = p.add(NUMBER_STATUSES);
  const path = p.add(carrier.path);
  await tx.query(`DROP TABLE IF EXISTS sync_verdicts`);
  await tx.query(
    `CREATE TEMPORARY TABLE sync_verdicts ON COMMIT DROP AS
     WITH firsts AS (
       -- The numbers listed more than once, and the first good line of each: usually none.
       SELECT number, min(line) AS first_line FROM sync_staging WHERE number IS NOT NULL AND province_ok
        GROUP BY number HAVING count(*) > 1),
     screened AS (
       SELECT f.*, CASE
                WHEN f.hygiene IS NOT NULL THEN f.hygiene
                WHEN f.number IS NULL THEN 'malformed number: ten digits starting 400, as 4001234567 or 400-123-4567'
                WHEN fi.first_line IS NOT NULL AND f.line > fi.first_line THEN 'listed twice in this sync'
                WHEN NOT f.province_ok THEN 'unknown province "' || f.province || '"'
              END AS early
         FROM sync_staging f LEFT JOIN firsts fi ON fi.number = f.number),
     joined AS (
       SELECT s.line, s.raw, s.number, s.status, s.has_reseller, s.reseller_code, s.has_province, s.province,
              r.id AS reseller_id, n.number IS NOT NULL AS present, n.carrier_id, n.reseller_id AS current_reseller,
              n.status AS current_status, n.province AS current_province, n.aging_until,
              (o.path LIKE ${path} || '%') AS ours, refusals.reason AS refused
         FROM screened s
         LEFT JOIN organizations r ON s.has_reseller AND r.code = s.reseller_code AND r.kind = 'RESELLER'
         LEFT JOIN numbers n ON n.number = s.number
         LEFT JOIN organizations o ON o.id = n.carrier_id
         LEFT JOIN ${refusalsSql()} ON n.status = refusals.from_status AND s.status = refusals.to_status
        WHERE s.early IS NULL),
     nexts AS (
       SELECT j.*, CASE WHEN j.has_reseller THEN j.reseller_id ELSE j.current_reseller END AS next_reseller,
              CASE WHEN j.has_province THEN j.province ELSE j.current_province END AS next_province
         FROM joined j),
     judged AS (
       SELECT x.*, CASE
                WHEN NOT x.status = ANY(${statuses}::text[]) THEN 'unknown status "' || x.status || '"'
                WHEN x.has_reseller AND x.reseller_code IS NOT NULL AND x.reseller_id IS NULL THEN 'unknown reseller "' || x.reseller_code || '"'
                WHEN NOT x.present AND x.status NOT IN ('SPARE', 'AGING') THEN 'a number new to the registry starts SPARE or AGING, not ' || x.status
                WHEN NOT x.present AND x.reseller_id IS NOT NULL AND x.status <> 'SPARE' THEN 'a reseller holds only SPARE numbers it was wholesaled'
                WHEN NOT x.present THEN NULL
                WHEN NOT x.ours THEN 'the number belongs to another carrier'
                WHEN x.current_status = 'FORCE_STOPPED' AND x.status <> x.current_status THEN ${stoppedBySql("x.number")}
                WHEN x.current_status = 'AGING' AND x.status = 'SPARE' AND x.aging_until IS NOT NULL
                  THEN 'in quarantine (AGING) until ' || to_char(x.aging_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                       || ': the sweep returns it to SPARE then, a sync never ends the aging'
                WHEN x.refused IS NOT NULL THEN x.refused
                WHEN x.next_reseller IS DISTINCT FROM x.current_reseller AND (x.current_status <> 'SPARE' OR x.status <> 'SPARE')
                  THEN 'the reseller changes only while the number is SPARE (it is ' || x.current_status || ')'
                WHEN x.next_province IS DISTINCT FROM x.current_province AND (x.current_status <> 'SPARE' OR x.status <> 'SPARE')
                  THEN 'the province changes only while the number is SPARE ('
                       || CASE WHEN x.current_status = 'SPARE' THEN 'it would become ' || x.status ELSE 'it is ' || x.current_status END || ')'
              END AS reason
         FROM nexts x)
     SELECT line, raw, number, 1 AS phase, 'reject' AS verdict, early AS reason, NULL::uuid AS carrier_id, NULL::uuid AS reseller_id,
            NULL::text AS status, NULL::text AS province
       FROM screened WHERE early IS NOT NULL
     UNION ALL
     SELECT line, raw, number, 2,
            CASE WHEN reason IS NOT NULL THEN 'reject' WHEN NOT present THEN 'create'
                 WHEN next_reseller IS NOT DISTINCT FROM current_reseller AND status = current_status
                      AND next_province IS NOT DISTINCT FROM current_province THEN 'unchanged'
                 ELSE 'update' END,
            reason, carrier_id, CASE WHEN present THEN next_reseller ELSE reseller_id END, status,
            CASE WHEN present THEN next_province ELSE province END
       FROM judged`,
    p.values,
  );
}

/**
 * Applies the verdicts: the new numbers created and the moved ones moved, each kind in one statement with
 * its feed rows. Nothing comes back to the application but counts, so a file of millions is applied as
 * one of ten.
 */
async function apply(tx: EntityManager, carrier: { id: string; province: string | null }, agingDays: number): Promise<void> {
  const c = new SqlParams();
  await createNumbers(tx, {
    rows: `SELECT v.number, ${c.add(carrier.id)}::uuid, v.reseller_id, v.status, coalesce(v.province, ${c.add(carrier.province)}::text),
                  CASE WHEN v.status = 'AGING' THEN ${c.add(agingDays)}::int END
             FROM sync_verdicts v WHERE v.verdict = 'create' ORDER BY v.number`,
    params: c.values,
    cause: ChangeCause.SYNC,
    decidedAbsent: true,
  });
  const m = new SqlParams();
  const aging = m.add(agingDays);
  await moveNumbersCounted(tx, {
    where: "TRUE",
    using: `(SELECT number, status, reseller_id, province FROM sync_verdicts WHERE verdict = 'update') AS u`,
    params: m.values,
    set: `status = u.status, reseller_id = u.reseller_id, province = u.province,
          aging_days = CASE WHEN u.status = 'AGING' THEN coalesce(n.aging_days, ${aging}::int) ELSE n.aging_days END`,
    cause: ChangeCause.SYNC,
  });
  const s = new SqlParams();
  await tx.query(
    `INSERT INTO reseller_supply (carrier_id, reseller_id)
     SELECT DISTINCT coalesce(carrier_id, ${s.add(carrier.id)}::uuid), reseller_id FROM sync_verdicts
      WHERE verdict IN ('create', 'update') AND reseller_id IS NOT NULL
     ON CONFLICT DO NOTHING`,
    s.values,
  );
}

/**
 * Checks and applies what sync_staging holds, for this carrier, under the numbers lock (taken here, if the
 * caller has not). Returns the counts; the rejects are read with rejects().
 */
export async function applyStaged(
  tx: EntityManager,
  carrier: { id: string; path: string; province: string | null },
  agingDays: number,
): Promise<SyncCounts & { rejected: number }> {
  await lockNumbers(tx);
  // The checks sort and hash the whole file: in memory rather than in temporary files, for this transaction only.
  await tx.query(`SET LOCAL work_mem = '${BULK_WORK_MEM}'`);
  // Temporary tables have no statistics until analysed: without them the planner guesses the file's size.
  await tx.query(`ANALYZE sync_staging`);
  await decide(tx, carrier);
  await apply(tx, carrier, agingDays);
  const [counts]: (SyncCounts & { rejected: number })[] = await tx.query(
    `SELECT count(*) FILTER (WHERE verdict = 'create')::int AS created, count(*) FILTER (WHERE verdict = 'update')::int AS updated,
            count(*) FILTER (WHERE verdict = 'unchanged')::int AS unchanged, count(*) FILTER (WHERE verdict = 'reject')::int AS rejected
       FROM sync_verdicts`,
  );
  return counts;
}

/**
 * Keeps the rejects of the staged rows under the file's idempotency key (its sync_requests row written
 * first), numbered in the order a sync lists them, in one statement: never through the application.
 */
export async function keepRejects(tx: EntityManager, carrierId: string, idempotencyKey: string): Promise<void> {
  const p = new SqlParams();
  await tx.query(
    `INSERT INTO sync_rejects (carrier_id, idempotency_key, ordinal, line, number, reason)
     SELECT ${p.add(carrierId)}::uuid, ${p.add(idempotencyKey)}::text, row_number() OVER (ORDER BY phase, line), line, raw, reason
       FROM sync_verdicts WHERE verdict = 'reject'`,
    p.values,
  );
}

/**
 * The rejects of the staged rows (a syncNumbers call's, at most 10,000), in the order a sync lists them:
 * early checks first, then the rest, each by line (the number, not its text: line 10 after line 9).
 */
export async function rejects(tx: EntityManager): Promise<(SyncReject & { phase: number })[]> {
  const rows: { line: string; number: string; reason: string; phase: number }[] = await tx.query(
    `SELECT v.line::text AS line, v.raw AS number, v.reason, v.phase FROM sync_verdicts v WHERE v.verdict = 'reject'
      ORDER BY v.phase, v.line`,
  );
  return rows.map((r) => ({ line: Number(r.line), number: r.number, reason: r.reason, phase: r.phase }));
}

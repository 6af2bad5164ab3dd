import { createHash } from "node:crypto";
import { DataSource, EntityManager } from "typeorm";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { groupByIds, oneByKeys } from "../../shared/dates";
import { badInput, conflict } from "../../shared/errors";
import { Connection, PageArgs, parseSequenceCursor, toConnection, toPage } from "../../shared/pagination";
import { SqlParams, numberChangesVisible, numbersVisible } from "../../shared/policy";
import type { Rules } from "../../config";
import { assertProvince } from "../../shared/provinces";
import { canonicalJson } from "../audit/audit-chain";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { BulkSyncResult, SyncRow, applyStaged, createStaging, csvField, keepRejects, rejects, stageRows, stageStream, stagedRow } from "./number-bulk";
import { canonicalNumber, parseNumber, parsePrefix } from "./number-format";
import { createNumbers, lockNumbers, moveNumbers, recordSupply } from "./number-moves";
import { ChangeCause, NumberStatus } from "./number-status";
import { AllocationResult, BulkResult, NumberChange, NumberRejection, PhoneNumber, SyncResult } from "./number.entity";
import { NumberFilter, PublishAllocationInput, SyncNumbersInput, WholesaleNumbersInput } from "./number.inputs";

export const MAX_ALLOCATION = 1_000_000;
const CURSOR_KIND = "number";
interface ExistingRow {
  number: string;
  carrier_id: string;
  reseller_id: string | null;
  status: NumberStatus;
  province: string | null;
  aging_until: Date | null;
  ours: boolean;
}

interface Change {
  number: string;
  carrierId: string;
  resellerId: string | null;
  status: NumberStatus;
  province: string | null;
}

export class NumberService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: Pick<Rules, "agingDays">,
  ) {}

  async publish(viewer: Viewer, input: PublishAllocationInput, mutation: UnitOfWork): Promise<AllocationResult> {
    const carrier = organizationOf(viewer);
    const start = parseNumber(input.rangeStart, "rangeStart");
    const end = parseNumber(input.rangeEnd, "rangeEnd");
    const size = Number(end) - Number(start) + 1;
    if (size < 1) throw badInput(`rangeEnd ${end} is before rangeStart ${start}`, { argument: "rangeEnd" });
    if (size > MAX_ALLOCATION) {
      throw badInput(`a range holds at most ${MAX_ALLOCATION.toLocaleString("en")} numbers; ${start}–${end} holds ${size.toLocaleString("en")}`, {
        argument: "rangeEnd",
      });
    }
    const province = input.province ?? carrier.province;
    assertProvince(province);
    mutation.target(`${start}..${end}`);

    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const v = new SqlParams();
      const overlaps: { holder: string; first: string; last: string; count: number }[] = await tx.query(
        `SELECT o.code AS holder, min(n.number) AS first, max(n.number) AS last, count(*)::int AS count
           FROM numbers n JOIN organizations o ON o.id = n.carrier_id
          WHERE n.number BETWEEN ${v.add(start)} AND ${v.add(end)} AND n.carrier_id <> ${v.add(carrier.id)}
          GROUP BY o.code ORDER BY min(n.number)`,
        v.values,
      );
      if (overlaps.length > 0) {
        const named = overlaps.map((o) => `${o.first}–${o.last} (${o.count} held by ${o.holder})`).join("; ");
        throw conflict(`the range ${start}–${end} overlaps numbers of another carrier: ${named}`, { overlaps });
      }
      const c = new SqlParams();
      const created = await createNumbers(tx, {
        rows: `SELECT g::text, ${c.add(carrier.id)}::uuid, NULL::uuid, 'SPARE', ${c.add(province)}, NULL::int
                 FROM generate_series(${c.add(start)}::bigint, ${c.add(end)}::bigint) AS g`,
        params: c.values,
        cause: ChangeCause.PUBLISH,
      });
      return { result: { created, alreadyHeld: size - created }, targets: [] };
    });
  }

  async sync(viewer: Viewer, input: SyncNumbersInput, mutation: UnitOfWork): Promise<SyncResult> {
    const carrier = organizationOf(viewer);
    const digest = createHash("sha256").update(canonicalJson(input.numbers)).digest("hex");
    mutation.target(`sync:${input.idempotencyKey}`);

    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const r = new SqlParams();
      const [replay]: { input_digest: string; result: unknown }[] = await tx.query(
        `SELECT input_digest, result FROM sync_requests WHERE carrier_id = ${r.add(carrier.id)} AND idempotency_key = ${r.add(input.idempotencyKey)}`,
        r.values,
      );
      if (replay) {
        if (replay.input_digest !== digest) {
          throw conflict(`idempotencyKey "${input.idempotencyKey}" was used for a different input`, { argument: "idempotencyKey" });
        }
        return { result: replay.result as SyncResult, targets: [] };
      }

      // The same engine as POST /bulk/numbers: staged, checked set-based, applied through the one move function.
      await createStaging(tx);
      await stageRows(tx, input.numbers.map((item, i) => stagedRow({ line: i + 1, ...item })));
      const counts = await applyStaged(tx, carrier, this.rules.agingDays);
      const rejected: NumberRejection[] = (await rejects(tx)).map((r) => ({ number: r.number, reason: r.reason }));
      const result: SyncResult = { created: counts.created, updated: counts.updated, unchanged: counts.unchanged, rejected };
      const q = new SqlParams();
      await tx.query(
        `INSERT INTO sync_requests (carrier_id, idempotency_key, input_digest, result)
         VALUES (${q.add(carrier.id)}, ${q.add(input.idempotencyKey)}, ${q.add(digest)}, ${q.add(JSON.stringify(result))})`,
        q.values,
      );
      return { result, targets: [] };
    });
  }

  /**
   * A carrier's whole file (POST /bulk/numbers): its rows streamed into the staging table (COPY on
   * PostgreSQL), then checked and applied by the same engine as sync(). `digest` is filled in as the body
   * ends; the idempotency key's replay and conflict are sync()'s. The rejects are kept under the key, for
   * bulkRejects() to read after the commit.
   */
  async syncFile(
    viewer: Viewer,
    idempotencyKey: string,
    rows: AsyncIterable<SyncRow[]>,
    digest: { hex?: string },
    mutation: UnitOfWork,
  ): Promise<BulkSyncResult> {
    const carrier = organizationOf(viewer);
    mutation.target(`sync:${idempotencyKey}`);
    return mutation.run(async (tx) => {
      await createStaging(tx);
      await stageStream(tx, rows);
      await lockNumbers(tx);
      const bodyDigest = `bulk:${digest.hex}`;
      const r = new SqlParams();
      const [replay]: { input_digest: string; result: unknown }[] = await tx.query(
        `SELECT input_digest, result FROM sync_requests WHERE carrier_id = ${r.add(carrier.id)} AND idempotency_key = ${r.add(idempotencyKey)}`,
        r.values,
      );
      if (replay) {
        if (replay.input_digest !== bodyDigest) {
          throw conflict(`Idempotency-Key "${idempotencyKey}" was used for a different input`, { argument: "Idempotency-Key" });
        }
        const { created, updated, unchanged, rejected } = replay.result as BulkSyncResult;
        return { result: { created, updated, unchanged, rejected }, targets: [] };
      }
      const result: BulkSyncResult = await applyStaged(tx, carrier, this.rules.agingDays);
      const q = new SqlParams();
      await tx.query(
        `INSERT INTO sync_requests (carrier_id, idempotency_key, input_digest, result)
         VALUES (${q.add(carrier.id)}, ${q.add(idempotencyKey)}, ${q.add(bodyDigest)}, ${q.add(JSON.stringify(result))})`,
        q.values,
      );
      await keepRejects(tx, carrier.id, idempotencyKey);
      return { result, targets: [] };
    });
  }

  /**
   * A page of the rejects of the caller's own file sent under this key, as CSV lines `line,number,reason`,
   * after the ordinal `after`; its last ordinal. Another carrier's key reads nothing.
   */
  async bulkRejects(viewer: Viewer, idempotencyKey: string, after: number, limit: number): Promise<{ csv: string; last: number }> {
    const carrier = organizationOf(viewer);
    const p = new SqlParams();
    const rows: { ordinal: string; line: string; number: string; reason: string }[] = await this.dataSource.query(
      `SELECT r.ordinal::text AS ordinal, r.line::text AS line, r.number, r.reason FROM sync_rejects r
        WHERE r.carrier_id = ${p.add(carrier.id)} AND r.idempotency_key = ${p.add(idempotencyKey)} AND r.ordinal > ${p.add(after)}
        ORDER BY r.ordinal LIMIT ${p.add(limit)}`,
      p.values,
    );
    let csv = "";
    for (const r of rows) csv += `${r.line},${csvField(r.number)},${csvField(r.reason)}\n`;
    return { csv, last: rows.length > 0 ? Number(rows[rows.length - 1].ordinal) : after };
  }

  async wholesale(viewer: Viewer, input: WholesaleNumbersInput, mutation: UnitOfWork): Promise<BulkResult> {
    const carrier = organizationOf(viewer);
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const resellers = await this.resellersByCode(tx, [input.resellerCode]);
      const resellerId = resellers.get(input.resellerCode);
      if (!resellerId) throw badInput(`resellerCode "${input.resellerCode}" is not a reseller`, { argument: "resellerCode" });

      const rejected: NumberRejection[] = [];
      const wanted = new Map<string, string>();
      for (const text of input.numbers) {
        const number = canonicalNumber(text);
        if (number === null) rejected.push({ number: text, reason: "malformed number: ten digits starting 400" });
        else if (wanted.has(number)) rejected.push({ number: text, reason: "listed twice" });
        else wanted.set(number, text);
      }
      const existing = await this.lockRows(tx, [...wanted.keys()], carrier.path);
      const updates: Change[] = [];
      let unchanged = 0;
      for (const [number, text] of wanted) {
        const row = existing.get(number);
        if (!row || !row.ours) rejected.push({ number: text, reason: "not a number of yours" });
        else if (row.status !== NumberStatus.SPARE) rejected.push({ number: text, reason: `only SPARE numbers are wholesaled; it is ${row.status}` });
        else if (row.reseller_id === resellerId) unchanged += 1;
        else {
          updates.push({
            number, carrierId: row.carrier_id, resellerId,
            status: row.status, province: row.province,
          });
        }
      }
      await this.update(tx, updates, ChangeCause.WHOLESALE);
      await recordSupply(tx, updates);
      return { result: { updated: updates.length, unchanged, rejected }, targets: [input.resellerCode] };
    });
  }

  private async resellersByCode(tx: EntityManager, codes: (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(codes.filter((c): c is string => typeof c === "string"))];
    if (wanted.length === 0) return new Map();
    const p = new SqlParams();
    const rows: { id: string; code: string }[] = await tx.query(
      `SELECT id, code FROM organizations WHERE code = ANY(${p.add(wanted)}::text[]) AND kind = 'RESELLER'`,
      p.values,
    );
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** The rows of these numbers, locked for this transaction, with whether the carrier's subtree holds them. */
  private async lockRows(tx: EntityManager, numbers: string[], carrierPath: string): Promise<Map<string, ExistingRow>> {
    if (numbers.length === 0) return new Map();
    const p = new SqlParams();
    const rows: ExistingRow[] = await tx.query(
      `SELECT n.number, n.carrier_id, n.reseller_id, n.status, n.province, n.aging_until, (o.path LIKE ${p.add(carrierPath)} || '%') AS ours
         FROM numbers n JOIN organizations o ON o.id = n.carrier_id
        WHERE n.number = ANY(${p.add(numbers)}::text[])
        ORDER BY n.number
        FOR UPDATE OF n`,
      p.values,
    );
    return new Map(rows.map((r) => [r.number, r]));
  }

  /** Each number to its item's status, reseller and province; one entering AGING keeps a longer period set before. */
  private async update(tx: EntityManager, rows: Change[], cause: ChangeCause): Promise<void> {
    if (rows.length === 0) return;
    const p = new SqlParams();
    const using = `unnest(${p.add(rows.map((r) => r.number))}::text[], ${p.add(rows.map((r) => r.status))}::text[],
                          ${p.add(rows.map((r) => r.resellerId))}::uuid[], ${p.add(rows.map((r) => r.province))}::text[])
                   AS u(number, status, reseller_id, province)`;
    const aging = p.add(this.rules.agingDays);
    await moveNumbers(tx, {
      where: "TRUE",
      using,
      params: p.values,
      set: `status = u.status, reseller_id = u.reseller_id, province = u.province,
            aging_days = CASE WHEN u.status = 'AGING' THEN coalesce(n.aging_days, ${aging}::int) ELSE n.aging_days END`,
      cause,
    });
  }

  /** The numbers of these subscribers that the viewer may see, grouped by subscriber. */
  async bySubscribers(viewer: Viewer, ids: readonly string[]): Promise<PhoneNumber[][]> {
    const p = new SqlParams();
    const rows: PhoneNumber[] = await this.dataSource.query(
      `SELECT ${NUMBER_COLUMNS} FROM numbers n
        WHERE n.subscriber_id = ANY(${p.add(ids)}::uuid[]) AND ${numbersVisible(viewer, "n", p)} ORDER BY n.number`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.subscriberId!);
  }

  /** null when the number does not exist or the viewer may not see it. */
  async get(viewer: Viewer, text: string): Promise<PhoneNumber | null> {
    const number = parseNumber(text);
    const p = new SqlParams();
    const rows: PhoneNumber[] = await this.dataSource.query(
      `SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE n.number = ${p.add(number)} AND ${numbersVisible(viewer, "n", p)}`,
      p.values,
    );
    return rows[0] ?? null;
  }

  /**
   * For the per-request loader (a federation router's entity references): these numbers as the viewer may see
   * them, null for each it may not or that does not exist, BAD_USER_INPUT for each that is not a number; one statement.
   */
  async byNumbers(viewer: Viewer, texts: readonly string[]): Promise<(PhoneNumber | null | Error)[]> {
    const parsed = texts.map((text) => {
      try {
        return parseNumber(text);
      } catch (error) {
        return error as Error;
      }
    });
    const numbers = parsed.filter((n): n is string => typeof n === "string");
    const p = new SqlParams();
    const rows: PhoneNumber[] = numbers.length
      ? await this.dataSource.query(
          `SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE n.number = ANY(${p.add(numbers)}::text[]) AND ${numbersVisible(viewer, "n", p)}`,
          p.values,
        )
      : [];
    const found = oneByKeys(parsed.map((n) => (typeof n === "string" ? n : "")), rows, (r) => r.number);
    return parsed.map((n, i) => (typeof n === "string" ? found[i] : n));
  }

  async list(viewer: Viewer, filter: NumberFilter | null | undefined, args: PageArgs): Promise<Connection<PhoneNumber>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const where = [numbersVisible(viewer, "n", p)];
    if (filter?.status) where.push(`n.status = ${p.add(filter.status)}`);
    if (filter?.province) where.push(`n.province = ${p.add(filter.province)}`);
    if (filter?.resellerCode) where.push(`n.reseller_id = (SELECT id FROM organizations WHERE code = ${p.add(filter.resellerCode)})`);
    if (filter?.prefix) where.push(`n.number LIKE ${p.add(parsePrefix(filter.prefix))} || '%'`);
    // Counted only when the client selects totalCount, without the page's cursor.
    const filtered = where.join(" AND ");
    const counting = p.clone();
    if (page.after) where.push(`n.number > ${p.add(page.after)}`);
    const rows: PhoneNumber[] = await this.dataSource.query(
      `SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE ${where.join(" AND ")} ORDER BY n.number LIMIT ${page.size + 1}`,
      p.values,
    );
    const count = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM numbers n WHERE ${filtered}`, counting.values);
      return n;
    };
    return toConnection(rows, page, count, CURSOR_KIND, (r) => r.number);
  }

  /** The change feed after a sequence ("0" or nothing: from the beginning), in order, scoped to the viewer. */
  async changes(viewer: Viewer, args: PageArgs): Promise<Connection<NumberChange>> {
    const after = parseSequenceCursor(args.after ?? "0", "after must be a sequence number from this feed");
    const page = toPage({ first: args.first }, "change");
    const p = new SqlParams();
    const where = `c.seq > ${p.add(after)} AND ${numberChangesVisible(viewer, "c", p)}`;
    const rows: NumberChange[] = await this.dataSource.query(
      `SELECT c.seq::text AS sequence, c.number, c.status, c.previous_status AS "previousStatus", c.cause, c.province, c.at, c.order_id AS "orderId",
              c.carrier_id AS "carrierId", c.reseller_id AS "resellerId"
         FROM number_changes c
        WHERE ${where}
        ORDER BY c.seq LIMIT ${page.size + 1}`,
      p.values,
    );
    const count = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM number_changes c WHERE ${where}`, p.values);
      return n;
    };
    return toConnection<NumberChange>(rows, page, count, null, (r) => r.sequence);
  }
}

export const NUMBER_COLUMNS = `n.number, n.service_type AS "serviceType", n.carrier_id AS "carrierId", n.reseller_id AS "resellerId",
  n.subscriber_id AS "subscriberId", n.province, n.status, n.reserved_until AS "reservedUntil", n.status_since AS "statusSince",
  n.aging_until AS "agingUntil", n.suspension, n.version, n.created_at AS "createdAt", n.updated_at AS "updatedAt"`;

/** A mutation's own target as the mutation left it, read in its transaction (the caller already checked its reach). */
export async function numberAsMoved(tx: EntityManager, number: string): Promise<PhoneNumber> {
  const p = new SqlParams();
  const [row]: PhoneNumber[] = await tx.query(`SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE n.number = ${p.add(number)}`, p.values);
  return row;
}

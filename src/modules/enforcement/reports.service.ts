import { isIP } from "node:net";
import type { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import type { Viewer } from "../../shared/auth/viewer";
import { badInput, conflict } from "../../shared/errors";
import { PiiVault } from "../../shared/pii";
import { SqlParams, numbersVisible } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { parseNumber } from "../numbers/number-format";
import { RiskKind, RiskSeverity } from "../subscribers/identity-rules";
import { HotNumber, ReportReceipt } from "./enforcement.entity";
import type { ReportNumberInput } from "./enforcement.inputs";

export const DEFAULT_HOT_NUMBERS = 20;
export const MAX_HOT_NUMBERS = 500;

// Reports from one client wait for each other on this lock (the two-key form, with the
// client's hash as the second key), so concurrent reports cannot slip past the limit.
const REPORT_LOCK_CLASS = 415_544_495;

/** A second report of a number from the same source within a day: refused, nothing stored. */
function alreadyReported(number: string, waitSeconds: number | null) {
  const hours = waitSeconds === null ? null : Math.ceil(waitSeconds / 3600);
  return conflict(
    `your address reported ${number} less than 24 hours ago: one address reports a number at most once a day` +
      (hours === null ? "" : `; you may report it again in ${hours} hour${hours === 1 ? "" : "s"}`),
    { reason: "ALREADY_REPORTED", ...(waitSeconds === null ? {} : { retryAfterSeconds: waitSeconds }) },
  );
}

/** One open COMPLAINTS flag per number, even when one subscriber holds several reported numbers. */
const complaintsKey = (number: string) => `complaints:${number}`;

/**
 * The bucket a client address counts in: an IPv4 address (also when mapped into IPv6)
 * as it is; an IPv6 address by its /64, which one line or household holds whole and
 * can otherwise rotate through at will; no address known, one shared bucket.
 */
export function clientBucket(address: string | null | undefined): string {
  if (!address) return "unknown";
  const text = address.trim().toLowerCase().split("%")[0];
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (mapped) return mapped[1];
  if (isIP(text) === 4) return text;
  if (isIP(text) === 6) return ipv6Prefix64(text) ?? text;
  return text;
}

/** The first four groups of an IPv6 address, as "2001:db8:0:1::/64". */
function ipv6Prefix64(text: string): string | null {
  let head = text;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    head = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const groups = halves.length === 2 ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  if (groups.length !== 8) return null;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/**
 * The public's reports of numbers (DESIGN.md, "Complaints, penalties, public look-up"):
 * rate-limited per client, counted against the number, its subscriber and reseller,
 * raising a flag at the threshold and feeding the regulators' hot list.
 */
export class ReportService {
  private readonly vault: PiiVault;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
  ) {
    this.vault = new PiiVault(config.piiKey);
  }

  /** Keyed, so the stored hash cannot be turned back into an address by trying them all. */
  clientHash(address: string | null | undefined): string {
    return this.vault.lookupHash(`report-client\u0000${clientBucket(address)}`);
  }

  /**
   * Anyone reports, with a token or without: the viewer does not change what is stored or counted.
   * One source (its address's keyed digest) reports a number at most once in 24 hours; the database
   * holds the same rule per UTC day (number_reports_once_a_day).
   */
  async report(_viewer: Viewer, input: ReportNumberInput, clientAddress: string | null, mutation: UnitOfWork): Promise<ReportReceipt> {
    const number = parseNumber(input.number, "input.number");
    const description = (input.description ?? "").trim();
    const clientHash = this.clientHash(clientAddress);
    const { reportLimit, reportWindowMinutes } = this.config.rules;
    mutation.target(number);

    return mutation.run(async (tx) => {
      const lock = new SqlParams();
      await tx.query(`SELECT pg_advisory_xact_lock(${lock.add(REPORT_LOCK_CLASS)}::int, hashtext(${lock.add(clientHash)}))`, lock.values);

      // Checked before the rate limit: waiting out the limit would not make this report welcome.
      const again = new SqlParams();
      const [earlier]: { wait: number }[] = await tx.query(
        `SELECT greatest(1, ceil(extract(epoch FROM max(at) + interval '24 hours' - now())))::int AS wait
           FROM number_reports
          WHERE number = ${again.add(number)} AND client_hash = ${again.add(clientHash)} AND at > now() - interval '24 hours'
         HAVING count(*) > 0`,
        again.values,
      );
      if (earlier) throw alreadyReported(number, earlier.wait);

      const recent = new SqlParams();
      const window = `make_interval(mins => ${recent.add(reportWindowMinutes)})`;
      const fromClient = `client_hash = ${recent.add(clientHash)} AND at > now() - ${window}`;
      const [{ count }]: { count: number }[] = await tx.query(`SELECT count(*)::int AS count FROM number_reports WHERE ${fromClient}`, recent.values);
      if (count >= reportLimit) {
        // A report is taken again once enough of these leave the window to make room for one.
        const [{ wait }]: { wait: number }[] = await tx.query(
          `SELECT greatest(1, ceil(extract(epoch FROM at + ${window} - now())))::int AS wait
             FROM number_reports WHERE ${fromClient}
            ORDER BY at OFFSET ${recent.add(count - reportLimit)} LIMIT 1`,
          recent.values,
        );
        const minutes = Math.ceil(wait / 60);
        throw badInput(
          `too many reports from your address: at most ${reportLimit} in ${reportWindowMinutes} minutes; ` +
            `try again in ${minutes} minute${minutes === 1 ? "" : "s"}`,
          { reason: "RATE_LIMITED", retryAfterSeconds: wait },
        );
      }
      // Who the number belonged to when it was reported; a number the registry does not hold is reported all the same.
      const p = new SqlParams();
      const n = p.add(number);
      const [receipt]: (ReportReceipt & { id: string })[] = await tx.query(
        `INSERT INTO number_reports (number, carrier_id, reseller_id, subscriber_id, province, category, description, client_hash)
         SELECT ${n}, n.carrier_id, n.reseller_id, n.subscriber_id, n.province, ${p.add(input.category)}, ${p.add(description)}, ${p.add(clientHash)}
           FROM (SELECT 1) one LEFT JOIN numbers n ON n.number = ${n}
         ON CONFLICT (number, client_hash, utc_day) DO NOTHING
         RETURNING id, number, category, at AS "receivedAt"`,
        p.values,
      );
      // Only a report of the same UTC day that the check above did not see (one stored with another clock): the database has the last word.
      if (!receipt) throw alreadyReported(number, null);
      await this.raiseComplaintsFlag(tx, number);
      return { result: receipt, targets: [number, receipt.id] };
    });
  }

  /**
   * complaintThreshold reports within complaintWindowDays, from at least complaintMinSources distinct
   * sources, raise one open COMPLAINTS flag on the number (and its subscriber). It is MEDIUM: the number
   * goes to the hot list and the carrier's review, but public reports alone never block an approval
   * (approval counts open HIGH flags). Reports before a flag's resolution do not count again towards the next.
   */
  private async raiseComplaintsFlag(tx: EntityManager, number: string): Promise<void> {
    const { complaintThreshold: threshold, complaintWindowDays: days, complaintMinSources: minSources } = this.config.rules;
    const p = new SqlParams();
    const n = p.add(number);
    const [{ reports, sources }]: { reports: number; sources: number }[] = await tx.query(
      `SELECT count(*)::int AS reports, count(DISTINCT r.client_hash)::int AS sources FROM number_reports r
        WHERE r.number = ${n}
          AND r.at > greatest(now() - make_interval(days => ${p.add(days)}),
                              (SELECT coalesce(max(f.resolved_at), '-infinity') FROM risk_flags f
                                WHERE f.number = ${n} AND f.kind = ${p.add(RiskKind.COMPLAINTS)} AND f.resolved_at IS NOT NULL))`,
      p.values,
    );
    if (reports < threshold || sources < minSources) return;
    const detail =
      `${number} was reported ${reports} times from ${sources} sources within ${days} days ` +
      `(the threshold is ${threshold} reports from ${minSources} sources)`;
    // Only a number the registry holds carries a flag (risk_flags.number references numbers).
    const f = new SqlParams();
    await tx.query(
      `INSERT INTO risk_flags (subscriber_id, number, kind, severity, key, detail)
       SELECT n.subscriber_id, n.number, ${f.add(RiskKind.COMPLAINTS)}, ${f.add(RiskSeverity.MEDIUM)}, ${f.add(complaintsKey(number))}, ${f.add(detail)}
         FROM numbers n WHERE n.number = ${f.add(number)}
       ON CONFLICT (coalesce(subscriber_id::text, number), kind, key) WHERE resolved_at IS NULL DO NOTHING`,
      f.values,
    );
  }

  /** The most-reported numbers within the complaint window, most first, ties by number. */
  async hotNumbers(viewer: Viewer, first: number | null | undefined): Promise<HotNumber[]> {
    const size = first ?? DEFAULT_HOT_NUMBERS;
    if (!Number.isInteger(size) || size < 1 || size > MAX_HOT_NUMBERS) {
      throw badInput(`first must be between 1 and ${MAX_HOT_NUMBERS}, got ${first}`, { argument: "first" });
    }
    // A number the registry does not hold has no province: only a national regulator sees its reports.
    const p = new SqlParams();
    return this.dataSource.query(
      `SELECT r.number, count(*)::int AS reports, n.carrier_id AS "carrierId", n.reseller_id AS "resellerId"
         FROM number_reports r LEFT JOIN numbers n ON n.number = r.number
        WHERE r.at > now() - make_interval(days => ${p.add(this.config.rules.complaintWindowDays)}) AND ${numbersVisible(viewer, "n", p)}
        GROUP BY r.number, n.carrier_id, n.reseller_id
        ORDER BY reports DESC, r.number
        LIMIT ${p.add(size)}`,
      p.values,
    );
  }
}

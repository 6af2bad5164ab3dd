import type { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { badInput, conflict, forbidden, notFound, parsedOrBadInput } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { parseResidentId } from "../../shared/identity/resident-id";
import { parseUscc } from "../../shared/identity/uscc";
import { isCalendarDate } from "../../shared/dates";
import { Connection, PageArgs, parseSequenceCursor, toConnection, toPage } from "../../shared/pagination";
import { PiiVault } from "../../shared/pii";
import { SqlParams, imposedAtOrBelow, nationalAuthority, penaltiesVisible, penaltyTargetInReach } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { Penalty, PenaltyTargetKind } from "./enforcement.entity";
import type { RecordPenaltyInput } from "./enforcement.inputs";

const CURSOR_KIND = "penalty";
// Decisions are dated in Beijing time (UTC+8, no daylight saving): "today" there may be tomorrow in UTC.
const DECISION_ZONE_OFFSET_MS = 8 * 3_600_000;

// Never the target's ID hash: a penalty shows no ID number in any form.
const PENALTY_COLUMNS = `p.id, p.seq::text AS seq, p.target_name AS "targetName", p.target_kind AS "targetKind", o.code AS "targetOrgCode",
  p.target_uscc AS "targetUscc", p.facts, p.legal_basis AS "legalBasis", p.fine_cny::float8 AS "fineCny",
  p.correction_ordered AS "correctionOrdered", to_char(p.decision_date, 'YYYY-MM-DD') AS "decisionDate",
  p.published_at IS NOT NULL AS published, p.published_at AS "publishedAt", p.blacklisted, p.created_at AS "createdAt"`;
const PENALTY_FROM = `penalties p LEFT JOIN organizations o ON o.id = p.target_org_id`;

/** Administrative penalties: recorded and published by regulators, read by anyone once published. */
export class PenaltyService {
  private readonly vault: PiiVault;

  constructor(
    private readonly dataSource: DataSource,
    config: Config,
  ) {
    this.vault = new PiiVault(config.piiKey);
  }

  async record(viewer: Viewer, input: RecordPenaltyInput, mutation: UnitOfWork): Promise<Penalty> {
    const regulator = organizationOf(viewer);
    const uscc = present(input.targetUscc) ? parsedOrBadInput(parseUscc(input.targetUscc!), "input.targetUscc", "targetUscc") : null;
    let idHash: string | null = null;
    if (present(input.targetIdNumber)) {
      if (input.targetKind !== PenaltyTargetKind.PERSON) {
        throw badInput("targetIdNumber is a person's resident ID number: give it only when targetKind is PERSON", { argument: "input.targetIdNumber" });
      }
      idHash = this.vault.lookupHash(parsedOrBadInput(parseResidentId(input.targetIdNumber!), "input.targetIdNumber", "targetIdNumber"));
    }
    if (input.blacklist && input.targetKind === PenaltyTargetKind.ORGANIZATION && !uscc) {
      throw badInput("blacklisting an ORGANIZATION needs its targetUscc", { argument: "input.targetUscc" });
    }
    if (input.blacklist && input.targetKind === PenaltyTargetKind.PERSON && !idHash) {
      throw badInput("blacklisting a PERSON needs their targetIdNumber", { argument: "input.targetIdNumber" });
    }
    const today = new Date(Date.now() + DECISION_ZONE_OFFSET_MS).toISOString().slice(0, 10);
    if (input.decisionDate > today) {
      throw badInput(`decisionDate ${input.decisionDate} is in the future`, { argument: "input.decisionDate" });
    }
    const orgCode = present(input.targetOrgCode) ? input.targetOrgCode!.trim() : null;
    mutation.target(...[orgCode, uscc].filter((t): t is string => t !== null));

    return mutation.run(async (tx) => {
      let orgId: string | null = null;
      if (orgCode) {
        const o = new SqlParams();
        const [org]: { id: string }[] = await tx.query(`SELECT id FROM organizations WHERE code = ${o.add(orgCode)}`, o.values);
        if (!org) throw badInput(`no organisation ${orgCode}`, { argument: "input.targetOrgCode" });
        orgId = org.id;
      }
      // A provincial administration penalises only a target registered or holding numbers in its province.
      // A constant answer is not sent to the database: its parameters may be unused, which PostgreSQL refuses.
      const r = new SqlParams();
      const reach = penaltyTargetInReach(viewer, { orgId, uscc, legalRepIdHash: idHash }, r);
      const inReach = reach === "TRUE" || (reach !== "FALSE" && (await tx.query<{ inReach: boolean }[]>(`SELECT ${reach} AS "inReach"`, r.values))[0].inReach === true);
      if (!inReach) throw forbidden("the penalty's target is outside your reach: it is neither registered nor holding numbers in your province");
      const p = new SqlParams();
      const published = p.add(input.publish);
      const recorder = p.add(regulator.id);
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO penalties (target_kind, target_name, target_org_id, target_uscc, target_id_hash, facts, legal_basis, fine_cny,
                                correction_ordered, decision_date, blacklisted, published_at, published_by, recorded_by, recorded_by_actor)
         VALUES (${p.add(input.targetKind)}, ${p.add(input.targetName.trim())}, ${p.add(orgId)}, ${p.add(uscc)}, ${p.add(idHash)},
                 ${p.add(input.facts.trim())}, ${p.add(input.legalBasis.trim())}, ${p.add(input.fineCny.toFixed(2))}::numeric,
                 ${p.add(input.correctionOrdered?.trim() || null)}, ${p.add(input.decisionDate)}::date, ${p.add(input.blacklist)},
                 CASE WHEN ${published}::boolean THEN now() END, CASE WHEN ${published}::boolean THEN ${recorder}::uuid END, ${recorder},
                 ${p.add(viewer.subject)})
         RETURNING id`,
        p.values,
      );
      if (input.blacklist) {
        // The subscribers service refuses the next registration or assignment for this company or person.
        const b = new SqlParams();
        await tx.query(
          `INSERT INTO blacklist (uscc, legal_rep_id_hash, reason)
           VALUES (${b.add(input.targetKind === PenaltyTargetKind.ORGANIZATION ? uscc : null)},
                   ${b.add(input.targetKind === PenaltyTargetKind.PERSON ? idHash : null)}, ${b.add(`penalty ${id} decided ${input.decisionDate}`)})`,
          b.values,
        );
      }
      return { result: await this.penaltyRow(tx, id), targets: [id] };
    });
  }

  /** Publishes a penalty: a national regulator any, another the ones recorded in its subtree. */
  async publish(viewer: Viewer, penaltyId: string, mutation: UnitOfWork): Promise<Penalty> {
    const regulator = organizationOf(viewer);
    if (!isUuid(penaltyId)) throw notFound(`no penalty ${penaltyId}`);
    mutation.target(penaltyId);
    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [row]: { published_at: Date | null; own: boolean }[] = await tx.query(
        `SELECT p.published_at, ${imposedAtOrBelow(viewer, "p.recorded_by", p)} AS own
           FROM penalties p WHERE p.id = ${p.add(penaltyId)} AND ${penaltiesVisible(viewer, "p", p)} FOR UPDATE OF p`,
        p.values,
      );
      if (!row) throw notFound(`no penalty ${penaltyId}`);
      if (!nationalAuthority(viewer) && !row.own) {
        throw forbidden("only the regulator that recorded the penalty, one above it, or a national regulator publishes it");
      }
      if (row.published_at) throw conflict(`the penalty was already published at ${new Date(row.published_at).toISOString()}`);
      const u = new SqlParams();
      await tx.query(`UPDATE penalties SET published_at = now(), published_by = ${u.add(regulator.id)} WHERE id = ${u.add(penaltyId)}`, u.values);
      return { result: await this.penaltyRow(tx, penaltyId), targets: [penaltyId] };
    });
  }

  /** Newest decision first; among decisions of one day, the last recorded first. */
  async list(viewer: Viewer, args: PageArgs): Promise<Connection<Penalty>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const visible = penaltiesVisible(viewer, "p", p);
    const counted = p.clone();
    const where = [visible];
    if (page.after) {
      const position = /^(\d{4}-\d{2}-\d{2})~(\d{1,19})$/.exec(page.after);
      if (!position || !isCalendarDate(position[1])) throw badInput("after is not a cursor of this list", { argument: "after" });
      const seq = parseSequenceCursor(position[2], "after is not a cursor of this list");
      where.push(`(p.decision_date, p.seq) < (${p.add(position[1])}::date, ${p.add(seq)}::bigint)`);
    }
    const rows: Penalty[] = await this.dataSource.query(
      `SELECT ${PENALTY_COLUMNS} FROM ${PENALTY_FROM} WHERE ${where.join(" AND ")}
        ORDER BY p.decision_date DESC, p.seq DESC LIMIT ${page.size + 1}`,
      p.values,
    );
    const count = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM penalties p WHERE ${visible}`, counted.values);
      return n;
    };
    return toConnection(rows, page, count, CURSOR_KIND, (r) => `${r.decisionDate}~${r.seq}`);
  }

  private async penaltyRow(tx: EntityManager, id: string): Promise<Penalty> {
    const p = new SqlParams();
    const [row]: Penalty[] = await tx.query(`SELECT ${PENALTY_COLUMNS} FROM ${PENALTY_FROM} WHERE p.id = ${p.add(id)}`, p.values);
    return row;
  }
}

function present(value: string | null | undefined): boolean {
  return value != null && value.trim() !== "";
}


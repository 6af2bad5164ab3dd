import type { DataSource } from "typeorm";
import { Viewer, ViewerOrganization, organizationOf } from "../../shared/auth/viewer";
import { badInput, conflict, notFound } from "../../shared/errors";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { SqlParams, casesStatable, casesVisible } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { Case } from "./case.entity";
import { CASE_NUMBER_RULE, OpenCaseInput, caseNumberOf } from "./case.inputs";

const CURSOR_KIND = "case";

const CASE_COLUMNS = `c.id, c.seq::text AS seq, c.organization_id AS "organizationId", c.case_number AS "caseNumber", c.title,
  c.legal_basis AS "legalBasis", c.status, c.opened_at AS "openedAt", c.closed_at AS "closedAt"`;

/** Anything that runs SQL: the DataSource, or a transaction's entity manager. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** An open case a viewer may state, and whose it is. */
export interface OpenCase {
  id: string;
  caseNumber: string;
  organizationCode: string;
}

/**
 * The open case of this number that the viewer may state: its own bureau's, or else the bureau
 * directly above it's (a provincial bureau works the ministry's cases). null when there is none
 * or the viewer is not the police.
 */
export async function findOpenCase(db: Queryable, viewer: Viewer, caseNumber: string): Promise<OpenCase | null> {
  const org = viewer.organization;
  const p = new SqlParams();
  const statable = casesStatable(viewer, "c", p);
  if (!org || statable === "FALSE") return null;
  const rows: (OpenCase & { own: boolean })[] = await db.query(
    `SELECT c.id, c.case_number AS "caseNumber", o.code AS "organizationCode", (c.organization_id = ${p.add(org.id)}) AS own
       FROM cases c JOIN organizations o ON o.id = c.organization_id
      WHERE c.case_number = ${p.add(caseNumber)} AND c.status = 'OPEN' AND ${statable}
      ORDER BY own DESC LIMIT 1`,
    p.values,
  );
  const [found] = rows;
  return found ? { id: found.id, caseNumber: found.caseNumber, organizationCode: found.organizationCode } : null;
}

/** A police bureau's cases: opened, closed once, listed by the bureau and those above it. */
export class CaseService {
  constructor(private readonly dataSource: DataSource) {}

  async open(viewer: Viewer, input: OpenCaseInput, mutation: UnitOfWork): Promise<Case> {
    const bureau = organizationOf(viewer);
    const caseNumber = caseNumberOf(input.caseNumber);
    if (caseNumber === null) throw badInput(CASE_NUMBER_RULE, { argument: "input.caseNumber" });
    mutation.target(caseNumber);
    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [row]: Case[] = await tx.query(
        `INSERT INTO cases AS c (organization_id, case_number, title, legal_basis, opened_by)
         VALUES (${p.add(bureau.id)}, ${p.add(caseNumber)}, ${p.add(input.title.trim())}, ${p.add(input.legalBasis.trim())}, ${p.add(viewer.subject)})
         ON CONFLICT (organization_id, case_number) DO NOTHING
         RETURNING ${CASE_COLUMNS}`,
        p.values,
      );
      if (!row) throw conflict(`your bureau already has a case ${caseNumber}`, { reason: "DUPLICATE_CASE" });
      return { result: row, targets: [caseNumber, row.id] };
    });
  }

  async close(viewer: Viewer, text: string, mutation: UnitOfWork): Promise<Case> {
    const bureau = organizationOf(viewer);
    const caseNumber = caseNumberOf(text);
    if (caseNumber === null) throw badInput(CASE_NUMBER_RULE, { argument: "caseNumber" });
    mutation.target(caseNumber);
    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [current]: Case[] = await tx.query(
        `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.organization_id = ${p.add(bureau.id)} AND c.case_number = ${p.add(caseNumber)} FOR UPDATE`,
        p.values,
      );
      if (!current) throw notFound(`your bureau has no case ${caseNumber}`);
      if (current.status !== "OPEN") throw conflict(`case ${caseNumber} was closed on ${new Date(current.closedAt!).toISOString()}`, { reason: "CASE_CLOSED" });
      const u = new SqlParams();
      // Through a CTE: TypeORM answers a bare UPDATE with [rows, count].
      const [row]: Case[] = await tx.query(
        `WITH c AS (UPDATE cases SET status = 'CLOSED', closed_at = now(), closed_by = ${u.add(viewer.subject)} WHERE id = ${u.add(current.id)} RETURNING *)
         SELECT ${CASE_COLUMNS} FROM c`,
        u.values,
      );
      return { result: row, targets: [caseNumber, row.id] };
    });
  }

  /** The cases of the viewer's bureau and the bureaus below it, newest first. */
  async list(viewer: Viewer, args: PageArgs): Promise<Connection<Case>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    return listBySeq<Case & { seq: string }>((sql, values) => this.dataSource.query(sql, values), {
      from: "cases c", alias: "c", columns: CASE_COLUMNS, where: [casesVisible(viewer, "c", p)], params: p.values, page, kind: CURSOR_KIND,
      descending: true,
    });
  }
}

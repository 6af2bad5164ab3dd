import { DataSource, EntityManager } from "typeorm";
import { KIND_OF_ROLE, OrganizationKind, Role } from "../../shared/auth/roles";
import { Viewer, ViewerOrganization } from "../../shared/auth/viewer";
import { oneByKeys } from "../../shared/dates";
import { badInput, conflict, isUniqueViolation, parsedOrBadInput } from "../../shared/errors";
import { Connection, PageArgs, toConnection, toPage } from "../../shared/pagination";
import { parseUscc } from "../../shared/identity/uscc";
import { SqlParams, organizationsVisible } from "../../shared/policy";
import { PROVINCES, assertProvince } from "../../shared/provinces";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { Organization } from "./organization.entity";
import { CreateOrganizationInput, OrganizationFilter } from "./organization.inputs";

const CURSOR_KIND = "organization";

const ORGANIZATION_COLUMNS = `o.id, o.code, o.name, o.kind, o.province, o.parent_id AS "parentId", o.uscc, o.path, o.created_at AS "createdAt"`;

/**
 * How long a token's organisation is taken from memory rather than the database.
 * No operation changes or deletes an organisation, so this bounds only how long a
 * change made by hand in the database goes unseen by this process.
 */
const TOKEN_ORGANIZATION_TTL_MS = 30_000;
const TOKEN_ORGANIZATION_CACHE_LIMIT = 10_000;

export class OrganizationService {
  /** Organisations found for tokens, by code; one that was not found is never kept. */
  private readonly tokenOrganizations = new Map<string, { organization: ViewerOrganization; until: number }>();

  constructor(private readonly dataSource: DataSource) {}

  async create(viewer: Viewer, input: CreateOrganizationInput, mutation: UnitOfWork): Promise<Organization> {
    if (input.kind === OrganizationKind.PLATFORM) {
      throw badInput("there is one PLATFORM organisation, created with the registry; another cannot be created", { argument: "kind" });
    }
    assertProvince(input.province);
    const uscc = this.usccOf(input);
    return mutation.run(async (tx) => {
      const parent = input.parentCode ? await this.parentFor(tx, input) : null;
      const province = input.province ?? parent?.province ?? null;
      if (parent?.province && province !== parent.province) {
        throw badInput(
          `province "${province}" differs from the parent's (${parent.province}, ${PROVINCES[parent.province]}): a branch is in its parent's province`,
          { argument: "province" },
        );
      }
      const organization = tx.create(Organization, {
        code: input.code,
        name: input.name.trim(),
        kind: input.kind,
        province,
        uscc,
        parentId: parent?.id ?? null,
        path: `${parent?.path ?? "/"}${input.code}/`,
      });
      try {
        await tx.insert(Organization, organization);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`an organisation with code ${input.code} already exists`, { argument: "code" });
        throw error;
      }
      const created = await tx.findOneByOrFail(Organization, { code: input.code });
      return { result: created, targets: parent ? [input.code, parent.code] : [input.code] };
    });
  }

  /** The USCC a call centre is created with: checked by its algorithm; no other kind has one. */
  private usccOf(input: CreateOrganizationInput): string | null {
    if (input.uscc == null) return null;
    if (input.kind !== OrganizationKind.CALL_CENTER) {
      throw badInput(`uscc is kept for call centres only, not for a ${input.kind}`, { argument: "uscc" });
    }
    return parsedOrBadInput(parseUscc(input.uscc), "uscc", "uscc");
  }

  private async parentFor(tx: EntityManager, input: CreateOrganizationInput): Promise<Organization> {
    const parent = await tx.findOneBy(Organization, { code: input.parentCode! });
    if (!parent) throw badInput(`parentCode "${input.parentCode}" is not an organisation`, { argument: "parentCode" });
    if (parent.kind !== input.kind) {
      throw badInput(`a ${input.kind} cannot be placed under ${parent.code}, a ${parent.kind}: the tree joins organisations of one kind`, {
        argument: "parentCode",
      });
    }
    return parent;
  }

  /** null when the organisation does not exist or the viewer may not see it. */
  async get(viewer: Viewer, code: string): Promise<Organization | null> {
    const p = new SqlParams();
    const rows: Organization[] = await this.dataSource.query(
      `SELECT ${ORGANIZATION_COLUMNS} FROM organizations o WHERE o.code = ${p.add(code)} AND ${organizationsVisible(viewer, "o", p)}`,
      p.values,
    );
    return rows[0] ?? null;
  }

  async list(viewer: Viewer, filter: OrganizationFilter | null | undefined, args: PageArgs): Promise<Connection<Organization>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const where = [organizationsVisible(viewer, "o", p)];
    if (filter?.kind) where.push(`o.kind = ${p.add(filter.kind)}`);
    if (filter?.province) where.push(`o.province = ${p.add(filter.province)}`);
    if (filter?.parentCode) where.push(`o.parent_id = (SELECT pc.id FROM organizations pc WHERE pc.code = ${p.add(filter.parentCode)})`);
    // Counted only when the client selects totalCount.
    const counting = p.clone();
    const filtered = where.join(" AND ");
    const totalCount = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM organizations o WHERE ${filtered}`, counting.values);
      return n;
    };
    if (page.after) where.push(`o.code > ${p.add(page.after)}`);
    const rows: Organization[] = await this.dataSource.query(
      `SELECT ${ORGANIZATION_COLUMNS} FROM organizations o WHERE ${where.join(" AND ")} ORDER BY o.code LIMIT ${page.size + 1}`,
      p.values,
    );
    return toConnection(rows, page, totalCount, CURSOR_KIND, (o) => o.code);
  }

  /** For the per-request loader: the organisations of these ids the viewer may see, null for the others. */
  async byIds(viewer: Viewer, ids: readonly string[]): Promise<(Organization | null)[]> {
    const p = new SqlParams();
    const rows: Organization[] = await this.dataSource.query(
      `SELECT ${ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = ANY(${p.add(ids)}::uuid[]) AND ${organizationsVisible(viewer, "o", p)}`,
      p.values,
    );
    return oneByKeys(ids, rows, (r) => r.id);
  }

  /** For the per-request loader by code (a federation router's references): as byIds. */
  async byCodes(viewer: Viewer, codes: readonly string[]): Promise<(Organization | null)[]> {
    const p = new SqlParams();
    const rows: Organization[] = await this.dataSource.query(
      `SELECT ${ORGANIZATION_COLUMNS} FROM organizations o WHERE o.code = ANY(${p.add(codes)}::text[]) AND ${organizationsVisible(viewer, "o", p)}`,
      p.values,
    );
    return oneByKeys(codes, rows, (r) => r.code);
  }

  /** The organisation a token names, if it exists and is of the kind its role acts for. */
  async forToken(code: string, role: Exclude<Role, Role.PUBLIC>): Promise<ViewerOrganization | null> {
    // Every authenticated request asks this; a switch sends hundreds a second for one carrier.
    const now = Date.now();
    let organization = this.tokenOrganizations.get(code);
    if (!organization || organization.until < now) {
      const org = await this.dataSource.getRepository(Organization).findOneBy({ code });
      if (!org) return null;
      if (this.tokenOrganizations.size >= TOKEN_ORGANIZATION_CACHE_LIMIT) this.tokenOrganizations.clear();
      organization = { organization: { id: org.id, code: org.code, kind: org.kind, province: org.province, path: org.path }, until: now + TOKEN_ORGANIZATION_TTL_MS };
      this.tokenOrganizations.set(code, organization);
    }
    return organization.organization.kind === KIND_OF_ROLE[role] ? organization.organization : null;
  }
}

import type { DataSource } from "typeorm";
import { Viewer, organizationOf } from "../../shared/auth/viewer";
import { badInput, forbidden } from "../../shared/errors";
import { isInstant } from "../../shared/dates";
import { Connection, PageArgs, toConnection, toPage } from "../../shared/pagination";
import { SqlParams, campaignsVisible } from "../../shared/policy";
import { PROVINCES, assertProvince } from "../../shared/provinces";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { Campaign } from "./campaign.entity";
import { OpenCampaignInput } from "./campaign.inputs";

const CURSOR_KIND = "campaign";

// The cursor's position: created_at to the microsecond (UTC) and the id, newest first.
const CAMPAIGN_COLUMNS = `c.id, c.name, c.province, c.targets, c.hard_deadline::text AS "hardDeadline", c.opened_by AS "openedById",
  c.created_at AS "createdAt", to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || c.id AS position`;
const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

type CampaignRow = Campaign & { position: string };

export class CampaignService {
  constructor(private readonly dataSource: DataSource) {}

  async open(viewer: Viewer, input: OpenCampaignInput, mutation: UnitOfWork): Promise<Campaign> {
    const regulator = organizationOf(viewer);
    const province = input.province ?? null;
    assertProvince(province);
    if (regulator.province && province !== regulator.province) {
      const own = `${regulator.province}, ${PROVINCES[regulator.province] ?? "its province"}`;
      throw forbidden(`a provincial regulator opens campaigns for its own province (${own}) only, not ${province ? `province ${province}` : "national ones"}`);
    }
    const targets = input.targets.map((t) => ({ date: t.date, rate: t.rate }));
    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [row]: CampaignRow[] = await tx.query(
        `INSERT INTO campaigns AS c (name, province, targets, hard_deadline, opened_by)
         VALUES (${p.add(input.name.trim())}, ${p.add(province)}, ${p.add(JSON.stringify(targets))}::jsonb, ${p.add(input.hardDeadline)}::date,
                 ${p.add(regulator.id)})
         RETURNING ${CAMPAIGN_COLUMNS}`,
        p.values,
      );
      return { result: withoutPosition(row), targets: [row.id] };
    });
  }

  /** The campaigns the viewer may see, newest first. */
  async list(viewer: Viewer, args: PageArgs): Promise<Connection<Campaign>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const visible = campaignsVisible(viewer, "c", p);
    const counted = p.clone();
    const where = [visible];
    if (page.after) {
      const position = POSITION.exec(page.after);
      if (!position || !isInstant(position[1])) throw badInput(`after is not a cursor of this list: "${args.after}"`, { argument: "after" });
      where.push(`(c.created_at, c.id) < (${p.add(position[1])}::timestamp AT TIME ZONE 'UTC', ${p.add(position[2])}::uuid)`);
    }
    const rows: CampaignRow[] = await this.dataSource.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns c WHERE ${where.join(" AND ")} ORDER BY c.created_at DESC, c.id DESC LIMIT ${page.size + 1}`,
      p.values,
    );
    const count = async () => {
      const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM campaigns c WHERE ${visible}`, counted.values);
      return n;
    };
    const connection = toConnection(rows, page, count, CURSOR_KIND, (r) => r.position);
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: withoutPosition(e.node) })) };
  }
}

function withoutPosition(row: CampaignRow): Campaign {
  const { position, ...campaign } = row;
  void position;
  return campaign as Campaign;
}

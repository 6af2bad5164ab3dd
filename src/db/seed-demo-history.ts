import type { Services } from "../app/services";
import { ComplianceSnapshotSource } from "../modules/compliance/compliance-snapshots";
import type { OpenCampaignInput } from "../modules/campaigns/campaign.inputs";
import { PenaltyTargetKind, ReportCategory } from "../modules/enforcement/enforcement.entity";
import type { RecordPenaltyInput } from "../modules/enforcement/enforcement.inputs";
import { ShutdownReason } from "../modules/shutdown/shutdown.entity";
import { CheckKind, CheckOutcome, DocumentKind, REQUIRED_PAPERS } from "../modules/subscribers/identity-rules";
import { Role } from "../shared/auth/roles";
import { Viewer, publicViewer } from "../shared/auth/viewer";
import { addDays, chinaDayOf, chinaDayStart } from "../shared/dates";
import { residentIdCheckCharacter } from "../shared/identity/resident-id";
import { usccCheckCharacter } from "../shared/identity/uscc";
import { SqlParams } from "../shared/policy";
import { DemoActors, withCheck } from "./demo-actors";

/*
 * The demo's history (README, "Demo data"): 90 days replayed through the same audited services as any
 * request, a day at a time, each day's compliance snapshot taken as of that day (source DEMO), so the
 * history is the registry's own figures for the story below, not figures made up beside it. Only the times
 * the services stamp with the real clock are set back afterwards to the days of the story: the shutdown
 * orders' issue, acknowledgement, execution and lift times (the audit chain and the change feed keep the
 * real times of loading).
 *
 * The story: each carrier's verified companies take more numbers week by week, companies waiting for
 * verification are approved along the way, a few never are; real-name rates climb from about half to about
 * nine in ten, unevenly by province. The police stop numbers every week or so, carriers acknowledging in
 * minutes and executing within hours (China Mobile Guangdong and China Broadnet slower, sometimes late),
 * and the last orders are still overdue. The public reports a few numbers; regulators suspend two and record
 * penalties; a national campaign and Liaoning's set targets.
 */

export const DEMO_HISTORY_DAYS = 90;

const HOUR = 3_600_000;
const MINUTE = 60;

interface Company {
  name: string;
  uscc: string;
  legalRep: string;
  legalRepId: string;
  landline: string;
  address: string;
}

const company = (name: string, usccBody: string, legalRep: string, idBody: string, landline: string, address: string): Company => ({
  name, uscc: withCheck(usccBody, usccCheckCharacter), legalRep, legalRepId: withCheck(idBody, residentIdCheckCharacter), landline, address,
});

type Reseller = "RS-HUATONG" | "RS-XINGHE";

/** A carrier branch's part of the story: its verified company's numbers grow from/to, companies approved on a day, numbers that wait. */
interface CarrierPlan {
  carrier: string;
  reseller: Reseller;
  /** The first of the numbers the story assigns (wholesaled to the reseller). */
  first: number;
  anchor: { from: number; to: number };
  waiting: { company: Company; numbers: number; assignOn: number; approveOn: number }[];
  drafts: number;
}

const ANCHORS: Record<Reseller, Company> = {
  "RS-HUATONG": company("Liaoning Shengjing Pharmaceutical Distribution Co., Ltd.", "91210103MA0YXKP03", "Sun Lihua",
    "21010319720608005", "02431234567", "52 Qingnian Street, Shenhe District, Shenyang"),
  "RS-XINGHE": company("Hangzhou Xihu Travel Services Co., Ltd.", "91330106MA2CXHL04", "Lin Yaping",
    "33010619790214006", "057187654321", "9 Beishan Road, Xihu District, Hangzhou"),
};

const PLANS: CarrierPlan[] = [
  {
    carrier: "CT-LN", reseller: "RS-HUATONG", first: 4001000010, anchor: { from: 6, to: 18 }, drafts: 1,
    waiting: [{ company: company("Anshan Steelworks Supply Co., Ltd.", "91210300MA0ANGY05", "Gao Feng", "21030219800726007", "04122345678", "11 Yuanlin Road, Anshan"),
      numbers: 4, assignOn: 0, approveOn: 40 }],
  },
  {
    carrier: "CT-ZJ", reseller: "RS-XINGHE", first: 4002000000, anchor: { from: 7, to: 15 }, drafts: 2,
    waiting: [{ company: company("Ningbo Haishu Home Appliances Co., Ltd.", "91330203MA2H8NB06", "Xu Jianhua", "33020319830417008", "057428765432", "77 Zhongshan West Road, Ningbo"),
      numbers: 3, assignOn: 0, approveOn: 62 }],
  },
  {
    carrier: "CM-GD", reseller: "RS-XINGHE", first: 4006000000, anchor: { from: 8, to: 22 }, drafts: 1,
    waiting: [
      { company: company("Guangzhou Tianhe Logistics Co., Ltd.", "91440106MA59GHT07", "Huang Weiming", "44010619770930009", "02038765432", "3 Tiyu West Road, Tianhe District, Guangzhou"),
        numbers: 5, assignOn: 0, approveOn: 25 },
      { company: company("Shenzhen Nanshan Electronics Co., Ltd.", "91440305MA5DLKN08", "Chen Guoqiang", "44030519860112010", "075526543210", "8 Keji Road, Nanshan District, Shenzhen"),
        numbers: 3, assignOn: 40, approveOn: 78 },
    ],
  },
  {
    carrier: "CU-YN", reseller: "RS-XINGHE", first: 4005300000, anchor: { from: 5, to: 12 }, drafts: 2,
    waiting: [{ company: company("Kunming Dianchi Tourism Co., Ltd.", "91530100MA6KMDC09", "Duan Yun", "53010219810505011", "087163456789", "21 Dianchi Road, Kunming"),
      numbers: 4, assignOn: 0, approveOn: 84 }],
  },
  { carrier: "CBN-BJ", reseller: "RS-HUATONG", first: 4009100000, anchor: { from: 3, to: 12 }, drafts: 2, waiting: [] },
];

const DRAFTS: Record<Reseller, Company> = {
  "RS-HUATONG": company("Fushun Xinda Trading Co., Ltd.", "91210400MA0FHXD10", "Ma Lin", "21040219880808012", "02457654321", "5 Xinhua Street, Fushun"),
  "RS-XINGHE": company("Wenzhou Oujiang Shoes Co., Ltd.", "91330302MA2JWHE11", "Zheng Bo", "33030219900101013", "057788776655", "40 Liming Road, Wenzhou"),
};

/** New allocations (the Liaoning and Guangdong ones exist already) and each reseller's stock for the story. */
const ALLOCATIONS = [
  { carrier: "CT-ZJ", rangeStart: "4002000000", rangeEnd: "4002000099", province: "33" },
  { carrier: "CU-YN", rangeStart: "4005300000", rangeEnd: "4005300099", province: "53" },
  { carrier: "CBN-BJ", rangeStart: "4009100000", rangeEnd: "4009100099", province: "11" },
];
const STOCK = [
  { carrier: "CT-ZJ", reseller: "RS-XINGHE", from: 4002000000, count: 60 },
  { carrier: "CM-GD", reseller: "RS-XINGHE", from: 4006000000, count: 60 },
  { carrier: "CU-YN", reseller: "RS-XINGHE", from: 4005300000, count: 40 },
  { carrier: "CBN-BJ", reseller: "RS-HUATONG", from: 4009100000, count: 40 },
];

/** Shutdown orders: on a day of the story, naming verified companies' numbers (carrier, the n-th), each carrier's delays in minutes. */
interface OrderPlan {
  day: number;
  /** Hours after midnight (China Standard Time) it was issued; for today, hours before now. */
  hour: number;
  issuer: string;
  reason: ShutdownReason;
  items: { carrier: string; n: number; ack?: number; exec?: number }[];
  liftOn?: number;
}
const ORDERS: OrderPlan[] = [
  { day: 3, hour: 10, issuer: "MPS", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CT-LN", n: 0, ack: 2, exec: 35 }, { carrier: "CM-GD", n: 0, ack: 11, exec: 95 }], liftOn: 6 },
  { day: 10, hour: 15, issuer: "PSB-LN", reason: ShutdownReason.TELECOM_FRAUD, items: [{ carrier: "CT-LN", n: 1, ack: 4, exec: 50 }], liftOn: 14 },
  { day: 17, hour: 9, issuer: "MPS", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CM-GD", n: 1, ack: 16, exec: 130 }, { carrier: "CU-YN", n: 0, ack: 7, exec: 70 }], liftOn: 25 },
  { day: 24, hour: 21, issuer: "MIIT", reason: ShutdownReason.ILLEGAL_MARKETING, items: [{ carrier: "CT-ZJ", n: 0, ack: 6, exec: 45 }] },
  { day: 31, hour: 11, issuer: "MPS", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CBN-BJ", n: 0, ack: 20, exec: 150 }, { carrier: "CT-LN", n: 2, ack: 3, exec: 28 }], liftOn: 40 },
  { day: 38, hour: 8, issuer: "PSB-LN", reason: ShutdownReason.SPOOFING, items: [{ carrier: "CT-LN", n: 3, ack: 1, exec: 22 }], liftOn: 45 },
  { day: 47, hour: 14, issuer: "MPS", reason: ShutdownReason.TELECOM_FRAUD, items: [{ carrier: "CM-GD", n: 2, ack: 9, exec: 85 }] },
  { day: 55, hour: 16, issuer: "MPS", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CU-YN", n: 1, ack: 12, exec: 100 }, { carrier: "CT-ZJ", n: 1, ack: 5, exec: 60 }], liftOn: 63 },
  { day: 62, hour: 10, issuer: "MIIT", reason: ShutdownReason.ILLEGAL_MARKETING, items: [{ carrier: "CT-ZJ", n: 2, ack: 8, exec: 75 }], liftOn: 70 },
  { day: 70, hour: 13, issuer: "MPS", reason: ShutdownReason.TELECOM_FRAUD, items: [{ carrier: "CT-LN", n: 4, ack: 2, exec: 31 }, { carrier: "CM-GD", n: 3, ack: 14, exec: 110 }] },
  { day: 78, hour: 9, issuer: "PSB-LN", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CT-LN", n: 5, ack: 5, exec: 40 }], liftOn: 84 },
  // Late: acknowledged after the deadline, never confirmed executed.
  { day: 85, hour: 19, issuer: "MPS", reason: ShutdownReason.TELECOM_FRAUD, items: [{ carrier: "CBN-BJ", n: 1, ack: 25 }] },
  // Today: three hours ago, one carrier silent, the other acknowledged but not executed; an hour ago, in progress.
  { day: 89, hour: 3, issuer: "MPS", reason: ShutdownReason.TELECOM_FRAUD, items: [{ carrier: "CM-GD", n: 4 }, { carrier: "CU-YN", n: 2, ack: 9 }] },
  { day: 89, hour: 1, issuer: "PSB-LN", reason: ShutdownReason.HARASSMENT, items: [{ carrier: "CT-LN", n: 6, ack: 3 }] },
];

/** Reports from the public on a day of the story: a verified company's n-th number, so many times from distinct addresses. */
const REPORTS = [
  { day: 20, carrier: "CM-GD", n: 2, times: 3 },
  { day: 44, carrier: "CM-GD", n: 2, times: 3 },
  { day: 52, carrier: "CU-YN", n: 1, times: 5 },
  { day: 76, carrier: "CBN-BJ", n: 0, times: 4 },
  { day: 86, carrier: "CT-ZJ", n: 3, times: 2 },
  { day: 88, carrier: "CT-LN", n: 7, times: 3 },
];

/** Suspensions by a regulator: a verified company's n-th number, lifted on a later day or not. */
const SUSPENSIONS = [
  { day: 20, regulator: "CA-LN", carrier: "CT-LN", n: 7, reason: "outbound calls displaying the 400 number reported", liftOn: 50 },
  { day: 66, regulator: "MIIT", carrier: "CM-GD", n: 5, reason: "marketing calls to people who refused them" },
];

/** Loads the history; seedDemo runs it once, with the rest of the demo data. */
export async function seedDemoHistory(services: Services, actors: DemoActors): Promise<void> {
  const { as, unit } = actors;
  const carrierOf = async (code: string) => as(code, Role.CARRIER);
  const resellerOf = async (code: Reseller) => as(code, Role.RESELLER);

  const [{ now }]: { now: Date }[] = await services.dataSource.query(`SELECT now() AS now`);
  const today = chinaDayOf(now);
  const dayOf = (k: number) => addDays(today, k - (DEMO_HISTORY_DAYS - 1));
  const momentOf = (k: number, hour: number) =>
    k === DEMO_HISTORY_DAYS - 1 ? new Date(now.getTime() - hour * HOUR) : new Date(chinaDayStart(dayOf(k)).getTime() + hour * HOUR);

  for (const { carrier, ...input } of ALLOCATIONS) {
    const viewer = await carrierOf(carrier);
    await services.numbers.publish(viewer, input, unit(viewer, "publishAllocation", { input }));
  }
  for (const { carrier, reseller, from, count } of STOCK) {
    const viewer = await carrierOf(carrier);
    const input = { numbers: Array.from({ length: count }, (_, i) => String(from + i)), resellerCode: reseller };
    await services.numbers.wholesale(viewer, input, unit(viewer, "wholesaleNumbers", { input }));
  }

  // Campaigns in force over the whole story: a national one and Liaoning's, with targets around today.
  const miit = await as("MIIT", Role.REGULATOR);
  const caLn = await as("CA-LN", Role.REGULATOR);
  const campaigns: [Viewer, OpenCampaignInput][] = [
    [miit, { name: "National 400-number real-name verification drive", province: null,
      targets: [{ date: addDays(today, 20), rate: 0.95 }, { date: addDays(today, 110), rate: 1 }], hardDeadline: addDays(today, 140) }],
    [caLn, { name: "Liaoning 400-number real-name drive", province: "21",
      targets: [{ date: addDays(today, -10), rate: 0.9 }, { date: addDays(today, 50), rate: 0.98 }], hardDeadline: addDays(today, 80) }],
  ];
  for (const [viewer, input] of campaigns) {
    await services.campaigns.open(viewer, input, unit(viewer, "openCampaign", { input }));
  }

  let papers = 0;
  const register = async (reseller: Reseller, c: Company, ready: boolean): Promise<string> => {
    const viewer = await resellerOf(reseller);
    const input = {
      name: c.name, uscc: c.uscc, legalRep: { name: c.legalRep, idNumber: c.legalRepId },
      handler: { name: `${c.legalRep.split(" ")[0]} Xiaoyu`, idNumber: withCheck(`${c.legalRepId.slice(0, 6)}19950505${c.legalRepId.slice(14, 17)}`, residentIdCheckCharacter) },
      landline: c.landline, address: c.address, businessScope: "Demo data: a company of the demo history", declaredUse: "Customer service hotline",
    };
    const { id } = await services.subscribers.register(viewer, input, unit(viewer, "registerSubscriber", { input }));
    if (!ready) return id;
    for (const kind of REQUIRED_PAPERS) {
      papers += 1;
      const paper = {
        kind, sha256: `${papers}`.padStart(64, "e"), mediaType: kind === DocumentKind.VERIFICATION_VIDEO ? "video/mp4" : "application/pdf",
        sizeBytes: 180_000, storageUri: `s3://registry-demo-evidence/${id}/${kind.toLowerCase()}`, expiresOn: "2031-12-31",
      };
      await services.subscribers.attachDocument(viewer, id, paper, unit(viewer, "attachDocument", { subscriberId: id, input: paper }));
    }
    const callback = { kind: CheckKind.LANDLINE_CALLBACK, outcome: CheckOutcome.PASSED, note: "called the landline, the handler confirmed" };
    await services.subscribers.recordCheck(viewer, id, callback, unit(viewer, "recordCheck", { subscriberId: id, input: callback }));
    return id;
  };
  const approve = async (reseller: Reseller, carrier: string, id: string) => {
    const r = await resellerOf(reseller);
    const c = await carrierOf(carrier);
    const recheck = { kind: CheckKind.LANDLINE_RECHECK, outcome: CheckOutcome.PASSED, note: "re-called, confirmed" };
    await services.subscribers.recordCheck(c, id, recheck, unit(c, "recordCheck", { subscriberId: id, input: recheck }));
    await services.subscribers.submit(r, id, unit(r, "submitSubscriber", { subscriberId: id }));
    await services.subscribers.approve(c, id, unit(c, "approveSubscriber", { subscriberId: id }));
  };
  const assign = async (reseller: Reseller, number: string, id: string) => {
    const viewer = await resellerOf(reseller);
    await services.subscribers.assign(viewer, number, id, unit(viewer, "assignNumber", { number, subscriberId: id }));
  };

  // Day 0: each reseller's verified company (approved by the carrier of its first number), the drafts, the waiting companies' numbers.
  const anchors = new Map<Reseller, string>();
  const drafts = new Map<Reseller, string>();
  for (const reseller of ["RS-HUATONG", "RS-XINGHE"] as const) {
    anchors.set(reseller, await register(reseller, ANCHORS[reseller], true));
    drafts.set(reseller, await register(reseller, DRAFTS[reseller], false));
  }
  const held = new Map<string, string[]>(PLANS.map((p) => [p.carrier, []]));
  const next = new Map<string, number>(PLANS.map((p) => [p.carrier, p.first]));
  const take = (carrier: string) => {
    const number = next.get(carrier)!;
    next.set(carrier, number + 1);
    return String(number);
  };
  const approved = new Set<Reseller>();
  const waiting: { plan: CarrierPlan; company: Company; numbers: number; assignOn: number; approveOn: number; id: string }[] = [];
  const grow = async (k: number) => {
    for (const plan of PLANS) {
      const target = Math.round(plan.anchor.from + ((plan.anchor.to - plan.anchor.from) * k) / (DEMO_HISTORY_DAYS - 1));
      const mine = held.get(plan.carrier)!;
      while (mine.length < target) {
        const number = take(plan.carrier);
        await assign(plan.reseller, number, anchors.get(plan.reseller)!);
        mine.push(number);
        if (!approved.has(plan.reseller)) {
          await approve(plan.reseller, plan.carrier, anchors.get(plan.reseller)!);
          approved.add(plan.reseller);
        }
      }
    }
  };
  for (const plan of PLANS) {
    for (let i = 0; i < plan.drafts; i++) await assign(plan.reseller, take(plan.carrier), drafts.get(plan.reseller)!);
    for (const w of plan.waiting) waiting.push({ plan, ...w, id: await register(plan.reseller, w.company, true) });
  }

  const numberOf = (carrier: string, n: number) => held.get(carrier)![n];
  const orders: { plan: OrderPlan; id: string; issuedAt: Date }[] = [];
  let address = 0;
  for (let k = 0; k < DEMO_HISTORY_DAYS; k++) {
    await grow(k);
    for (const w of waiting) {
      if (w.assignOn === k) for (let i = 0; i < w.numbers; i++) await assign(w.plan.reseller, take(w.plan.carrier), w.id);
      if (w.approveOn === k) await approve(w.plan.reseller, w.plan.carrier, w.id);
    }
    for (const s of SUSPENSIONS) {
      const viewer = await as(s.regulator, Role.REGULATOR);
      const number = numberOf(s.carrier, s.n);
      if (s.day === k) await services.enforcement.suspend(viewer, number, s.reason, unit(viewer, "suspendNumber", { number, reason: s.reason }));
      if (s.liftOn === k) {
        const reason = "corrected: the company stopped displaying the number";
        await services.enforcement.liftSuspension(viewer, number, reason, unit(viewer, "liftSuspension", { number, reason }));
      }
    }
    for (const plan of ORDERS.filter((o) => o.day === k)) {
      const issuer = await as(plan.issuer, plan.issuer === "MIIT" ? Role.REGULATOR : Role.POLICE);
      const input = {
        numbers: plan.items.map((i) => numberOf(i.carrier, i.n)), caseNumber: `DEMO-${dayOf(k)}-${plan.issuer}`,
        legalBasis: "Anti-Telecom and Online Fraud Law, Article 21", reason: plan.reason, note: "demo data",
      };
      const order = await services.shutdown.issue(issuer, input, unit(issuer, "issueShutdownOrder", { input }));
      for (const carrier of new Set(plan.items.map((i) => i.carrier))) {
        const viewer = await carrierOf(carrier);
        const mine = plan.items.filter((i) => i.carrier === carrier);
        if (mine.some((i) => i.exec !== undefined)) {
          const numbers = mine.filter((i) => i.exec !== undefined).map((i) => numberOf(i.carrier, i.n));
          await services.shutdown.confirmExecuted(viewer, order.id, numbers, unit(viewer, "confirmShutdownExecuted", { orderId: order.id, numbers }));
        } else if (mine.some((i) => i.ack !== undefined)) {
          await services.shutdown.acknowledge(viewer, order.id, unit(viewer, "acknowledgeShutdown", { orderId: order.id }));
        }
      }
      orders.push({ plan, id: order.id, issuedAt: momentOf(k, plan.hour) });
    }
    for (const { plan, id } of orders.filter((o) => o.plan.liftOn === k)) {
      const issuer = await as(plan.issuer, plan.issuer === "MIIT" ? Role.REGULATOR : Role.POLICE);
      const reason = "investigation closed";
      await services.shutdown.lift(issuer, id, reason, unit(issuer, "liftShutdownOrder", { orderId: id, reason }));
    }
    for (const r of REPORTS.filter((x) => x.day === k)) {
      const input = { number: numberOf(r.carrier, r.n), category: ReportCategory.FRAUD, description: "demo data: a call claiming a parcel was held" };
      for (let i = 0; i < r.times; i++) {
        address += 1;
        await services.reports.report(publicViewer(), input, `198.51.100.${address}`, unit(publicViewer(), "reportNumber", { input }));
      }
    }
    // As of 23:00 that day, after the day's events (today: now).
    const taken = k === DEMO_HISTORY_DAYS - 1 ? undefined : new Date(chinaDayStart(dayOf(k)).getTime() + 23 * HOUR);
    await services.complianceSnapshots.take(taken, ComplianceSnapshotSource.DEMO);
  }

  // The orders' times, set back to the story's days (the services stamped them with the real clock).
  const { shutdownAckMinutes, shutdownExecutionMinutes } = services.config.rules;
  for (const { plan, id, issuedAt } of orders) {
    const p = new SqlParams();
    const at = p.add(issuedAt);
    const lifted = plan.liftOn === undefined ? null : new Date(chinaDayStart(dayOf(plan.liftOn)).getTime() + 15 * HOUR);
    await services.dataSource.query(
      `UPDATE shutdown_orders SET issued_at = ${at}::timestamptz,
              acknowledgement_deadline = ${at}::timestamptz + make_interval(mins => ${p.add(shutdownAckMinutes)}),
              execution_deadline = ${at}::timestamptz + make_interval(mins => ${p.add(shutdownExecutionMinutes)}),
              lifted_at = CASE WHEN lifted_at IS NULL THEN NULL ELSE ${p.add(lifted)}::timestamptz END
        WHERE id = ${p.add(id)}`,
      p.values,
    );
    for (const item of plan.items) {
      const q = new SqlParams();
      const t = q.add(issuedAt);
      await services.dataSource.query(
        `UPDATE shutdown_items i
            SET acknowledged_at = CASE WHEN i.acknowledged_at IS NULL THEN NULL ELSE ${t}::timestamptz + make_interval(secs => ${q.add((item.ack ?? item.exec ?? 0) * MINUTE)}) END,
                executed_at = CASE WHEN i.executed_at IS NULL THEN NULL ELSE ${t}::timestamptz + make_interval(secs => ${q.add((item.exec ?? 0) * MINUTE)}) END
          WHERE i.order_id = ${q.add(id)} AND i.number = ${q.add(numberOf(item.carrier, item.n))}`,
        q.values,
      );
    }
  }

  // Penalties: the 2025 case of a branch passing spoofed caller numbers (DESIGN.md), and a reseller's borrowed papers.
  const penalties: [Viewer, RecordPenaltyInput][] = [
    [miit, { targetName: "Shenyang Xunda Call Services Co., Ltd.", targetUscc: withCheck("91210102MA0XDCK12", usccCheckCharacter), targetKind: PenaltyTargetKind.ORGANIZATION,
      facts: "Demo data: passed spoofed caller numbers from call-centre partners over rented trunks without caller authentication.",
      legalBasis: "Anti-Telecom and Online Fraud Law, Article 39", fineCny: 500_000, correctionOrdered: "Authenticate every caller number on its trunks",
      decisionDate: addDays(today, -30), publish: true, blacklist: false }],
    [miit, { targetName: "Zhao Qiang, trunk business manager", targetKind: PenaltyTargetKind.PERSON,
      facts: "Demo data: did not check the customer's real business and use, nor spot remote outbound calling and altered caller numbers.",
      legalBasis: "Anti-Telecom and Online Fraud Law, Article 39", fineCny: 10_000, decisionDate: addDays(today, -30), publish: true, blacklist: false }],
    [caLn, { targetName: "Huatong Communications Agency Co., Ltd.", targetOrgCode: "RS-HUATONG", targetKind: PenaltyTargetKind.ORGANIZATION,
      facts: "Demo data: opened two numbers with a customer's borrowed papers.", legalBasis: "Telecommunications Regulations, Article 60",
      fineCny: 50_000, correctionOrdered: "Re-verify every subscriber registered in the last year", decisionDate: addDays(today, -5), publish: false, blacklist: false }],
  ];
  for (const [viewer, input] of penalties) {
    await services.penalties.record(viewer, input, unit(viewer, "recordPenalty", { input }));
  }
}

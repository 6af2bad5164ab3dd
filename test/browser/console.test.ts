// The web console (/console) in a real browser: Debian's Chromium driven by playwright-core, against a
// server on 127.0.0.1 with the demo data. Each page is signed in as a role with a token and checked
// against that token's own answers from the API: the console shows nothing the role's API call would not.
// Screenshots go to test-results/ (CONSOLE_SCREENSHOT=1 also refreshes docs/console.png for the README).
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Browser, Page, chromium } from "playwright-core";
import { CONSOLE_CSP } from "../../src/app/console";
import { seedDemo } from "../../src/db/seed-demo";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { As, TestApp, startTestApp } from "../helpers/app";

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = path.join(ROOT, "test-results");

const MIIT = { org: "MIIT", role: Role.REGULATOR } as const;
const CA_LN = { org: "CA-LN", role: Role.REGULATOR } as const;
const PSB_LN = { org: "PSB-LN", role: Role.POLICE } as const;
const CT_LN = { org: "CT-LN", role: Role.CARRIER } as const;

let app: TestApp;
let browser: Browser;
let base: string;

/** The console's bundle, built by its own script unless dist/console already matches its sources. */
function buildConsole(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, "console/build.mjs"), "--if-stale"], { cwd: ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node console/build.mjs failed:\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the console's browser tests need it. ` +
        "Install Debian's package with `apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH.",
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  const built = buildConsole();
  app = await startTestApp();
  await seedDemo(app.server.services);
  await built;
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** The data of a query that must succeed. */
async function api(as: As, query: string, variables?: Record<string, unknown>): Promise<any> {
  const body = await app.exec(as, query, variables);
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** China Standard Time days, as the console asks for them. */
function lastDays(n: number): { from: string; to: string } {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
  const now = Date.now();
  return { from: day.format(new Date(now - n * 86_400_000)), to: day.format(new Date(now)) };
}

/** What a cell's data-value holds for an API value. */
const cell = (value: unknown) => (value === null || value === undefined ? "" : String(value));

interface Opened {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems(): Promise<string[]>;
}

/** A fresh browser context (its own sessionStorage), signed in with a token pasted into the form. */
async function openConsole(token: string, options: { lang?: "zh" | "en" } = {}): Promise<Opened> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: options.lang === "en" ? "en-GB" : "zh-CN",
    timezoneId: "Asia/Shanghai",
    acceptDownloads: true,
  });
  // Outside the page's CSP (injected by the browser): counts what the policy refused.
  await context.addInitScript(() => {
    const w = globalThis as any;
    w.__violations = [];
    w.document.addEventListener("securitypolicyviolation", (e: any) => w.__violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const seen: string[] = [];
  page.on("console", (m) => m.type() === "error" && seen.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
  await page.goto(`${base}/console`);
  if (options.lang === "en") {
    await page.getByRole("button", { name: "Switch to English" }).click();
  }
  await page.getByLabel(options.lang === "en" ? "Access token" : "访问令牌").fill(token);
  await page.getByRole("button", { name: options.lang === "en" ? "Sign in" : "登录", exact: true }).click();
  await page.waitForSelector("[data-signed-in]");
  return {
    page,
    problems: async () => [...seen, ...(await page.evaluate(() => (globalThis as any).__violations as string[]))],
  };
}

/** A table's rows as shown, in order: each row's key and its cells' data-values by column. */
async function tableRows(page: Page, id: string): Promise<{ key: string; cells: Record<string, string> }[]> {
  await page.waitForSelector(`table[data-table="${id}"], [data-table-empty="${id}"]`, { state: "attached" });
  // Runs in the page (no DOM types here: the root tsconfig is the server's).
  return page.$$eval(`table[data-table="${id}"] tbody tr`, (rows: any[]) =>
    rows.map((row) => ({
      key: row.dataset.key as string,
      cells: Object.fromEntries([...row.querySelectorAll("[data-col]")].map((c: any) => [c.dataset.col as string, c.dataset.value as string])),
    })),
  );
}

/** A figure's API value as the page keeps it. */
const figure = (page: Page, id: string) => page.getAttribute(`[data-figure="${id}"]`, "data-value");

async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const REPORT = `query($groupBy: [ComplianceDimension!]!, $filter: ComplianceFilter) {
  complianceReport(groupBy: $groupBy, filter: $filter) {
    rows { carrierCode province resellerCode inService verified realNameRate target gap targetDate suspended forceStopped complaints }
    totals { inService verified realNameRate target gap suspended forceStopped complaints }
  }
}`;
const FIGURES = ["inService", "verified", "realNameRate", "target", "gap", "suspended", "forceStopped", "complaints"] as const;
const ORDERS = `query($filter: ShutdownOrderFilter) {
  shutdownOrders(filter: $filter, first: 500) { edges { node { id status caseNumber unknownNumbers
    items { number carrier { code } state acknowledgedAt executedAt overdue } } } }
}`;
const ISSUE = `mutation($input: IssueShutdownOrderInput!) { issueShutdownOrder(input: $input) { id items { number } } }`;

/** The rows of a compliance table equal the API's rows, figure by figure, sorted by gap (most behind first). */
async function expectComplianceTable(page: Page, id: string, rows: any[], groupKey: string) {
  const shown = await tableRows(page, id);
  const expected = Object.fromEntries(rows.map((r) => [r[groupKey] ?? "-", Object.fromEntries(FIGURES.map((f) => [f, cell(r[f])]))]));
  expect(Object.fromEntries(shown.map((r) => [r.key, Object.fromEntries(FIGURES.map((f) => [f, r.cells[f]]))]))).toEqual(expected);
  const gaps = shown.map((r) => r.cells.gap).filter((g) => g !== "").map(Number);
  expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
}

/** RFC 4180 records of a CSV text (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") record.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field), records.push(record), (record = []), (field = ""), i++;
    } else field += c;
  }
  if (field !== "" || record.length > 0) record.push(field), records.push(record);
  return records;
}

describe("serving /console", () => {
  it("answers index.html for its own routes, never cached, under a strict Content-Security-Policy", async () => {
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    for (const route of ["/console", "/console/", "/console/province/21", "/console/province/21/carrier/CT"]) {
      const res = await app.request.get(route);
      expect({ route, status: res.status, type: res.headers["content-type"] }).toEqual({ route, status: 200, type: "text/html; charset=utf-8" });
      expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      // Nothing inline for the policy to refuse: every script is a file, no <style>, no style="".
      expect(res.text).not.toMatch(/<style|style=|<script(?![^>]*\ssrc=)[^>]*>/i);
    }
  });

  it("serves the hashed assets for a year, precompressed when the browser takes it, and nothing else", async () => {
    const index = (await app.request.get("/console")).text;
    const assets = [...index.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual([expect.stringMatching(/^\/console\/assets\/app-[A-Z0-9]{8}\.css$/), expect.stringMatching(/^\/console\/assets\/app-[A-Z0-9]{8}\.js$/)]);
    for (const asset of assets) {
      const plain = await app.request.get(asset).set("accept-encoding", "identity");
      expect(plain.status).toBe(200);
      expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(plain.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      expect(plain.headers["content-type"]).toMatch(asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      const br = await app.request.get(asset).set("accept-encoding", "gzip, br").buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      });
      expect(br.headers["content-encoding"]).toBe("br");
      expect(br.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(br.headers.vary).toMatch(/accept-encoding/i);
    }
    for (const missing of ["/console/assets/app-NOPE1234.js", "/console/assets/../../package.json", "/console/assets/x/y.js"]) {
      const res = await app.request.get(missing);
      expect({ missing, status: res.status }).toEqual({ missing, status: 404 });
      expect(res.headers["content-type"]).not.toMatch(/html/);
    }
  });
});

describe("the regulator's console (MIIT)", () => {
  let opened: Opened;
  let page: Page;
  beforeAll(async () => {
    // The demo's history has material for every panel: snapshots, a campaign, overdue orders, reports, penalties.
    opened = await openConsole(await app.token(MIIT.org, MIIT.role));
    page = opened.page;
    await page.waitForSelector('[data-figure="inService"]');
  });

  it("shows the national figures, by province and by carrier, exactly as complianceReport answers them", async () => {
    const byProvince = (await api(MIIT, REPORT, { groupBy: ["PROVINCE"] })).complianceReport;
    const byCarrier = (await api(MIIT, REPORT, { groupBy: ["CARRIER"] })).complianceReport;
    expect(byProvince.rows.length).toBeGreaterThan(0);
    for (const f of ["inService", "verified", "realNameRate", "suspended", "forceStopped", "complaints"] as const) {
      expect({ f, shown: await figure(page, f) }).toEqual({ f, shown: cell(byProvince.totals[f]) });
    }
    // Formatted for the locale: the rate as a Chinese percentage with one decimal.
    const rate = new Intl.NumberFormat("zh-CN", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(byProvince.totals.realNameRate);
    expect(await page.textContent('[data-figure="realNameRate"] .figure-value')).toBe(rate);
    await expectComplianceTable(page, "by-province", byProvince.rows, "province");
    await expectComplianceTable(page, "by-carrier", byCarrier.rows, "carrierCode");
    await expect(page.getByRole("heading", { name: "各省实名率" }).isVisible()).resolves.toBe(true);
    // The charts were drawn (on canvas, under the policy), and every panel has its answer.
    for (const chart of ["by-province", "by-carrier", "trend"]) await page.waitForSelector(`[data-chart="${chart}"][data-rendered] canvas`);
    for (const table of ["overdue-by-carrier", "sla", "hot-numbers", "penalties"]) await tableRows(page, table);
    // A tooltip is drawn on the canvas too: ECharts' HTML tooltips carry style="" that the policy would refuse.
    for (const chart of ["by-province", "trend"]) {
      const element = page.locator(`[data-chart="${chart}"]`);
      const box = (await element.boundingBox())!;
      await element.hover({ position: { x: box.width * 0.5, y: box.height * 0.6 } });
      await page.waitForSelector(`[data-chart="${chart}"][data-tooltip="shown"]`);
    }
    await page.mouse.move(0, 0);
    const file = await screenshot(page, "console-regulator");
    if (process.env.CONSOLE_SCREENSHOT) copyFileSync(file, path.join(ROOT, "docs/console.png"));
  });

  it("shows the trend from complianceHistory, overdue items by carrier, SLA figures, the hot list and penalties as the API does", async () => {
    const history = (await api(MIIT, `query($from: String!, $to: String!) { complianceHistory(groupBy: [PROVINCE], from: $from, to: $to) { date totals { inService verified realNameRate } } }`, lastDays(90))).complianceHistory;
    expect(history.length).toBeGreaterThan(30);
    await page.click('[data-section="trend"] details summary');
    const trend = await tableRows(page, "trend");
    expect(trend.map((r) => [r.key, r.cells.inService, r.cells.verified, r.cells.realNameRate])).toEqual(
      [...history].sort((a: any, b: any) => b.date.localeCompare(a.date)).map((d: any) => [d.date, cell(d.totals.inService), cell(d.totals.verified), cell(d.totals.realNameRate)]),
    );
    await page.click('[data-section="trend"] details summary');

    const orders = (await api(MIIT, ORDERS, { filter: { overdue: true } })).shutdownOrders.edges.map((e: any) => e.node);
    const overdue = new Map<string, { items: number; notAcknowledged: number; notExecuted: number; orders: Set<string> }>();
    for (const order of orders) {
      for (const item of order.items.filter((i: any) => i.overdue === true)) {
        const e = overdue.get(item.carrier.code) ?? { items: 0, notAcknowledged: 0, notExecuted: 0, orders: new Set<string>() };
        e.items++;
        if (item.state === "NOTIFIED") e.notAcknowledged++;
        if (item.state !== "EXECUTED") e.notExecuted++;
        e.orders.add(order.id);
        overdue.set(item.carrier.code, e);
      }
    }
    expect(overdue.size).toBeGreaterThan(0);
    const shownOverdue = await tableRows(page, "overdue-by-carrier");
    expect(Object.fromEntries(shownOverdue.map((r) => [r.key, r.cells]))).toEqual(
      Object.fromEntries(
        [...overdue].map(([carrier, e]) => [
          carrier,
          { carrier, items: cell(e.items), notAcknowledged: cell(e.notAcknowledged), notExecuted: cell(e.notExecuted), orders: cell(e.orders.size) },
        ]),
      ),
    );
    expect(await figure(page, "overdueItems")).toBe(cell([...overdue.values()].reduce((n, e) => n + e.items, 0)));

    const performance = (await api(MIIT, `query($from: String!, $to: String!) { shutdownPerformance(from: $from, to: $to) {
      carrier { code } items acknowledgeP50Seconds acknowledgeP95Seconds executeP50Seconds executeP95Seconds overdue } }`, lastDays(30))).shutdownPerformance;
    const sla = await tableRows(page, "sla");
    expect(Object.fromEntries(sla.map((r) => [r.key, [r.cells.items, r.cells.acknowledgeP50Seconds, r.cells.acknowledgeP95Seconds, r.cells.executeP50Seconds, r.cells.executeP95Seconds, r.cells.overdue]]))).toEqual(
      Object.fromEntries(
        performance.map((p: any) => [
          p.carrier.code,
          [p.items, p.acknowledgeP50Seconds, p.acknowledgeP95Seconds, p.executeP50Seconds, p.executeP95Seconds, p.overdue].map(cell),
        ]),
      ),
    );

    const hot = (await api(MIIT, `{ hotNumbers(first: 20) { number reports carrier { code } reseller { code } } }`)).hotNumbers;
    expect(hot.length).toBeGreaterThan(0);
    const shownHot = await tableRows(page, "hot-numbers");
    expect(shownHot.map((r) => r.cells)).toEqual(
      [...hot]
        .sort((a: any, b: any) => b.reports - a.reports)
        .map((h: any) => ({ number: h.number, reports: cell(h.reports), carrier: cell(h.carrier?.code), reseller: cell(h.reseller?.code) })),
    );

    const penalties = (await api(MIIT, `{ penalties(first: 10) { edges { node { id decisionDate targetName fineCny published blacklisted } } } }`)).penalties.edges.map((e: any) => e.node);
    expect(penalties.length).toBeGreaterThan(0);
    const shownPenalties = await tableRows(page, "penalties");
    expect(shownPenalties.map((r) => [r.key, r.cells.decisionDate, r.cells.targetName, r.cells.fineCny, r.cells.published, r.cells.blacklisted])).toEqual(
      penalties.map((p: any) => [p.id, p.decisionDate, p.targetName, cell(p.fineCny), cell(p.published), cell(p.blacklisted)]),
    );
    const fine = new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY" }).format(penalties[0].fineCny);
    await expect(page.locator('table[data-table="penalties"]').textContent()).resolves.toContain(fine);
  });

  it("sorts a table from the keyboard, saying the order in aria-sort", async () => {
    const header = page.locator('table[data-table="by-province"] th[data-col="inService"]');
    await expect(header.getAttribute("aria-sort")).resolves.toBe("none");
    await header.locator("button").focus();
    await page.keyboard.press("Enter");
    await expect(header.getAttribute("aria-sort")).resolves.toBe("descending");
    let values = (await tableRows(page, "by-province")).map((r) => Number(r.cells.inService));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await page.keyboard.press("Space");
    await expect(header.getAttribute("aria-sort")).resolves.toBe("ascending");
    values = (await tableRows(page, "by-province")).map((r) => Number(r.cells.inService));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    await expect(page.getAttribute('table[data-table="by-province"] th[data-col="gap"]', "aria-sort")).resolves.toBe("none");
  });

  it("exports a table to CSV (UTF-8 with BOM, RFC 4180) holding complianceReport's figures", async () => {
    const rows = (await api(MIIT, REPORT, { groupBy: ["CARRIER"] })).complianceReport.rows;
    const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-export="by-carrier"]')]);
    expect(download.suggestedFilename()).toMatch(/^by-carrier-\d{4}-\d{2}-\d{2}\.csv$/);
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString("utf8");
    expect(text.endsWith("\r\n")).toBe(true);
    const [header, ...records] = parseCsv(text);
    expect(header).toEqual(["运营商", "在用", "已实名", "实名率", "目标", "差距", "目标日期", "暂停", "强制停机", "举报"]);
    const sorted = [...rows].sort((a: any, b: any) => (a.gap === null || b.gap === null ? Number(a.gap === null) - Number(b.gap === null) : b.gap - a.gap));
    expect(records).toEqual(
      sorted.map((r: any) => [r.carrierCode, r.inService, r.verified, r.realNameRate, r.target, r.gap, r.targetDate ?? null, r.suspended, r.forceStopped, r.complaints].map(cell)),
    );
  });

  it("drills down province → carriers → resellers, each level as complianceReport answers it, and reloads on any level", async () => {
    const province = (await api(MIIT, REPORT, { groupBy: ["PROVINCE"] })).complianceReport.rows.find((r: any) => r.province === "21");
    expect(province).toBeDefined();
    await page.click('table[data-table="by-province"] tr[data-key="21"] a');
    await page.waitForURL(`${base}/console/province/21`);
    const carriers = (await api(MIIT, REPORT, { groupBy: ["CARRIER"], filter: { province: "21" } })).complianceReport.rows;
    await expectComplianceTable(page, "drill", carriers, "carrierCode");

    await page.click('table[data-table="drill"] tr[data-key="CT"] a');
    await page.waitForURL(`${base}/console/province/21/carrier/CT`);
    const resellers = (await api(MIIT, REPORT, { groupBy: ["RESELLER"], filter: { province: "21", carrierCode: "CT" } })).complianceReport.rows;
    await page.waitForSelector('[data-section="drill"] h2:has-text("代理商")');
    await expectComplianceTable(page, "drill", resellers, "resellerCode");
    await screenshot(page, "console-regulator-drill");

    // A client-side route loads on its own (the server answers index.html); the token is still in this tab.
    await page.reload();
    await expectComplianceTable(page, "drill", resellers, "resellerCode");
    await page.getByRole("navigation").getByRole("link", { name: "辽宁" }).click();
    await page.waitForURL(`${base}/console/province/21`);
    await expectComplianceTable(page, "drill", carriers, "carrierCode");
    await page.goBack();
    await page.waitForURL(`${base}/console/province/21/carrier/CT`);
    await page.getByRole("navigation").getByRole("link", { name: "全国" }).click();
    await page.waitForURL(`${base}/console`);
    await page.waitForSelector('[data-figure="inService"]');
  });

  it("switches to English and back, with numbers formatted for the language", async () => {
    await page.click('[data-action="switch-language"]');
    await page.getByRole("heading", { name: "Real-name compliance" }).waitFor();
    const totals = (await api(MIIT, REPORT, { groupBy: ["PROVINCE"] })).complianceReport.totals;
    const rate = new Intl.NumberFormat("en-GB", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(totals.realNameRate);
    expect(await page.textContent('[data-figure="realNameRate"] .figure-value')).toBe(rate);
    await expect(page.evaluate(() => (globalThis as any).document.documentElement.lang)).resolves.toBe("en-GB");
    await page.waitForSelector('[data-chart="by-province"][data-rendered] canvas');
    await screenshot(page, "console-regulator-en");
    await page.click('[data-action="switch-language"]');
    await page.getByRole("heading", { name: "实名制合规总览" }).waitFor();
  });

  it("keeps the token in the tab's session only, and the policy refused nothing", async () => {
    const stored = await page.evaluate(() => {
      const w = globalThis as any;
      return { session: w.sessionStorage.length, local: Object.keys(w.localStorage), cookie: w.document.cookie };
    });
    expect(stored).toEqual({ session: 1, local: ["registry-console-lang"], cookie: "" });
    expect(await opened.problems()).toEqual([]);
  });
});

describe("a provincial regulator's console (CA-LN)", () => {
  it("shows its province only, as the API answers it", async () => {
    const { page, problems } = await openConsole(await app.token(CA_LN.org, CA_LN.role));
    await page.waitForSelector('[data-figure="inService"]');
    await page.getByText("范围：辽宁").waitFor();
    const report = (await api(CA_LN, REPORT, { groupBy: ["PROVINCE"] })).complianceReport;
    expect(report.rows.map((r: any) => r.province)).toEqual(["21"]);
    await expectComplianceTable(page, "by-province", report.rows, "province");
    expect(await figure(page, "inService")).toBe(cell(report.totals.inService));
    await screenshot(page, "console-regulator-liaoning");
    expect(await problems()).toEqual([]);
  });
});

describe("the police console (PSB-LN)", () => {
  it("lists its orders' items against their deadlines, overdue first, as shutdownOrders answers", async () => {
    await api(PSB_LN, ISSUE, { input: { numbers: ["4001000170"], caseNumber: "LN-BROWSER-LIST", legalBasis: "Anti-Telecom Fraud Law art. 21", reason: "HARASSMENT" } });
    const { page, problems } = await openConsole(await app.token(PSB_LN.org, PSB_LN.role));
    const orders = (await api(PSB_LN, ORDERS)).shutdownOrders.edges.map((e: any) => e.node);
    const items = orders.flatMap((o: any) => o.items.map((i: any) => ({ key: `${o.id}:${i.number}`, ...i, caseNumber: o.caseNumber })));
    expect(items.length).toBeGreaterThan(0);
    const shown = await tableRows(page, "orders");
    expect(Object.fromEntries(shown.map((r) => [r.key, [r.cells.caseNumber, r.cells.number, r.cells.carrier, r.cells.state, r.cells.acknowledgedAt, r.cells.executedAt, r.cells.overdue]]))).toEqual(
      Object.fromEntries(items.map((i: any) => [i.key, [i.caseNumber, i.number, i.carrier.code, i.state, cell(i.acknowledgedAt), cell(i.executedAt), cell(i.overdue)]])),
    );
    const flags = shown.map((r) => r.cells.overdue === "true");
    expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
    await page.waitForSelector('[data-section="sla"] table[data-table="sla"], [data-section="sla"] [data-state="empty"]');
    expect(await problems()).toEqual([]);
  });

  it("issues an order from a pasted list, shows the unknown numbers back, and the API holds the order", async () => {
    const { page, problems } = await openConsole(await app.token(PSB_LN.org, PSB_LN.role));
    await page.getByLabel("号码", { exact: true }).fill("4001000180\n400-100-0181, 400 100 0182\n4009999999");
    await page.getByLabel("案件编号").fill("LN-BROWSER-ISSUE");
    await page.getByLabel("原因").selectOption("TELECOM_FRAUD");
    await page.getByRole("button", { name: "下发停机令（4 个号码）" }).click();
    await page.waitForSelector("[data-issued-order]");
    const unknown = await page.$$eval("[data-unknown-numbers] li", (lis: any[]) => lis.map((li) => li.textContent as string));
    expect(unknown).toEqual(["4009999999"]);

    const [order] = (await api(PSB_LN, ORDERS, { filter: { caseNumber: "LN-BROWSER-ISSUE" } })).shutdownOrders.edges.map((e: any) => e.node);
    expect(await page.getAttribute("[data-issued-order]", "data-issued-order")).toBe(order.id);
    expect({ numbers: order.items.map((i: any) => i.number).sort(), unknown: order.unknownNumbers }).toEqual({
      numbers: ["4001000180", "4001000181", "4001000182"],
      unknown: ["4009999999"],
    });
    // The list below refreshed with the new order's items.
    await page.waitForSelector(`table[data-table="orders"] tr[data-key="${order.id}:4001000182"]`);
    await screenshot(page, "console-police");
    expect(await problems()).toEqual([]);
  });

  it("shows a bad number's BAD_USER_INPUT message and issues nothing", async () => {
    const { page } = await openConsole(await app.token(PSB_LN.org, PSB_LN.role));
    await page.getByLabel("号码", { exact: true }).fill("4001000190\n12345");
    await page.getByLabel("案件编号").fill("LN-BROWSER-BAD");
    await page.getByRole("button", { name: /下发停机令/ }).click();
    const alert = page.locator('[data-section="issue"] [data-error-code="BAD_USER_INPUT"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^⚠输入有误：.*"12345"/);
    expect((await api(PSB_LN, ORDERS, { filter: { caseNumber: "LN-BROWSER-BAD" } })).shutdownOrders.edges).toEqual([]);
  });
});

describe("the carrier's console (CT-LN)", () => {
  it("acknowledges an order and confirms its execution from the page; the API then holds both", async () => {
    const issued = (
      await api(PSB_LN, ISSUE, { input: { numbers: ["4001000195", "4001000196"], caseNumber: "LN-BROWSER-ACK", legalBasis: "Anti-Telecom Fraud Law art. 21", reason: "TELECOM_FRAUD" } })
    ).issueShutdownOrder;
    const { page, problems } = await openConsole(await app.token(CT_LN.org, CT_LN.role));
    const waiting = (await api(CT_LN, ORDERS, { filter: { status: "IN_EFFECT" } })).shutdownOrders.edges
      .map((e: any) => e.node)
      .filter((o: any) => o.items.some((i: any) => i.state !== "EXECUTED"));
    await page.waitForSelector(`[data-order="${issued.id}"]`);
    expect((await page.$$eval("[data-order]", (els: any[]) => els.map((e) => e.dataset.order as string))).sort()).toEqual(waiting.map((o: any) => o.id).sort());
    const card = page.locator(`[data-order="${issued.id}"]`);
    expect((await tableRows(page, `order-${issued.id}`)).map((r) => [r.key, r.cells.state])).toEqual([
      ["4001000195", "NOTIFIED"],
      ["4001000196", "NOTIFIED"],
    ]);
    await screenshot(page, "console-carrier");

    await card.getByRole("button", { name: "确认收到停机令 LN-BROWSER-ACK" }).click();
    await page.getByText("已确认收到停机令 LN-BROWSER-ACK。").waitFor();
    let [order] = (await api(CT_LN, ORDERS, { filter: { caseNumber: "LN-BROWSER-ACK" } })).shutdownOrders.edges.map((e: any) => e.node);
    expect(order.items.map((i: any) => [i.number, i.state, typeof i.acknowledgedAt])).toEqual([
      ["4001000195", "ACKNOWLEDGED", "string"],
      ["4001000196", "ACKNOWLEDGED", "string"],
    ]);
    await page.waitForSelector(`table[data-table="order-${issued.id}"] tr[data-key="4001000195"] [data-col="state"][data-value="ACKNOWLEDGED"]`);
    await expect(card.getByRole("button", { name: "确认收到停机令 LN-BROWSER-ACK" }).isDisabled()).resolves.toBe(true);

    await card.getByRole("button", { name: "确认停机令 LN-BROWSER-ACK 的号码已在网络中停机" }).click();
    await page.getByText("已确认停机令 LN-BROWSER-ACK 的号码已停机。").waitFor();
    [order] = (await api(CT_LN, ORDERS, { filter: { caseNumber: "LN-BROWSER-ACK" } })).shutdownOrders.edges.map((e: any) => e.node);
    expect(order.items.map((i: any) => [i.number, i.state, typeof i.executedAt])).toEqual([
      ["4001000195", "EXECUTED", "string"],
      ["4001000196", "EXECUTED", "string"],
    ]);
    await page.waitForSelector(`[data-order="${issued.id}"]`, { state: "detached" });
    expect(await problems()).toEqual([]);
  });

  it("shows its compliance figures as far as the API lets a carrier read them, and FORBIDDEN in words otherwise", async () => {
    const { page } = await openConsole(await app.token(CT_LN.org, CT_LN.role));
    for (const [section, groupBy, key] of [["carrier-own", "CARRIER", "carrierCode"], ["carrier-resellers", "RESELLER", "resellerCode"]] as const) {
      const answer = await app.exec(CT_LN, REPORT, { groupBy: [groupBy] });
      // A carrier reads the figures of its own subtree's numbers (COMPLIANCE_FIGURES).
      expect(answer.errors).toBeUndefined();
      if (answer.errors) {
        expect(answer.errors[0].extensions.code).toBe("FORBIDDEN");
        const note = page.locator(`[data-section="${section}"] [data-error-code="FORBIDDEN"]`);
        await note.waitFor();
        expect(await note.textContent()).toContain("您的角色无权查看此内容。");
        await expect(page.locator(`[data-section="${section}"] table`).count()).resolves.toBe(0);
      } else {
        await expectComplianceTable(page, section, answer.data!.complianceReport.rows, key);
      }
    }
    // A regulator's drill-down page opened by a carrier: the API decides, the page says so.
    await page.goto(`${base}/console/province/21`);
    await page.waitForSelector('[data-section="drill"] [data-error-code], [data-section="drill"] table');
    const drill = await app.exec(CT_LN, REPORT, { groupBy: ["CARRIER"], filter: { province: "21" } });
    expect(await page.locator('[data-section="drill"] [data-error-code]').count()).toBe(drill.errors ? 1 : 0);
    await screenshot(page, "console-carrier-compliance");
  });
});

describe("signing in", () => {
  it("refuses what is not a token, says an expired or refused one needs a new sign-in, and serves only the three roles", async () => {
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel("访问令牌").fill("not a token");
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.getByText("这不是令牌").waitFor();

    // Well formed, but the server refuses it (no such organisation): UNAUTHENTICATED, in words, with a way back.
    const refused = await signToken(app.config.jwtSecret, { sub: "x", org: "NO-SUCH-ORG", role: Role.REGULATOR }, 600);
    await page.getByLabel("访问令牌").fill(`Bearer ${refused}`);
    await page.getByRole("button", { name: "登录", exact: true }).click();
    const note = page.locator('[data-error-code="UNAUTHENTICATED"]').first();
    await note.waitFor();
    expect(await note.textContent()).toContain("登录已失效或令牌无效，请重新登录。");
    await note.getByRole("button", { name: "重新登录" }).click();
    await page.getByLabel("访问令牌").waitFor();
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);

    const reseller = await app.token("RS-HUATONG", Role.RESELLER);
    await page.getByLabel("访问令牌").fill(reseller);
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.waitForSelector('[data-unsupported-role="RESELLER"]');
    await page.getByRole("button", { name: "退出登录" }).click();
    await page.getByLabel("访问令牌").waitFor();
    await context.close();
  });

  it("signs in with an API key, its layout chosen by the user, and shows what the key's own calls answer", async () => {
    const created = await api({ org: "PLATFORM", role: Role.ADMIN }, `mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { secret } }`, {
      input: { organizationCode: "CA-LN", role: "REGULATOR", name: "console browser test" },
    });
    const secret: string = created.createApiClient.secret;
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel("访问令牌").fill(secret);
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.getByText("请选择该 API 密钥所属的角色。").waitFor();
    await page.getByLabel("该密钥所属角色").selectOption("REGULATOR");
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.waitForSelector('[data-figure="inService"]');
    expect(await page.textContent("[data-signed-in]")).toBe("API 密钥（监管部门）");
    const report = (await api({ token: secret }, REPORT, { groupBy: ["PROVINCE"] })).complianceReport;
    await expectComplianceTable(page, "by-province", report.rows, "province");
    expect(await figure(page, "inService")).toBe(cell(report.totals.inService));
    await context.close();
  });

  it("skips to the main content and moves through the page by keyboard, focus visible", async () => {
    const { page } = await openConsole(await app.token(MIIT.org, MIIT.role));
    // Signing in put the focus on the page's main region; a fresh load starts at the top.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe("main");
    await page.reload();
    await page.waitForSelector('[data-figure="inService"]');
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe("跳到主要内容");
    const outline = await page.evaluate(() => {
      const w = globalThis as any;
      return w.getComputedStyle(w.document.activeElement).outlineStyle;
    });
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe("main");
    // Every control is a real button or link: nothing clickable without a role.
    const bare = await page.$$eval("[onclick], div[tabindex], span[tabindex]", (els) => els.length);
    expect(bare).toBe(0);
  });
});

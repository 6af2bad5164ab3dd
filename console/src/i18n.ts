import { createContext, useContext } from "react";

export type Lang = "zh" | "en";

/** Chinese, the default. Every key must exist in `en` too (the type below makes the compiler check it). */
const zh = {
  appTitle: "400 号码共享登记平台",
  consoleTitle: "控制台",
  skipToContent: "跳到主要内容",
  otherLanguage: "English",
  otherLanguageLabel: "Switch to English",
  signOut: "退出登录",
  signedInAs: "{org}（{role}）",

  signInTitle: "登录控制台",
  signInHelp: "粘贴您的访问令牌（JWT）或 API 密钥（nr_live_…）。令牌只保存在本浏览器标签页的会话中，关闭标签页即清除；控制台以您的令牌调用登记平台的 GraphQL 接口，权限与直接调用接口相同。",
  tokenLabel: "访问令牌或 API 密钥",
  tokenHint: "演示环境获取令牌：npm run token -- --org MIIT --role REGULATOR",
  signIn: "登录",
  apiKey: "API 密钥",
  layoutLabel: "该密钥所属角色（仅决定页面版式，权限由登记平台判定）",
  layoutMissing: "请选择该 API 密钥所属的角色。",
  tokenEmpty: "请粘贴令牌。",
  tokenNotJwt: "这不是令牌：令牌由三段以“.”分隔的文本组成，并带有 org 和 role 声明；API 密钥以 nr_live_ 开头。",
  tokenExpired: "该令牌已于 {time} 过期，请获取新的令牌。",

  roleREGULATOR: "监管部门",
  rolePOLICE: "公安机关",
  roleCARRIER: "基础电信企业",
  roleRESELLER: "代理商",
  roleCALL_CENTER: "呼叫中心",
  roleADMIN: "平台运营方",
  unsupportedRole: "本控制台面向监管部门、公安机关和基础电信企业。您的角色（{role}）请通过 GraphQL 接口使用登记平台。",

  loading: "正在加载…",
  empty: "暂无数据。",
  errorForbidden: "您的角色无权查看此内容。",
  errorUnauthenticated: "登录已失效或令牌无效，请重新登录。",
  errorBadInput: "输入有误：{message}",
  errorNotFound: "未找到：{message}",
  errorConflict: "无法执行：{message}",
  errorNetwork: "无法连接登记平台：{message}",
  errorOther: "出错了（{code}）：{message}",
  signInAgain: "重新登录",
  retry: "重试",
  notFoundPage: "没有这个页面。",
  backHome: "返回首页",

  national: "全国",
  noProvince: "未分省",
  noReseller: "无代理商（运营商直销）",
  asOf: "数据截至 {time}",
  exportCsv: "导出 CSV",
  exportCsvLabel: "将“{table}”导出为 CSV 文件",
  sortBy: "按“{column}”排序",
  rowsShown: "共 {count} 行",
  showData: "查看图表数据",
  chartLabel: "图表：{title}。数据见下表。",
  moreThanShown: "仅显示前 {shown} 条，共 {total} 条。",

  regulatorTitle: "实名制合规总览",
  regulatorScope: "范围：{scope}",
  cardInService: "在用号码",
  cardVerified: "已实名",
  cardRate: "实名率",
  cardTarget: "目标",
  cardSuspended: "已暂停",
  cardForceStopped: "已强制停机",
  cardComplaints: "公众举报",
  cardOverdue: "逾期停机项",
  targetBy: "{target}（{date} 前）",
  noCampaign: "无适用的实名制专项行动",
  campaign: "专项行动：{name}",

  byProvince: "各省实名率",
  byCarrier: "各运营商实名率",
  byCarrierInProvince: "{province}：各运营商实名率",
  byResellerOfCarrier: "{carrier}：各代理商实名率",
  byResellerOfCarrierInProvince: "{province} · {carrier}：各代理商实名率",
  drillHint: "点击省份或运营商名称可逐级查看：省 → 运营商 → 代理商。",
  breadcrumb: "当前位置",

  colProvince: "省份",
  colCarrier: "运营商",
  colReseller: "代理商",
  colInService: "在用",
  colVerified: "已实名",
  colRate: "实名率",
  colTarget: "目标",
  colGap: "差距",
  colSuspended: "暂停",
  colForceStopped: "强制停机",
  colComplaints: "举报",
  colTargetDate: "目标日期",

  behind: "落后 {gap}",
  ahead: "达标（超出 {gap}）",
  onTarget: "恰好达标",
  noTarget: "无目标",
  points: "{value} 个百分点",
  seriesRate: "实名率",
  seriesTarget: "目标",
  targetLine: "目标 {rate}",
  chartKey: "图例：红色斜纹柱＝低于目标；绿色柱＝达到目标；蓝色柱＝无目标；虚线＝目标。",

  trendTitle: "实名率趋势",
  trendBy: "按维度",
  trendTotal: "合计",
  trendProvince: "按省份",
  trendCarrier: "按运营商",
  trendRange: "时间范围",
  days: "{n} 天",
  colDate: "日期",
  trendEmpty: "这段时间没有每日快照。",

  overdueTitle: "逾期停机项（按运营商）",
  overdueHelp: "停机令下发后，运营商须在确认期限内确认收到、在执行期限内确认网络已停机；超过任一期限仍未完成的停机项列于此。",
  colOverdueItems: "逾期项",
  colNotAcknowledged: "未确认",
  colNotExecuted: "未执行",
  colOrders: "涉及停机令",
  overdueItemsTitle: "逾期停机项明细",

  slaTitle: "停机时效（近 {days} 天）",
  colItems: "停机项",
  colAckP50: "确认用时中位数",
  colAckP95: "确认用时 P95",
  colExecP50: "执行用时中位数",
  colExecP95: "执行用时 P95",
  colAckLate: "超时确认",
  colExecLate: "超时执行",
  colOverdue: "逾期",

  hotTitle: "被举报最多的号码",
  colNumber: "号码",
  colReports: "举报数",

  penaltiesTitle: "近期行政处罚",
  colDecisionDate: "决定日期",
  colTarget2: "处罚对象",
  colFine: "罚款",
  colLegalBasis: "法律依据",
  colPublished: "已公开",
  colBlacklisted: "列入黑名单",
  yes: "是",
  no: "否",

  policeTitle: "紧急停机令",
  ordersTitle: "我方停机令（逾期优先）",
  colCase: "案件编号",
  colReason: "原因",
  colIssuedAt: "下发时间",
  colState: "状态",
  colAcknowledgedShort: "确认",
  colExecuted: "执行",
  colOrderStatus: "停机令",
  onTime: "✓ 按时 {time}",
  late: "⚠ 超时 {time}",
  waitingUntil: "… 等待中（{time} 截止）",
  missedDeadline: "⚠ 已逾期（{time} 截止）",
  notShown: "—（无权查看）",
  overdueMark: "⚠ 逾期",
  notOverdue: "未逾期",

  issueTitle: "下发停机令",
  issueHelp: "粘贴号码，每行一个，或以逗号、空格分隔；支持 4001234567、400-123-4567、400 123 4567。登记平台中不存在的号码会列出，不会被忽略。",
  fieldNumbers: "号码",
  fieldCase: "案件编号",
  fieldLegalBasis: "法律依据",
  fieldReason: "原因",
  fieldNote: "备注（可选）",
  issueButton: "下发停机令（{n} 个号码）",
  issuing: "正在下发…",
  issued: "停机令已下发：{known} 个号码已强制停机。",
  unknownNumbers: "登记平台中不存在的号码（{n} 个）：",
  noUnknownNumbers: "所有号码均在登记平台中。",
  defaultLegalBasis: "《中华人民共和国反电信网络诈骗法》第二十一条",

  carrierPageTitle: "停机令与实名制合规",
  carrierTitle: "待处理的停机令",
  carrierHelp: "收到停机令后，须在确认期限内确认收到，并在执行期限内确认网络已停机。",
  waitingNone: "没有待确认或待执行的停机令。",
  order: "停机令 {case}",
  ackDeadline: "确认期限：{time}",
  execDeadline: "执行期限：{time}",
  acknowledge: "确认收到",
  acknowledgeLabel: "确认收到停机令 {case}",
  confirmExecuted: "确认已停机",
  confirmExecutedLabel: "确认停机令 {case} 的号码已在网络中停机",
  working: "正在提交…",
  acknowledged: "已确认收到停机令 {case}。",
  executedDone: "已确认停机令 {case} 的号码已停机。",
  carrierComplianceTitle: "本企业实名制合规情况",
  carrierResellersTitle: "本企业供货代理商的实名制合规情况",

  reasonTELECOM_FRAUD: "涉嫌电信诈骗",
  reasonHARASSMENT: "骚扰",
  reasonILLEGAL_MARKETING: "违法营销",
  reasonSPOOFING: "改号（伪造主叫）",
  reasonOTHER: "其他",
  stateNOTIFIED: "已通知",
  stateACKNOWLEDGED: "已确认",
  stateEXECUTED: "已执行",
  statusIN_EFFECT: "生效中",
  statusLIFTED: "已解除",
  targetKindORGANIZATION: "单位",
  targetKindPERSON: "个人",
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  appTitle: "Shared 400 Number Registry",
  consoleTitle: "Console",
  skipToContent: "Skip to the main content",
  otherLanguage: "中文",
  otherLanguageLabel: "切换到中文",
  signOut: "Sign out",
  signedInAs: "{org} ({role})",

  signInTitle: "Sign in to the console",
  signInHelp: "Paste your access token (a JWT) or API key (nr_live_…). It is kept in this browser tab's session only and goes when the tab closes; the console calls the registry's GraphQL API with your token and can do exactly what that token can.",
  tokenLabel: "Access token or API key",
  tokenHint: "For the demo: npm run token -- --org MIIT --role REGULATOR",
  signIn: "Sign in",
  apiKey: "API key",
  layoutLabel: "The key's role (chooses the page's layout only; the registry decides what it may see)",
  layoutMissing: "Choose the role this API key acts as.",
  tokenEmpty: "Paste a token.",
  tokenNotJwt: "This is not a token: a token is three parts separated by “.”, with org and role claims; an API key starts with nr_live_.",
  tokenExpired: "This token expired at {time}; get a new one.",

  roleREGULATOR: "Regulator",
  rolePOLICE: "Police",
  roleCARRIER: "Carrier",
  roleRESELLER: "Reseller",
  roleCALL_CENTER: "Call centre",
  roleADMIN: "Platform operator",
  unsupportedRole: "This console serves regulators, police and carriers. Your role ({role}) uses the registry through its GraphQL API.",

  loading: "Loading…",
  empty: "Nothing to show.",
  errorForbidden: "Your role cannot see this.",
  errorUnauthenticated: "Your sign-in is no longer valid or the token was refused: sign in again.",
  errorBadInput: "Check your input: {message}",
  errorNotFound: "Not found: {message}",
  errorConflict: "Not possible: {message}",
  errorNetwork: "The registry cannot be reached: {message}",
  errorOther: "Something went wrong ({code}): {message}",
  signInAgain: "Sign in again",
  retry: "Retry",
  notFoundPage: "There is no such page.",
  backHome: "Back to the start",

  national: "National",
  noProvince: "No province",
  noReseller: "No reseller (sold by the carrier)",
  asOf: "Figures as of {time}",
  exportCsv: "Export CSV",
  exportCsvLabel: "Export “{table}” as a CSV file",
  sortBy: "Sort by {column}",
  rowsShown: "Rows: {count}",
  showData: "The chart's figures",
  chartLabel: "Chart: {title}. The figures are in the table below.",
  moreThanShown: "The first {shown} of {total} are shown.",

  regulatorTitle: "Real-name compliance",
  regulatorScope: "Scope: {scope}",
  cardInService: "Numbers in service",
  cardVerified: "Real-name verified",
  cardRate: "Real-name rate",
  cardTarget: "Target",
  cardSuspended: "Suspended",
  cardForceStopped: "Force-stopped",
  cardComplaints: "Public reports",
  cardOverdue: "Overdue shutdown items",
  targetBy: "{target} by {date}",
  noCampaign: "No verification campaign applies",
  campaign: "Campaign: {name}",

  byProvince: "Real-name rate by province",
  byCarrier: "Real-name rate by carrier",
  byCarrierInProvince: "{province}: real-name rate by carrier",
  byResellerOfCarrier: "{carrier}: real-name rate by reseller",
  byResellerOfCarrierInProvince: "{province} · {carrier}: real-name rate by reseller",
  drillHint: "Select a province or carrier to drill down: province → carriers → resellers.",
  breadcrumb: "You are here",

  colProvince: "Province",
  colCarrier: "Carrier",
  colReseller: "Reseller",
  colInService: "In service",
  colVerified: "Verified",
  colRate: "Real-name rate",
  colTarget: "Target",
  colGap: "Gap",
  colSuspended: "Suspended",
  colForceStopped: "Force-stopped",
  colComplaints: "Reports",
  colTargetDate: "Target date",

  behind: "Behind by {gap}",
  ahead: "On target ({gap} ahead)",
  onTarget: "Exactly on target",
  noTarget: "No target",
  points: "{value} pts",
  seriesRate: "Real-name rate",
  seriesTarget: "Target",
  targetLine: "Target {rate}",
  chartKey: "Key: red striped bar = below target; green bar = on target; blue bar = no target; dashed line = target.",

  trendTitle: "Real-name rate over time",
  trendBy: "Show",
  trendTotal: "Total",
  trendProvince: "By province",
  trendCarrier: "By carrier",
  trendRange: "Period",
  days: "{n} days",
  colDate: "Date",
  trendEmpty: "No daily snapshots in this period.",

  overdueTitle: "Overdue shutdown items by carrier",
  overdueHelp: "After an order, a carrier must acknowledge it by one deadline and confirm the network stop by another; items past either deadline and still not done are listed here.",
  colOverdueItems: "Overdue items",
  colNotAcknowledged: "Not acknowledged",
  colNotExecuted: "Not executed",
  colOrders: "Orders",
  overdueItemsTitle: "Overdue shutdown items",

  slaTitle: "Shutdown times (last {days} days)",
  colItems: "Items",
  colAckP50: "Acknowledgement, median",
  colAckP95: "Acknowledgement, 95th pct.",
  colExecP50: "Execution, median",
  colExecP95: "Execution, 95th pct.",
  colAckLate: "Acknowledged late",
  colExecLate: "Executed late",
  colOverdue: "Overdue",

  hotTitle: "Most-reported numbers",
  colNumber: "Number",
  colReports: "Reports",

  penaltiesTitle: "Recent penalties",
  colDecisionDate: "Decided",
  colTarget2: "Penalised",
  colFine: "Fine",
  colLegalBasis: "Legal basis",
  colPublished: "Published",
  colBlacklisted: "Blacklisted",
  yes: "Yes",
  no: "No",

  policeTitle: "Emergency shutdown orders",
  ordersTitle: "Our orders (overdue first)",
  colCase: "Case number",
  colReason: "Reason",
  colIssuedAt: "Issued",
  colState: "State",
  colAcknowledgedShort: "Acknowledged",
  colExecuted: "Executed",
  colOrderStatus: "Order",
  onTime: "✓ on time {time}",
  late: "⚠ late {time}",
  waitingUntil: "… waiting (due {time})",
  missedDeadline: "⚠ overdue (due {time})",
  notShown: "— (not yours to see)",
  overdueMark: "⚠ Overdue",
  notOverdue: "Not overdue",

  issueTitle: "Issue a shutdown order",
  issueHelp: "Paste the numbers, one a line or separated by commas or spaces; 4001234567, 400-123-4567 and 400 123 4567 are all accepted. Numbers the registry does not hold are listed back, never dropped.",
  fieldNumbers: "Numbers",
  fieldCase: "Case number",
  fieldLegalBasis: "Legal basis",
  fieldReason: "Reason",
  fieldNote: "Note (optional)",
  issueButton: "Issue the order ({n} numbers)",
  issuing: "Issuing…",
  issued: "Order issued: {known} numbers force-stopped.",
  unknownNumbers: "Numbers the registry does not hold ({n}):",
  noUnknownNumbers: "The registry holds every number.",
  defaultLegalBasis: "Anti-Telecom and Online Fraud Law of the PRC, Article 21",

  carrierPageTitle: "Shutdown orders and real-name compliance",
  carrierTitle: "Shutdown orders waiting for you",
  carrierHelp: "Acknowledge each order by its acknowledgement deadline, and confirm the network stopped its numbers by its execution deadline.",
  waitingNone: "No order waits for your acknowledgement or execution.",
  order: "Order {case}",
  ackDeadline: "Acknowledge by {time}",
  execDeadline: "Execute by {time}",
  acknowledge: "Acknowledge",
  acknowledgeLabel: "Acknowledge order {case}",
  confirmExecuted: "Confirm stopped",
  confirmExecutedLabel: "Confirm the network stopped the numbers of order {case}",
  working: "Sending…",
  acknowledged: "Order {case} acknowledged.",
  executedDone: "Order {case}: the numbers are confirmed stopped.",
  carrierComplianceTitle: "Our real-name compliance",
  carrierResellersTitle: "Real-name compliance of the resellers we supply",

  reasonTELECOM_FRAUD: "Suspected telecom fraud",
  reasonHARASSMENT: "Harassment",
  reasonILLEGAL_MARKETING: "Illegal marketing",
  reasonSPOOFING: "Caller-number spoofing",
  reasonOTHER: "Other",
  stateNOTIFIED: "Notified",
  stateACKNOWLEDGED: "Acknowledged",
  stateEXECUTED: "Executed",
  statusIN_EFFECT: "In effect",
  statusLIFTED: "Lifted",
  targetKindORGANIZATION: "Organisation",
  targetKindPERSON: "Person",
};

export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { zh, en };

/** GB/T 2260 province codes: names in both languages. */
const PROVINCES: Record<string, [string, string]> = {
  "11": ["北京", "Beijing"], "12": ["天津", "Tianjin"], "13": ["河北", "Hebei"], "14": ["山西", "Shanxi"],
  "15": ["内蒙古", "Inner Mongolia"], "21": ["辽宁", "Liaoning"], "22": ["吉林", "Jilin"], "23": ["黑龙江", "Heilongjiang"],
  "31": ["上海", "Shanghai"], "32": ["江苏", "Jiangsu"], "33": ["浙江", "Zhejiang"], "34": ["安徽", "Anhui"],
  "35": ["福建", "Fujian"], "36": ["江西", "Jiangxi"], "37": ["山东", "Shandong"], "41": ["河南", "Henan"],
  "42": ["湖北", "Hubei"], "43": ["湖南", "Hunan"], "44": ["广东", "Guangdong"], "45": ["广西", "Guangxi"],
  "46": ["海南", "Hainan"], "50": ["重庆", "Chongqing"], "51": ["四川", "Sichuan"], "52": ["贵州", "Guizhou"],
  "53": ["云南", "Yunnan"], "54": ["西藏", "Tibet"], "61": ["陕西", "Shaanxi"], "62": ["甘肃", "Gansu"],
  "63": ["青海", "Qinghai"], "64": ["宁夏", "Ningxia"], "65": ["新疆", "Xinjiang"], "71": ["台湾", "Taiwan"],
  "81": ["香港", "Hong Kong"], "82": ["澳门", "Macao"],
};

/** The carrier groups' names, for codes the registry's demo and real data use. */
const CARRIER_GROUPS: Record<string, [string, string]> = {
  CT: ["中国电信", "China Telecom"],
  CM: ["中国移动", "China Mobile"],
  CU: ["中国联通", "China Unicom"],
  CBN: ["中国广电", "China Broadnet"],
};

export interface I18n {
  lang: Lang;
  locale: string;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** An API enum value in words ("reason" + "TELECOM_FRAUD"); the value itself when the dictionary lacks it. */
  label(prefix: "reason" | "state" | "status" | "role" | "targetKind", value: string): string;
  province(code: string | null): string;
  /** A carrier group's name with its code ("中国电信 CT"); other codes as they are. */
  carrier(code: string): string;
  int(value: number): string;
  /** A rate between 0 and 1 as a percentage with one decimal. */
  pct(value: number | null): string;
  /** A gap in rate (0.021) as percentage points ("2.1 个百分点"). */
  points(value: number): string;
  cny(value: number): string;
  time(iso: string | null): string;
  /** A time in a table: day and minute, the year only when it is not this year's. */
  when(iso: string): string;
  date(ymd: string): string;
  duration(seconds: number | null): string;
}

export function createI18n(lang: Lang): I18n {
  const dictionary = DICTIONARIES[lang];
  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const oneDecimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const yuan = new Intl.NumberFormat(locale, { style: "currency", currency: "CNY", currencyDisplay: lang === "zh" ? "symbol" : "code" });
  const timeFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const shortTime = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const yearTime = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const unit = (name: string) => new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: "short", maximumFractionDigits: 1 });
  const [seconds, minutes, hours] = [unit("second"), unit("minute"), unit("hour")];
  const t = (key: MessageKey, vars: Record<string, string | number> = {}) =>
    dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  const index = lang === "zh" ? 0 : 1;
  return {
    lang,
    locale,
    t,
    label: (prefix, value) => (dictionary as Record<string, string>)[prefix + value] ?? value,
    province: (code) => (code === null ? dictionary.noProvince : PROVINCES[code]?.[index] ?? code),
    carrier: (code) => (CARRIER_GROUPS[code] ? `${CARRIER_GROUPS[code][index]} ${code}` : code),
    int: (value) => integer.format(value),
    pct: (value) => (value === null ? "—" : percent.format(value)),
    points: (value) => t("points", { value: oneDecimal.format(Math.abs(value) * 100) }),
    cny: (value) => yuan.format(value),
    time: (iso) => (iso ? timeFormat.format(new Date(iso)) : "—"),
    when: (iso) => {
      const at = new Date(iso);
      return (at.getFullYear() === new Date().getFullYear() ? shortTime : yearTime).format(at);
    },
    date: (ymd) => dateFormat.format(new Date(`${ymd}T00:00:00Z`)),
    duration: (value) => {
      if (value === null) return "—";
      if (value < 120) return seconds.format(value);
      if (value < 7200) return minutes.format(value / 60);
      return hours.format(value / 3600);
    },
  };
}

export const I18nContext = createContext<I18n>(createI18n("zh"));
export const useI18n = () => useContext(I18nContext);

/** The language kept from the last visit (not a secret: localStorage), else Chinese. */
export function initialLang(): Lang {
  try {
    return localStorage.getItem("registry-console-lang") === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem("registry-console-lang", lang);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}

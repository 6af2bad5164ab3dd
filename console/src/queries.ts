// The operations the console sends, by API.md's names, and the shapes of their answers.

export type Dimension = "PROVINCE" | "CARRIER" | "RESELLER";

export interface Standing {
  campaignName: string | null;
  targetDate: string | null;
  target: number | null;
  gap: number | null;
  daysToTarget: number | null;
}

export interface ComplianceFigures extends Standing {
  inService: number;
  verified: number;
  realNameRate: number | null;
  suspended: number;
  forceStopped: number;
  complaints: number;
}

export interface ComplianceRow extends ComplianceFigures {
  carrierCode: string | null;
  province: string | null;
  resellerCode: string | null;
}

export interface ComplianceReport {
  at: string;
  rows: ComplianceRow[];
  totals: ComplianceFigures;
}

const STANDING = "campaignName targetDate target gap daysToTarget";
const FIGURES = `inService verified realNameRate suspended forceStopped complaints ${STANDING}`;

export const COMPLIANCE_REPORT = `query ConsoleComplianceReport($groupBy: [ComplianceDimension!]!, $filter: ComplianceFilter) {
  complianceReport(groupBy: $groupBy, filter: $filter) {
    at
    rows { carrierCode province resellerCode ${FIGURES} }
    totals { ${FIGURES} }
  }
}`;

export interface ComplianceDay {
  date: string;
  rows: { carrierCode: string | null; province: string | null; inService: number; verified: number; realNameRate: number | null }[];
  totals: { inService: number; verified: number; realNameRate: number | null };
}

export const COMPLIANCE_HISTORY = `query ConsoleComplianceHistory($groupBy: [ComplianceDimension!]!, $from: String!, $to: String!) {
  complianceHistory(groupBy: $groupBy, from: $from, to: $to) {
    date
    rows { carrierCode province inService verified realNameRate }
    totals { inService verified realNameRate }
  }
}`;

export type ItemState = "NOTIFIED" | "ACKNOWLEDGED" | "EXECUTED";

export interface ShutdownItem {
  number: string;
  carrier: { code: string };
  previousStatus: string | null;
  state: ItemState;
  acknowledgedAt: string | null;
  executedAt: string | null;
  overdue: boolean | null;
}

export interface ShutdownOrder {
  id: string;
  status: "IN_EFFECT" | "LIFTED";
  caseNumber: string;
  reason: string;
  issuedAt: string;
  acknowledgementDeadline: string;
  executionDeadline: string;
  unknownNumbers: string[];
  items: ShutdownItem[];
}

const ORDER = `id status caseNumber reason issuedAt acknowledgementDeadline executionDeadline unknownNumbers
  items { number carrier { code } previousStatus state acknowledgedAt executedAt overdue }`;

export interface Connection<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean };
  edges: { node: T }[];
}

/** Up to 500 orders (the API's largest page), newest first. */
export const SHUTDOWN_ORDERS = `query ConsoleShutdownOrders($filter: ShutdownOrderFilter) {
  shutdownOrders(filter: $filter, first: 500) { totalCount pageInfo { hasNextPage } edges { node { ${ORDER} } } }
}`;

export const ISSUE_SHUTDOWN_ORDER = `mutation ConsoleIssueShutdownOrder($input: IssueShutdownOrderInput!) {
  issueShutdownOrder(input: $input) { ${ORDER} }
}`;

export const ACKNOWLEDGE_SHUTDOWN = `mutation ConsoleAcknowledgeShutdown($orderId: ID!) {
  acknowledgeShutdown(orderId: $orderId) { ${ORDER} }
}`;

export const CONFIRM_SHUTDOWN_EXECUTED = `mutation ConsoleConfirmShutdownExecuted($orderId: ID!) {
  confirmShutdownExecuted(orderId: $orderId) { ${ORDER} }
}`;

export interface CarrierShutdownPerformance {
  carrier: { code: string };
  items: number;
  acknowledged: number;
  executed: number;
  acknowledgedLate: number;
  executedLate: number;
  acknowledgeP50Seconds: number | null;
  acknowledgeP95Seconds: number | null;
  executeP50Seconds: number | null;
  executeP95Seconds: number | null;
  overdue: number;
}

export const SHUTDOWN_PERFORMANCE = `query ConsoleShutdownPerformance($from: String!, $to: String!) {
  shutdownPerformance(from: $from, to: $to) {
    carrier { code } items acknowledged executed acknowledgedLate executedLate acknowledgeP50Seconds acknowledgeP95Seconds executeP50Seconds executeP95Seconds overdue
  }
}`;

export interface HotNumber {
  number: string;
  reports: number;
  carrier: { code: string } | null;
  reseller: { code: string } | null;
}

export const HOT_NUMBERS = `query ConsoleHotNumbers { hotNumbers(first: 20) { number reports carrier { code } reseller { code } } }`;

export interface Penalty {
  id: string;
  decisionDate: string;
  targetName: string;
  targetKind: "ORGANIZATION" | "PERSON";
  targetOrgCode: string | null;
  fineCny: number;
  legalBasis: string;
  published: boolean;
  blacklisted: boolean;
}

export const PENALTIES = `query ConsolePenalties {
  penalties(first: 10) { totalCount edges { node { id decisionDate targetName targetKind targetOrgCode fineCny legalBasis published blacklisted } } }
}`;

export interface Organization {
  code: string;
  name: string;
  kind: string;
  province: string | null;
}

export const ORGANIZATION = `query ConsoleOrganization($code: String!) { organization(code: $code) { code name kind province } }`;

export const SHUTDOWN_REASONS = ["TELECOM_FRAUD", "HARASSMENT", "ILLEGAL_MARKETING", "SPOOFING", "OTHER"] as const;

const chinaDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });

/** Today and n days before it, as the API's days (YYYY-MM-DD in China Standard Time). */
export function lastDays(n: number): { from: string; to: string } {
  const now = Date.now();
  return { from: chinaDay.format(new Date(now - n * 86_400_000)), to: chinaDay.format(new Date(now)) };
}

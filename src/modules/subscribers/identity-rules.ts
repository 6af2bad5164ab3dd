/**
 * Real-name identity (DESIGN.md, "Subscribers and real-name identity"): the
 * statuses, papers, checks and flags, and what verification requires.
 */
export enum IdentityStatus {
  DRAFT = "DRAFT",
  SUBMITTED = "SUBMITTED",
  VERIFIED = "VERIFIED",
  REJECTED = "REJECTED",
  EXPIRED = "EXPIRED",
  REVOKED = "REVOKED",
}

export enum DocumentKind {
  BUSINESS_LICENSE = "BUSINESS_LICENSE",
  LEGAL_REP_ID = "LEGAL_REP_ID",
  HANDLER_ID = "HANDLER_ID",
  AUTHORIZATION_LETTER = "AUTHORIZATION_LETTER",
  SECURITY_COMMITMENT = "SECURITY_COMMITMENT",
  VERIFICATION_VIDEO = "VERIFICATION_VIDEO",
  SUPPLEMENTARY_AGREEMENT = "SUPPLEMENTARY_AGREEMENT",
  ORG_CODE_CERTIFICATE = "ORG_CODE_CERTIFICATE",
}

export enum CheckKind {
  LANDLINE_CALLBACK = "LANDLINE_CALLBACK",
  LANDLINE_RECHECK = "LANDLINE_RECHECK",
  VIDEO_REVIEW = "VIDEO_REVIEW",
  DOCUMENT_REVIEW = "DOCUMENT_REVIEW",
}

export enum CheckOutcome {
  PASSED = "PASSED",
  FAILED = "FAILED",
}

export enum RiskSeverity {
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
}

export enum RiskKind {
  /** The same USCC registered under a different name. */
  DUPLICATE_USCC = "DUPLICATE_USCC",
  /** One legal representative behind more unrelated companies than the limit. */
  LEGAL_REP_SPREAD = "LEGAL_REP_SPREAD",
  /** The same paper (same SHA-256) attached to another company. */
  SHARED_DOCUMENT = "SHARED_DOCUMENT",
  EXPIRED_DOCUMENT = "EXPIRED_DOCUMENT",
  COMPLAINTS = "COMPLAINTS",
}

/** The five papers and the video every verification needs, unexpired. */
export const REQUIRED_PAPERS: readonly DocumentKind[] = [
  DocumentKind.BUSINESS_LICENSE,
  DocumentKind.LEGAL_REP_ID,
  DocumentKind.HANDLER_ID,
  DocumentKind.AUTHORIZATION_LETTER,
  DocumentKind.SECURITY_COMMITMENT,
  DocumentKind.VERIFICATION_VIDEO,
];

/** Who performs each check: the call-back is the reseller's, its re-check the carrier's. */
export const CHECK_PERFORMER: Record<CheckKind, "RESELLER" | "CARRIER" | "EITHER"> = {
  [CheckKind.LANDLINE_CALLBACK]: "RESELLER",
  [CheckKind.LANDLINE_RECHECK]: "CARRIER",
  [CheckKind.VIDEO_REVIEW]: "EITHER",
  [CheckKind.DOCUMENT_REVIEW]: "EITHER",
};

/** Identity statuses a reseller may submit from. */
export const SUBMITTABLE: readonly IdentityStatus[] = [IdentityStatus.DRAFT, IdentityStatus.REJECTED, IdentityStatus.EXPIRED];

export interface PaperOnFile {
  kind: DocumentKind;
  expiresOn: string | null;
}

export interface CheckOnFile {
  kind: CheckKind;
  outcome: CheckOutcome;
  organizationId: string;
}

export interface VerificationFacts {
  /** The latest paper of each kind. */
  papers: PaperOnFile[];
  /** The latest check of each kind. */
  checks: CheckOnFile[];
  openHighFlags: string[];
  /** Today, YYYY-MM-DD, by the database clock. */
  today: string;
}

/** What stands between a subscriber and VERIFIED; empty when nothing does. `forApproval` adds the carrier's part. */
export function unmetRequirements(facts: VerificationFacts, forApproval: boolean): string[] {
  const unmet: string[] = [];
  const latest = new Map(facts.papers.map((p) => [p.kind, p]));
  for (const kind of REQUIRED_PAPERS) {
    const paper = latest.get(kind);
    if (!paper) unmet.push(`${kind} is missing`);
    else if (paper.expiresOn !== null && paper.expiresOn <= facts.today) unmet.push(`${kind} expired on ${paper.expiresOn}`);
  }
  const check = new Map(facts.checks.map((c) => [c.kind, c]));
  const callback = check.get(CheckKind.LANDLINE_CALLBACK);
  if (!callback) unmet.push("no LANDLINE_CALLBACK has been recorded");
  else if (callback.outcome !== CheckOutcome.PASSED) unmet.push("the latest LANDLINE_CALLBACK FAILED");
  if (forApproval) {
    const recheck = check.get(CheckKind.LANDLINE_RECHECK);
    if (!recheck) unmet.push("no LANDLINE_RECHECK has been recorded");
    else if (recheck.outcome !== CheckOutcome.PASSED) unmet.push("the latest LANDLINE_RECHECK FAILED");
    else if (callback && recheck.organizationId === callback.organizationId) {
      unmet.push("the LANDLINE_RECHECK was made by the organisation that made the call-back");
    }
    for (const flag of facts.openHighFlags) unmet.push(`an open HIGH risk flag: ${flag}`);
  }
  return unmet;
}

import { IdentityStatus } from "./identity-rules";

/**
 * The identity status machine (DESIGN.md, "Subscribers and real-name identity"): one table of legal
 * moves, mirrored by the identity_status_transitions table and its trigger in the database.
 */
const I = IdentityStatus;

/** Every legal change of identity status. Staying in the same status is not a change. */
export const IDENTITY_TRANSITIONS: Readonly<Record<IdentityStatus, readonly IdentityStatus[]>> = {
  [I.DRAFT]: [I.SUBMITTED, I.REVOKED],
  // The carrier decides.
  [I.SUBMITTED]: [I.VERIFIED, I.REJECTED, I.REVOKED],
  // Papers corrected, submitted again.
  [I.REJECTED]: [I.SUBMITTED, I.REVOKED],
  // A paper lapsed (the sweep).
  [I.VERIFIED]: [I.EXPIRED, I.REVOKED],
  // Renewed papers, submitted again.
  [I.EXPIRED]: [I.SUBMITTED, I.REVOKED],
  // Papers forged or borrowed: for ever.
  [I.REVOKED]: [],
};

export const IDENTITY_STATUSES = Object.values(IdentityStatus);

/** The statuses a subscriber may reach `to` from. */
export function identityMovesInto(to: IdentityStatus): IdentityStatus[] {
  return IDENTITY_STATUSES.filter((from) => IDENTITY_TRANSITIONS[from].includes(to));
}

/** null when the move is legal, else why not (for a CONFLICT error). */
export function identityRefusal(from: IdentityStatus, to: IdentityStatus): string | null {
  if (from === I.REVOKED) return "the subscriber's identity was revoked: it never changes again";
  if (IDENTITY_TRANSITIONS[from].includes(to)) return null;
  return `a ${from} subscriber does not become ${to}; only ${identityMovesInto(to).join(", ")} ones do`;
}

/** Every legal (from, to) pair, as the database table holds them. */
export function identityTransitionPairs(): [IdentityStatus, IdentityStatus][] {
  return IDENTITY_STATUSES.flatMap((from) => IDENTITY_TRANSITIONS[from].map((to) => [from, to] as [IdentityStatus, IdentityStatus]));
}

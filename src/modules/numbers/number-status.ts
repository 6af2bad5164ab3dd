/**
 * The number status machine (DESIGN.md, "Numbers"): one table of legal moves,
 * mirrored by the number_status_transitions table and its trigger in the database.
 */
export enum NumberStatus {
  SPARE = "SPARE",
  RESERVED = "RESERVED",
  PENDING_VERIFICATION = "PENDING_VERIFICATION",
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
  FORCE_STOPPED = "FORCE_STOPPED",
  TERMINATED = "TERMINATED",
  AGING = "AGING",
}

export const NUMBER_STATUSES = Object.values(NumberStatus);

const S = NumberStatus;

/** Every legal change of status. Staying in the same status is not a change. */
export const TRANSITIONS: Readonly<Record<NumberStatus, readonly NumberStatus[]>> = {
  [S.SPARE]: [S.RESERVED, S.PENDING_VERIFICATION, S.FORCE_STOPPED],
  [S.RESERVED]: [S.SPARE, S.PENDING_VERIFICATION, S.FORCE_STOPPED],
  // Back to the reseller's stock before approval (never in service, so no aging): see ONLY_BY.
  [S.PENDING_VERIFICATION]: [S.SPARE, S.ACTIVE, S.SUSPENDED, S.TERMINATED, S.FORCE_STOPPED],
  [S.ACTIVE]: [S.SUSPENDED, S.TERMINATED, S.FORCE_STOPPED],
  [S.SUSPENDED]: [S.ACTIVE, S.TERMINATED, S.FORCE_STOPPED],
  // Only lifting the last order on a number takes it out, back to what it was.
  [S.FORCE_STOPPED]: [S.SPARE, S.RESERVED, S.PENDING_VERIFICATION, S.ACTIVE, S.SUSPENDED, S.TERMINATED, S.AGING],
  // A number never passes from one subscriber to another without TERMINATED and AGING.
  [S.TERMINATED]: [S.AGING, S.FORCE_STOPPED],
  [S.AGING]: [S.SPARE, S.FORCE_STOPPED],
};

/** What moves a number: each route may make only some of the legal moves. */
export enum ChangeCause {
  PUBLISH = "PUBLISH",
  SYNC = "SYNC",
  WHOLESALE = "WHOLESALE",
  SHUTDOWN = "SHUTDOWN",
  LIFT = "LIFT",
  /** A reseller reserves a number for a customer. */
  RESERVE = "RESERVE",
  /** A reseller releases its reservation early. */
  RELEASE = "RELEASE",
  /** A reseller assigns a number to a subscriber. */
  ASSIGN = "ASSIGN",
  /** A reseller takes back a number assigned by mistake, before approval. */
  UNASSIGN = "UNASSIGN",
  /** A subscriber's identity is verified, or revoked. */
  VERIFY = "VERIFY",
  REVOKE = "REVOKE",
  /** A regulator or carrier suspends a number. */
  SUSPEND = "SUSPEND",
  /** A scheduled sweep: a reservation lapsed, a deadline passed, a period ended. */
  SWEEP = "SWEEP",
  /** The carrier received the number's deposit: a number waiting only for it goes into service. */
  DEPOSIT = "DEPOSIT",
}

/** The statuses a carrier's own records may set through syncNumbers; the rest have their own routes. */
export const SYNC_TARGETS: readonly NumberStatus[] = [S.SPARE, S.SUSPENDED, S.TERMINATED, S.AGING];

const ROUTE_OF: Partial<Record<NumberStatus, string>> = {
  [S.RESERVED]: "a reseller's reservation",
  [S.PENDING_VERIFICATION]: "a reseller's assignment to a subscriber",
  [S.ACTIVE]: "the carrier's approval of a verified subscriber",
  [S.FORCE_STOPPED]: "an emergency shutdown order",
};

/**
 * Moves only some causes may make: a pending number leaves its subscriber only by the reseller or the sweep,
 * never by a sync; and the quarantine ends only by the sweep, when its period has run (a carrier's sync may
 * start a number's aging, never end it).
 */
export const ONLY_BY: Readonly<Partial<Record<`${NumberStatus}>${NumberStatus}`, readonly ChangeCause[]>>> = {
  "PENDING_VERIFICATION>SPARE": [ChangeCause.UNASSIGN, ChangeCause.SWEEP],
  "AGING>SPARE": [ChangeCause.SWEEP],
};

/** null when the move is legal for this cause, else why not (for a reject reason or an error). */
export function refusal(from: NumberStatus, to: NumberStatus, cause: ChangeCause): string | null {
  if (from === to) return null;
  if (from === S.FORCE_STOPPED && cause !== ChangeCause.LIFT) {
    return "the number is FORCE_STOPPED: only lifting the shutdown order changes its status";
  }
  if (to === S.FORCE_STOPPED && cause !== ChangeCause.SHUTDOWN) return `FORCE_STOPPED is set only by ${ROUTE_OF[to]}`;
  if (cause === ChangeCause.SYNC && !SYNC_TARGETS.includes(to)) {
    return `${to} is not set by a sync: it follows ${ROUTE_OF[to] ?? "its own route"}`;
  }
  if (!TRANSITIONS[from].includes(to)) return `illegal transition ${from} → ${to}`;
  const only = ONLY_BY[`${from}>${to}`];
  if (only && !only.includes(cause)) return `${from} → ${to} is made only by ${only.join(" or ")}, not ${cause}`;
  return null;
}

/** Every legal (from, to) pair, as the database table holds them. */
export function transitionPairs(): [NumberStatus, NumberStatus][] {
  return NUMBER_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to] as [NumberStatus, NumberStatus]));
}

/** Every (from, to) pair this cause may not make, with refusal()'s reason: the table a set-based check joins. */
export function refusalTable(cause: ChangeCause): { from: NumberStatus; to: NumberStatus; reason: string }[] {
  return NUMBER_STATUSES.flatMap((from) =>
    NUMBER_STATUSES.flatMap((to) => {
      const reason = refusal(from, to, cause);
      return reason === null ? [] : [{ from, to, reason }];
    }),
  );
}

import { Role } from "./roles";

/**
 * Capabilities. Code and shield rules speak of these, never of role names;
 * ROLE_PERMISSIONS below is the one table that grants them.
 */
export enum Permission {
  /** Look up numbers, report them, read published penalties: anyone, no token. */
  PUBLIC_READ = "PUBLIC_READ",
  /** Read organisations the viewer may see (own tree; all for oversight roles). */
  ORGANIZATION_READ = "ORGANIZATION_READ",
  /** Create organisations of any kind. */
  ORGANIZATION_MANAGE = "ORGANIZATION_MANAGE",
  /** Read every organisation, not only the viewer's own tree. */
  ORGANIZATION_READ_ALL = "ORGANIZATION_READ_ALL",
  /** Read numbers and their change feed; which rows, the numbers service decides. */
  NUMBER_READ = "NUMBER_READ",
  /** Publish allocations, sync numbers, wholesale them to resellers. */
  NUMBER_ALLOCATE = "NUMBER_ALLOCATE",
  /** Read subscribers, their papers, checks and flags; which rows, the subscribers service decides. */
  SUBSCRIBER_READ = "SUBSCRIBER_READ",
  /** Reserve numbers, register subscribers, attach papers, submit, assign numbers: a reseller's part. */
  SUBSCRIBER_REGISTER = "SUBSCRIBER_REGISTER",
  /** Record verification checks (the landline call-back and its re-check, reviews). */
  SUBSCRIBER_CHECK = "SUBSCRIBER_CHECK",
  /** Approve or reject a submitted subscriber, override a risk flag: the carrier's part. */
  SUBSCRIBER_APPROVE = "SUBSCRIBER_APPROVE",
  /** Revoke an identity found forged or borrowed. */
  SUBSCRIBER_REVOKE = "SUBSCRIBER_REVOKE",
  /** Everything held under one company or one legal representative. */
  HOLDINGS_READ = "HOLDINGS_READ",
  /** Open, close and list a police bureau's cases, which unmask resident ID numbers while open. */
  CASE_MANAGE = "CASE_MANAGE",
  /** Open verification campaigns. */
  CAMPAIGN_MANAGE = "CAMPAIGN_MANAGE",
  /** Read shutdown orders; which ones and which items, the shutdown service decides. */
  SHUTDOWN_READ = "SHUTDOWN_READ",
  /** Issue and lift emergency shutdown orders. */
  SHUTDOWN_ISSUE = "SHUTDOWN_ISSUE",
  /** Receive, acknowledge and confirm the execution of shutdown orders: the carrier's part. */
  SHUTDOWN_EXECUTE = "SHUTDOWN_EXECUTE",
  /** The most-reported numbers, audit trails: the regulator's views. */
  COMPLIANCE_READ = "COMPLIANCE_READ",
  /** Real-name compliance figures and their history, of the numbers the viewer reaches (a carrier: its subtree's, by its resellers too). */
  COMPLIANCE_FIGURES = "COMPLIANCE_FIGURES",
  /** Suspend a number (a regulator anywhere in its scope, a carrier its subtree's). */
  NUMBER_SUSPEND = "NUMBER_SUSPEND",
  /** Record and publish administrative penalties, and blacklist their targets. */
  PENALTY_MANAGE = "PENALTY_MANAGE",
  /** Register trunk lines and record inspections: the carrier's part. */
  TRUNK_MANAGE = "TRUNK_MANAGE",
  /** Approve a trunk line for one department (one person, one department): a person's judgement. */
  TRUNK_APPROVE = "TRUNK_APPROVE",
  /** Suspend and reinstate trunk lines (a carrier its subtree's, a regulator those of its province; which ones, the trunks service decides). */
  TRUNK_SUSPEND = "TRUNK_SUSPEND",
  /** Read trunk lines; which ones, the trunks service decides. */
  TRUNK_READ = "TRUNK_READ",
  /** Ask whether calls may present their caller numbers on a trunk (the switch's check). */
  CALLER_VERIFY = "CALLER_VERIFY",
  /** Read the do-not-originate list: numbers never shown as a caller. */
  DNO_READ = "DNO_READ",
  /** Record that a person refused marketing calls. */
  MARKETING_REFUSAL = "MARKETING_REFUSAL",
  /** Read the refusals of marketing calls one must honour; which ones, the service decides. */
  MARKETING_REFUSAL_READ = "MARKETING_REFUSAL_READ",
  /** Set and retire the carriers' official outbound marketing numbers (a national regulator: parties.ts). */
  MARKETING_NUMBER_MANAGE = "MARKETING_NUMBER_MANAGE",
  /**
   * Manage an organisation's own integration: its API clients and webhooks (which organisation's, the
   * policy decides: ADMIN any, an administrator its own). Held by ADMIN, and by the tokens of those
   * roles in ORG_ADMIN_ROLES that are marked `admin`.
   */
  ORG_ADMIN = "ORG_ADMIN",
  /** Set the deposit schedule: national, or a provincial regulator's own province (parties.ts). */
  DEPOSIT_SCHEDULE = "DEPOSIT_SCHEDULE",
  /** Record a deposit's money received and refunded: the carrier that holds the number. */
  DEPOSIT_RECORD = "DEPOSIT_RECORD",
  /** Read deposits; which ones, the deposits policy decides. */
  DEPOSIT_READ = "DEPOSIT_READ",
  /** Confirm that numbers an order stopped were used for fraud: their deposits are forfeited. */
  FRAUD_CONFIRM = "FRAUD_CONFIRM",
}

const AUTHENTICATED = [Permission.PUBLIC_READ, Permission.ORGANIZATION_READ];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  [Role.PUBLIC]: [Permission.PUBLIC_READ],
  [Role.CARRIER]: [
    ...AUTHENTICATED, Permission.NUMBER_READ, Permission.NUMBER_ALLOCATE, Permission.SUBSCRIBER_READ,
    Permission.SUBSCRIBER_CHECK, Permission.SUBSCRIBER_APPROVE, Permission.SUBSCRIBER_REVOKE,
    Permission.SHUTDOWN_READ, Permission.SHUTDOWN_EXECUTE, Permission.NUMBER_SUSPEND,
    Permission.TRUNK_MANAGE, Permission.TRUNK_APPROVE, Permission.TRUNK_SUSPEND, Permission.TRUNK_READ, Permission.CALLER_VERIFY, Permission.DNO_READ, Permission.MARKETING_REFUSAL,
    Permission.MARKETING_REFUSAL_READ, Permission.COMPLIANCE_FIGURES, Permission.DEPOSIT_RECORD, Permission.DEPOSIT_READ,
  ],
  [Role.RESELLER]: [
    ...AUTHENTICATED, Permission.NUMBER_READ, Permission.SUBSCRIBER_READ, Permission.SUBSCRIBER_REGISTER, Permission.SUBSCRIBER_CHECK,
    Permission.DEPOSIT_READ,
  ],
  [Role.CALL_CENTER]: [...AUTHENTICATED, Permission.TRUNK_READ, Permission.DNO_READ, Permission.MARKETING_REFUSAL, Permission.MARKETING_REFUSAL_READ],
  [Role.POLICE]: [
    ...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.NUMBER_READ, Permission.SUBSCRIBER_READ, Permission.HOLDINGS_READ,
    Permission.SHUTDOWN_READ, Permission.SHUTDOWN_ISSUE, Permission.TRUNK_READ, Permission.CASE_MANAGE, Permission.FRAUD_CONFIRM,
  ],
  [Role.REGULATOR]: [
    ...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.NUMBER_READ, Permission.SUBSCRIBER_READ,
    Permission.SUBSCRIBER_REVOKE, Permission.HOLDINGS_READ, Permission.CAMPAIGN_MANAGE, Permission.SHUTDOWN_READ, Permission.SHUTDOWN_ISSUE,
    Permission.COMPLIANCE_READ, Permission.COMPLIANCE_FIGURES, Permission.NUMBER_SUSPEND, Permission.PENALTY_MANAGE, Permission.TRUNK_READ, Permission.TRUNK_SUSPEND, Permission.DNO_READ,
    Permission.MARKETING_NUMBER_MANAGE, Permission.DEPOSIT_SCHEDULE, Permission.DEPOSIT_READ, Permission.FRAUD_CONFIRM,
  ],
  [Role.ADMIN]: [...AUTHENTICATED, Permission.ORGANIZATION_READ_ALL, Permission.ORGANIZATION_MANAGE, Permission.ORG_ADMIN],
};

/** The roles whose tokens may be marked `admin`: the organisation's own administrators (ORG_ADMIN). */
export const ORG_ADMIN_ROLES: readonly Role[] = [Role.CARRIER, Role.RESELLER, Role.POLICE, Role.REGULATOR];

/**
 * A person's judgement, never a machine's: an API client's role holds none of these (each client is a
 * subject of its own, so a machine could otherwise stand in for several people where a rule asks for
 * different ones, such as one approver per department).
 */
export const JUDGEMENTS: readonly Permission[] = [
  Permission.SUBSCRIBER_APPROVE, Permission.SUBSCRIBER_REVOKE, Permission.TRUNK_APPROVE, Permission.PENALTY_MANAGE, Permission.ORG_ADMIN,
  Permission.DEPOSIT_SCHEDULE, Permission.FRAUD_CONFIRM,
];

/** Who holds a credential: a person, one of an organisation's administrators, or a machine (an API client). */
export type Holder = "person" | "administrator" | "machine";

const setOf = (permissions: readonly Permission[]) => new Set(permissions) as ReadonlySet<Permission>;
const PERMISSION_SETS: Record<Holder, Map<Role, ReadonlySet<Permission>>> = {
  person: new Map((Object.keys(ROLE_PERMISSIONS) as Role[]).map((role) => [role, setOf(ROLE_PERMISSIONS[role])])),
  // ORG_ADMIN for the roles that may have administrators; the rest as a person.
  administrator: new Map(
    (Object.keys(ROLE_PERMISSIONS) as Role[]).map((role) => [
      role, setOf(ORG_ADMIN_ROLES.includes(role) ? [...ROLE_PERMISSIONS[role], Permission.ORG_ADMIN] : ROLE_PERMISSIONS[role]),
    ]),
  ),
  machine: new Map((Object.keys(ROLE_PERMISSIONS) as Role[]).map((role) => [role, setOf(ROLE_PERMISSIONS[role].filter((p) => !JUDGEMENTS.includes(p)))])),
};

/** A role's permissions as its holder has them: one shared set per case, made once. */
export function permissionsOf(role: Role, holder: Holder = "person"): ReadonlySet<Permission> {
  return PERMISSION_SETS[holder].get(role)!;
}

/** Every permission set a viewer can hold (each role as each kind of holder): what a permission's reach is checked against. */
export const ALL_PERMISSION_SETS: readonly ReadonlySet<Permission>[] = [
  ...new Set(Object.values(PERMISSION_SETS).flatMap((sets) => [...sets.values()])),
];

import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

export enum TrunkPurpose {
  CUSTOMER_SERVICE = "CUSTOMER_SERVICE",
  MARKETING = "MARKETING",
  NOTIFICATION = "NOTIFICATION",
}

export enum TrunkStatus {
  PENDING_APPROVAL = "PENDING_APPROVAL",
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
}

export enum CallerDecision {
  ALLOW = "ALLOW",
  BLOCK = "BLOCK",
}

/** Why a call is blocked, in the order the check tries them: the first that applies is the answer. */
export enum BlockReason {
  TRUNK_UNKNOWN = "TRUNK_UNKNOWN",
  TRUNK_NOT_ACTIVE = "TRUNK_NOT_ACTIVE",
  CALL_CENTER_BLACKLISTED = "CALL_CENTER_BLACKLISTED",
  CALLER_IS_400 = "CALLER_IS_400",
  CALLER_NOT_AUTHORISED = "CALLER_NOT_AUTHORISED",
  CALLER_STOPPED = "CALLER_STOPPED",
  CALLER_SUSPENDED = "CALLER_SUSPENDED",
  CALLEE_ON_DO_NOT_CALL = "CALLEE_ON_DO_NOT_CALL",
  CALLEE_REFUSED_MARKETING = "CALLEE_REFUSED_MARKETING",
}

export enum DoNotOriginateReason {
  FOUR_HUNDRED = "FOUR_HUNDRED",
  STOPPED = "STOPPED",
}

registerEnumType(TrunkPurpose, { name: "TrunkPurpose" });
registerEnumType(TrunkStatus, {
  name: "TrunkStatus",
  description: "PENDING_APPROVAL until every required department approves; then ACTIVE; SUSPENDED by its carrier or a regulator; reinstated to PENDING_APPROVAL for a new round",
});
registerEnumType(CallerDecision, { name: "CallerDecision" });
registerEnumType(BlockReason, {
  name: "CallerCheckReason",
  description: "Why a call is blocked, tried in this order: the trunk, its call centre, the caller number, then the callee's refusals (MARKETING trunks only)",
  valuesConfig: {
    TRUNK_UNKNOWN: { description: "Unknown, malformed, or outside your subtree" },
    TRUNK_NOT_ACTIVE: { description: "Awaiting approval, or suspended" },
    CALL_CENTER_BLACKLISTED: { description: "The call centre's company (USCC) or its legal representative is blacklisted: every call on its trunks" },
    CALLER_IS_400: { description: "A 400 or 800 number: never a caller" },
    CALLER_NOT_AUTHORISED: { description: "Not registered on this trunk" },
    CALLER_STOPPED: { description: "Force-stopped, or the fixed line of a revoked identity" },
    CALLER_SUSPENDED: { description: "No VERIFIED subscriber of the call centre's company holds it any more" },
    CALLEE_ON_DO_NOT_CALL: { description: "MARKETING trunks: the callee refused all marketing calls" },
    CALLEE_REFUSED_MARKETING: { description: "MARKETING trunks: the callee refused this call centre's marketing calls" },
  },
});
registerEnumType(DoNotOriginateReason, {
  name: "DoNotOriginateReason",
  description: "FOUR_HUNDRED: a 400 number (inbound only); STOPPED: force-stopped, or the fixed line of a revoked identity",
});

@ObjectType({ description: "A voice trunk a carrier rents to a call centre; never deleted" })
@Directive('@key(fields: "id")')
export class TrunkLine {
  @Field(() => ID)
  id: string;

  @Field(() => TrunkStatus)
  status: TrunkStatus;

  @Field(() => TrunkPurpose)
  purpose: TrunkPurpose;

  @Field(() => Int, { description: "Concurrent calls" })
  capacity: number;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code" })
  province: string | null;

  @Field(() => [String], { description: "The departments that must each approve it before it goes into service" })
  requiredDepartments: string[];

  @Field(() => Date)
  registeredAt: Date;

  @Field(() => Date, { nullable: true })
  activatedAt: Date | null;

  @Field(() => Date, { nullable: true })
  suspendedAt: Date | null;

  @Field(() => String, { nullable: true })
  suspensionReason: string | null;

  @Field(() => Int, { description: "The approval round: 1, and one more each time it is reinstated; approvals shows this round's" })
  approvalRound: number;

  @Field(() => Date, { nullable: true, description: "When it was last reinstated (its last suspension stays above)" })
  reinstatedAt: Date | null;

  @Field(() => String, { nullable: true })
  reinstatementReason: string | null;

  seq: string;
  carrierId: string;
  callCenterId: string;
}

@ObjectType({ description: "One department's approval of a trunk line" })
export class TrunkApproval {
  @Field()
  department: string;

  @Field({ description: "The user who approved" })
  approvedBy: string;

  @Field()
  note: string;

  @Field(() => Date)
  at: Date;

  trunkId: string;
}

@ObjectType({ description: "An on-site inspection of a trunk line's call centre" })
export class Inspection {
  @Field(() => ID)
  id: string;

  @Field({ description: "YYYY-MM-DD, the day of the inspection" })
  date: string;

  @Field()
  passed: boolean;

  @Field()
  findings: string;

  @Field({ description: "The user who recorded it" })
  inspector: string;

  @Field(() => Date, { description: "When it was recorded" })
  at: Date;

  trunkId: string;
}

// simpleResolvers: plain properties, read by graphql-js itself; a batch answers 2,000 of them.
@ObjectType({ description: "The answer for one call: ALLOW, or BLOCK with the first reason that applies", simpleResolvers: true })
export class CallerCheckResult {
  @Field(() => CallerDecision)
  decision: CallerDecision;

  @Field(() => BlockReason, {
    nullable: true,
    description:
      "null for ALLOW; otherwise the first that applies of TRUNK_UNKNOWN, TRUNK_NOT_ACTIVE, CALL_CENTER_BLACKLISTED, CALLER_IS_400, " +
      "CALLER_NOT_AUTHORISED, CALLER_STOPPED, CALLER_SUSPENDED, CALLEE_ON_DO_NOT_CALL, CALLEE_REFUSED_MARKETING, tried in that order",
  })
  reason: BlockReason | null;
}

@ObjectType({ description: "A person's refusal of marketing calls, from one caller organisation or from all" })
export class MarketingRefusal {
  @Field(() => ID)
  id: string;

  @Field({ description: "The number of the person who refused, in national form" })
  calleeNumber: string;

  @Field(() => Date)
  at: Date;

  callerOrgId: string | null;

  /** Recording order, the list's cursor. */
  seq: string;
}

@ObjectType({ description: "A number no switch may present as a caller" })
export class DoNotOriginateEntry {
  @Field()
  number: string;

  @Field(() => DoNotOriginateReason)
  reason: DoNotOriginateReason;
}

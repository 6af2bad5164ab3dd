import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";

/** What the public reports a number for (DESIGN.md, "Complaints, penalties, public look-up"). */
export enum ReportCategory {
  FRAUD = "FRAUD",
  HARASSMENT = "HARASSMENT",
  MARKETING = "MARKETING",
  /** A 400 number shown as the caller of an outgoing call: never allowed. */
  OUTBOUND_400_DISPLAY = "OUTBOUND_400_DISPLAY",
  OTHER = "OTHER",
}

export enum PenaltyTargetKind {
  ORGANIZATION = "ORGANIZATION",
  PERSON = "PERSON",
}

registerEnumType(ReportCategory, { name: "ReportCategory", description: "What a number is reported for" });
registerEnumType(PenaltyTargetKind, { name: "PenaltyTargetKind", description: "Whom a penalty is imposed on" });

@ObjectType({ description: "Proof that a report was received; nothing about who sent it" })
export class ReportReceipt {
  @Field(() => ID)
  id: string;

  @Field({ description: "Canonical ten digits" })
  number: string;

  @Field(() => ReportCategory)
  category: ReportCategory;

  @Field(() => Date)
  receivedAt: Date;
}

@ObjectType({ description: "A number reported often within the complaint window" })
export class HotNumber {
  @Field()
  number: string;

  @Field(() => Int, { description: "Reports within the complaint window" })
  reports: number;

  /** Null for a number the registry does not hold. */
  carrierId: string | null;
  resellerId: string | null;
}

@ObjectType({ description: "An administrative penalty (行政处罚); never deleted. A person's ID number is never shown in any form" })
export class Penalty {
  @Field(() => ID)
  id: string;

  @Field()
  targetName: string;

  @Field(() => PenaltyTargetKind)
  targetKind: PenaltyTargetKind;

  @Field(() => String, { nullable: true, description: "The penalised organisation's code, when it is a party to the registry" })
  targetOrgCode: string | null;

  @Field(() => String, { nullable: true, description: "The penalised company's Unified Social Credit Code" })
  targetUscc: string | null;

  @Field()
  facts: string;

  @Field()
  legalBasis: string;

  @Field(() => Float, { description: "CNY, to the fen" })
  fineCny: number;

  @Field(() => String, { nullable: true })
  correctionOrdered: string | null;

  @Field({ description: "YYYY-MM-DD" })
  decisionDate: string;

  @Field()
  published: boolean;

  @Field(() => Date, { nullable: true })
  publishedAt: Date | null;

  @Field({ description: "Whether the target gets no new numbers (the company by USCC, the person as legal representative)" })
  blacklisted: boolean;

  @Field(() => Date)
  createdAt: Date;

  seq: string;
}

@ObjectType("AuditEvent", { description: "One link of the audit chain" })
export class AuditTrailEvent {
  @Field({ description: "The event's place in the chain" })
  sequence: string;

  @Field(() => Date)
  at: Date;

  @Field({ description: "The user or system that acted" })
  actor: string;

  @Field(() => String, { nullable: true })
  orgCode: string | null;

  @Field()
  role: string;

  @Field({ description: "The mutation, or a read of personal data (read:Type.field)" })
  operation: string;

  @Field(() => [String])
  targets: string[];

  @Field({ description: "SUCCESS, or the error code the caller received" })
  outcome: string;

  @Field(() => String, { nullable: true })
  requestId: string | null;

  @Field({ description: "The hash of the event before it" })
  prevHash: string;

  @Field()
  hash: string;
}

import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { IsOptional, IsString } from "class-validator";
import { IsProvinceCode } from "../../shared/provinces";
import { ComplianceSnapshotSource } from "./compliance-snapshots";

export { ComplianceSnapshotSource };

export enum ComplianceDimension {
  CARRIER = "CARRIER",
  PROVINCE = "PROVINCE",
  RESELLER = "RESELLER",
}
registerEnumType(ComplianceDimension, { name: "ComplianceDimension", description: "What a compliance report is grouped by" });

registerEnumType(ComplianceSnapshotSource, { name: "ComplianceSnapshotSource", description: "What took a day's compliance snapshot" });

@InputType()
export class ComplianceFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => String, { nullable: true, description: "A carrier group or branch: its whole subtree" })
  @IsOptional()
  @IsString()
  carrierCode?: string | null;
}

/** The campaign target that applies to a group, and how far off it is. */
export interface TargetStanding {
  campaignName: string | null;
  targetDate: string | null;
  target: number | null;
  gap: number | null;
  daysToTarget: number | null;
}

/** Target fields, shared by rows and totals. */
@ObjectType("CampaignStanding", { description: "How a group stands against the campaign that covers it" })
class Standing implements TargetStanding {
  @Field(() => String, { nullable: true, description: "The campaign covering this scope (its province's, else a national one)" })
  campaignName: string | null;

  @Field(() => String, { nullable: true, description: "Its next target date (the last once all have passed), YYYY-MM-DD" })
  targetDate: string | null;

  @Field(() => Float, { nullable: true, description: "The rate due by targetDate" })
  target: number | null;

  @Field(() => Float, { nullable: true, description: "target − realNameRate: positive is behind" })
  gap: number | null;

  @Field(() => Int, { nullable: true, description: "Days from today to targetDate (negative once passed)" })
  daysToTarget: number | null;
}

@ObjectType({ description: "Figures for one group: in service = ACTIVE, PENDING_VERIFICATION, SUSPENDED or FORCE_STOPPED" })
export class ComplianceRow extends Standing {
  @Field(() => String, { nullable: true, description: "The carrier group, when grouped by CARRIER" })
  carrierCode: string | null;

  @Field(() => String, { nullable: true, description: "When grouped by PROVINCE; null for numbers without one" })
  province: string | null;

  @Field(() => String, { nullable: true, description: "When grouped by RESELLER; null for numbers no reseller holds" })
  resellerCode: string | null;

  @Field(() => Int)
  inService: number;

  @Field(() => Int, { description: "In service with a VERIFIED subscriber" })
  verified: number;

  @Field(() => Float, { nullable: true, description: "verified / inService; null with nothing in service" })
  realNameRate: number | null;

  @Field(() => Int)
  suspended: number;

  @Field(() => Int)
  forceStopped: number;

  @Field(() => Int, { description: "Reports from the public against these numbers" })
  complaints: number;
}

@ObjectType()
export class ComplianceTotals extends Standing {
  @Field(() => Int)
  inService: number;

  @Field(() => Int)
  verified: number;

  @Field(() => Float, { nullable: true })
  realNameRate: number | null;

  @Field(() => Int)
  suspended: number;

  @Field(() => Int)
  forceStopped: number;

  @Field(() => Int)
  complaints: number;
}

@ObjectType({ description: "Real-name compliance, now (or as of a past day's snapshot), from figures kept exact with every change" })
export class ComplianceReport {
  @Field(() => [ComplianceRow])
  rows: ComplianceRow[];

  @Field(() => ComplianceTotals)
  totals: ComplianceTotals;

  @Field(() => Date, { description: "As of (the database clock); with asOf, when that day's snapshot was taken" })
  at: Date;
}

@ObjectType({ description: "One day's compliance snapshot: the report as it stood when the day's last snapshot was taken" })
export class ComplianceDay {
  @Field({ description: "YYYY-MM-DD, the day in China Standard Time (UTC+8)" })
  date: string;

  @Field(() => [ComplianceRow])
  rows: ComplianceRow[];

  @Field(() => ComplianceTotals)
  totals: ComplianceTotals;

  @Field(() => Date, { description: "When the day's snapshot was taken (its last)" })
  at: Date;

  @Field(() => ComplianceSnapshotSource, { description: "What took it: DEMO marks the demo data's replayed history" })
  source: ComplianceSnapshotSource;
}

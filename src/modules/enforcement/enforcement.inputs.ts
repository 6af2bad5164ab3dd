import { IsBoolean, IsEnum, IsOptional, IsString, Length, Matches, MaxLength, Max, Min, ValidateBy } from "class-validator";
import { Field, Float, InputType } from "type-graphql";
import { isCalendarDate } from "../campaigns/campaign.inputs";
import { PenaltyTargetKind, ReportCategory } from "./enforcement.entity";

// The USCC, the resident ID number and the organisation code are checked in the
// service, which says exactly what is wrong; these are the plain shape rules.

/** The largest fine recorded, CNY: numeric(14, 2) holds below 10^12. */
export const MAX_FINE_CNY = 999_999_999_999.99;

/** A finite amount to the fen: 12.5 and 12.34 are, 12.345 and 1e-7 are not. */
export function isCnyAmount(value: unknown): value is number {
  // Exact: the nearest double to a two-decimal amount prints back as that amount.
  return typeof value === "number" && Number.isFinite(value) && Number(value.toFixed(2)) === value;
}

@InputType()
export class ReportNumberInput {
  @Field({ description: "The 400 number: 4001234567, 400-123-4567 or 400 123 4567" })
  @IsString()
  number: string;

  @Field(() => ReportCategory)
  @IsEnum(ReportCategory)
  category: ReportCategory;

  @Field(() => String, { nullable: true, description: "What happened, at most 2000 characters" })
  @IsOptional()
  @MaxLength(2000, { message: "description must be at most 2000 characters" })
  description?: string | null;
}

@InputType()
export class RecordPenaltyInput {
  @Field({ description: "The penalised organisation's or person's name" })
  @Length(1, 200, { message: "targetName must be 1-200 characters" })
  @Matches(/\S/, { message: "targetName must not be blank" })
  targetName: string;

  @Field(() => String, { nullable: true, description: "The penalised organisation's code, when it is a party to the registry" })
  @IsOptional()
  @IsString()
  targetOrgCode?: string | null;

  @Field(() => String, { nullable: true, description: "The penalised company's Unified Social Credit Code (GB 32100)" })
  @IsOptional()
  @IsString()
  targetUscc?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A PERSON's 18-character resident ID number, used only to blacklist them: kept as a keyed hash, never stored or shown",
  })
  @IsOptional()
  @IsString()
  targetIdNumber?: string | null;

  @Field(() => PenaltyTargetKind)
  @IsEnum(PenaltyTargetKind)
  targetKind: PenaltyTargetKind;

  @Field({ description: "The facts found" })
  @Length(1, 10_000, { message: "facts must be 1-10000 characters" })
  @Matches(/\S/, { message: "facts must not be blank" })
  facts: string;

  @Field({ description: "The legal basis, e.g. the article applied" })
  @Length(3, 1000, { message: "legalBasis must be 3-1000 characters" })
  legalBasis: string;

  @Field(() => Float, { description: "CNY, at most two decimals; 0 for none" })
  @ValidateBy({
    name: "isCnyAmount",
    validator: { validate: (value) => isCnyAmount(value), defaultMessage: () => "fineCny must be an amount in CNY with at most two decimals" },
  })
  @Min(0, { message: "fineCny must not be negative" })
  @Max(MAX_FINE_CNY, { message: "fineCny is larger than any fine" })
  fineCny: number;

  @Field(() => String, { nullable: true, description: "The correction ordered, if any" })
  @IsOptional()
  @MaxLength(2000, { message: "correctionOrdered must be at most 2000 characters" })
  correctionOrdered?: string | null;

  @Field({ description: "YYYY-MM-DD, not in the future" })
  @ValidateBy({
    name: "isCalendarDate",
    validator: { validate: (value) => isCalendarDate(value), defaultMessage: () => "decisionDate must be a real calendar date, YYYY-MM-DD" },
  })
  decisionDate: string;

  @Field({ description: "Publish it now; otherwise publishPenalty later" })
  @IsBoolean()
  publish: boolean;

  @Field({ description: "Blacklist the target: needs targetUscc for an ORGANIZATION, targetIdNumber for a PERSON" })
  @IsBoolean()
  blacklist: boolean;
}

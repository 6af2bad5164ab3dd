import { Field, ID, InputType, Int } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from "class-validator";
import { ORGANIZATION_CODE } from "../organizations/organization.inputs";
import { IsProvinceCode } from "../../shared/provinces";
import { TrunkPurpose, TrunkStatus } from "./trunk.entity";

export const MAX_CALLER_NUMBERS = 1_000;
export const MAX_CALLER_CHECKS = 1_000;

@InputType()
export class RegisterTrunkLineInput {
  @Field({ description: "The call centre that rents the trunk (an organisation of kind CALL_CENTER with a USCC)" })
  @Matches(ORGANIZATION_CODE, { message: "callCenterCode is not an organisation code" })
  callCenterCode: string;

  @Field(() => Int, { description: "Concurrent calls" })
  @IsInt()
  @Min(1, { message: "capacity must be at least 1 concurrent call" })
  @Max(1_000_000, { message: "capacity must be at most 1,000,000 concurrent calls" })
  capacity: number;

  @Field(() => TrunkPurpose)
  @IsEnum(TrunkPurpose)
  purpose: TrunkPurpose;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code; omitted: the carrier's" })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => [String], {
    description:
      "The numbers the call centre may present, in national form (02488886666, 13800138000): fixed lines of its " +
      `company's verified subscribers; never a 400 number. Up to ${MAX_CALLER_NUMBERS.toLocaleString("en")}`,
  })
  @ArrayMinSize(1, { message: "callerNumbers must list at least one number" })
  @ArrayMaxSize(MAX_CALLER_NUMBERS, { message: `a trunk line has at most ${MAX_CALLER_NUMBERS} caller numbers` })
  @IsString({ each: true })
  @MaxLength(32, { each: true, message: "a caller number is at most 32 characters" })
  callerNumbers: string[];
}

@InputType()
export class RecordInspectionInput {
  @Field({ description: "YYYY-MM-DD, the day of the inspection (not in the future)" })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: "date must be a date, YYYY-MM-DD" })
  date: string;

  @Field()
  @IsBoolean()
  passed: boolean;

  @Field({ description: "What the inspectors found" })
  @Length(1, 5000, { message: "findings must be 1-5000 characters" })
  @Matches(/\S/, { message: "findings must not be blank" })
  findings: string;
}

@InputType()
export class TrunkLineFilter {
  @Field(() => TrunkStatus, { nullable: true })
  @IsOptional()
  @IsEnum(TrunkStatus)
  status?: TrunkStatus | null;

  @Field(() => TrunkPurpose, { nullable: true })
  @IsOptional()
  @IsEnum(TrunkPurpose)
  purpose?: TrunkPurpose | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(ORGANIZATION_CODE, { message: "callCenterCode is not an organisation code" })
  callCenterCode?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "true: only trunks whose call centre's company (USCC) or legal representative is blacklisted; false: only the others",
  })
  @IsOptional()
  @IsBoolean()
  blacklisted?: boolean | null;
}

/**
 * One outgoing call to check. Validated by the service, not by class-validator: a
 * batch of 1,000 is the hot path of the switches, and the checks are two lengths.
 */
@InputType()
export class CallerCheckInput {
  @Field(() => ID)
  trunkId: string;

  @Field({ description: "The number the call presents as its caller" })
  callerNumber: string;

  @Field({ description: "The number called" })
  calleeNumber: string;
}

@InputType()
export class RecordMarketingRefusalInput {
  @Field({ description: "The number of the person who refused, a fixed line or mobile number in national form" })
  @IsString()
  @MaxLength(32, { message: "calleeNumber is at most 32 characters" })
  calleeNumber: string;

  @Field(() => String, { nullable: true, description: "The call centre whose marketing calls are refused; omitted: all marketing calls (a carrier only)" })
  @IsOptional()
  @Matches(ORGANIZATION_CODE, { message: "callerOrgCode is not an organisation code" })
  callerOrgCode?: string | null;
}

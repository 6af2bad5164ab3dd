import { IsEnum, IsInt, IsOptional, IsString, Length, Max, Min, ValidateBy } from "class-validator";
import { Field, Float, InputType, Int } from "type-graphql";
import { isCalendarDate } from "../../shared/dates";
import { IsProvinceCode } from "../../shared/provinces";
import { isCnyAmount } from "../enforcement/enforcement.inputs";
import { DepositStatus } from "./deposit.entity";

/** The largest deposit per number, CNY (deposit_schedules.amount_fen's CHECK: 10^8 fen). */
export const MAX_DEPOSIT_CNY = 1_000_000;
/** The longest grace a schedule gives a number to serve before its deposit is received. */
export const MAX_FOLLOW_DAYS = 90;
/** The most numbers one confirmation names: an order names at most as many. */
export const MAX_CONFIRMED_NUMBERS = 10_000;

@InputType()
export class SetDepositScheduleInput {
  @Field(() => Float, { description: "CNY per number, at most two decimals; 0 for none" })
  @ValidateBy({
    name: "isCnyAmount",
    validator: { validate: (value) => isCnyAmount(value), defaultMessage: () => "amountCny must be an amount in CNY with at most two decimals" },
  })
  @Min(0, { message: "amountCny must not be negative" })
  @Max(MAX_DEPOSIT_CNY, { message: `amountCny must be at most ${MAX_DEPOSIT_CNY}` })
  amountCny: number;

  @Field({ description: "YYYY-MM-DD (China time), today or later: assignments from that day post this amount" })
  @ValidateBy({
    name: "isCalendarDate",
    validator: { validate: (value) => isCalendarDate(value), defaultMessage: () => "effectiveFrom must be a date YYYY-MM-DD" },
  })
  effectiveFrom: string;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code; null or omitted: the national amount" })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `Days (1-${MAX_FOLLOW_DAYS}) a number may serve before its deposit is received; omitted: it serves only once received`,
  })
  @IsOptional()
  @IsInt({ message: "followDays must be a whole number of days" })
  @Min(1, { message: "followDays must be at least 1" })
  @Max(MAX_FOLLOW_DAYS, { message: `followDays must be at most ${MAX_FOLLOW_DAYS}` })
  followDays?: number | null;
}

@InputType()
export class DepositFilter {
  @Field(() => DepositStatus, { nullable: true })
  @IsOptional()
  @IsEnum(DepositStatus)
  status?: DepositStatus | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 32, { message: "resellerCode must be 1-32 characters" })
  resellerCode?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;
}

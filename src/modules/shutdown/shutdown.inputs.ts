import { Field, InputType } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsOptional, IsString, Length } from "class-validator";
import { OrderStatus, ShutdownReason } from "./shutdown.entity";

export const MAX_ORDER_NUMBERS = 10_000;

@InputType()
export class IssueShutdownOrderInput {
  @Field(() => [String], { description: `Up to ${MAX_ORDER_NUMBERS.toLocaleString("en")} numbers` })
  @ArrayMinSize(1, { message: "numbers must list at least one number" })
  @ArrayMaxSize(MAX_ORDER_NUMBERS, { message: `an order names at most ${MAX_ORDER_NUMBERS} numbers` })
  @IsString({ each: true })
  numbers: string[];

  @Field({ description: "The case this order belongs to" })
  @Length(3, 64, { message: "caseNumber must be 3-64 characters" })
  caseNumber: string;

  @Field({ description: "The legal basis, e.g. the article of the Anti-Telecom and Online Fraud Law" })
  @Length(3, 500, { message: "legalBasis must be 3-500 characters" })
  legalBasis: string;

  @Field(() => ShutdownReason)
  @IsEnum(ShutdownReason)
  reason: ShutdownReason;

  @Field({ defaultValue: "" })
  @Length(0, 2000, { message: "note must be at most 2000 characters" })
  note: string;
}

@InputType()
export class ShutdownOrderFilter {
  @Field(() => OrderStatus, { nullable: true })
  @IsOptional()
  @IsEnum(OrderStatus)
  status?: OrderStatus | null;

  @Field(() => Boolean, { nullable: true, description: "true: orders with an overdue item (of yours, for a carrier)" })
  @IsOptional()
  @IsBoolean()
  overdue?: boolean | null;

  @Field(() => String, { nullable: true, description: "The orders of one case, by its case number as issued" })
  @IsOptional()
  @IsString()
  @Length(1, 64, { message: "caseNumber is 1-64 characters" })
  caseNumber?: string | null;
}

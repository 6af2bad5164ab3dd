import { Field, InputType } from "type-graphql";
import { IsProvinceCode } from "../../shared/provinces";
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsOptional, IsString, Length } from "class-validator";
import { NumberStatus } from "./number-status";
import { MAX_SYNC_ITEMS } from "./number-limits";

@InputType()
export class PublishAllocationInput {
  @Field({ description: "First number of the range" })
  @IsString()
  rangeStart: string;

  @Field({ description: "Last number of the range, inclusive; at most 1,000,000 numbers" })
  @IsString()
  rangeEnd: string;

  @Field(() => String, { nullable: true, description: "Omitted: the carrier's own province" })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;
}

// Not validated item by item here: GraphQL's own types already hold (a string, a
// NumberStatus), and the service rejects bad items one by one with a reason rather
// than refusing the whole call. Validating 10,000 nested objects cost ~0.2 s a call.
@InputType()
export class NumberSyncItem {
  @Field({ description: "Malformed numbers are rejected item by item" })
  number: string;

  @Field(() => NumberStatus)
  status: NumberStatus;

  @Field(() => String, { nullable: true, description: "Omitted: unchanged; null: no reseller" })
  resellerCode?: string | null;

  @Field(() => String, { nullable: true, description: "Omitted: unchanged" })
  province?: string | null;
}

@InputType()
export class SyncNumbersInput {
  @Field({ description: "The same key with the same input returns the first result and changes nothing" })
  @Length(1, 200, { message: "idempotencyKey must be 1-200 characters" })
  idempotencyKey: string;

  @Field(() => [NumberSyncItem])
  @ArrayMinSize(1, { message: "numbers must list at least one number" })
  @ArrayMaxSize(MAX_SYNC_ITEMS, { message: `numbers may list at most ${MAX_SYNC_ITEMS} items a call` })
  numbers: NumberSyncItem[];
}

@InputType()
export class WholesaleNumbersInput {
  @Field(() => [String])
  @ArrayMinSize(1, { message: "numbers must list at least one number" })
  @ArrayMaxSize(MAX_SYNC_ITEMS, { message: `numbers may list at most ${MAX_SYNC_ITEMS} items a call` })
  @IsString({ each: true })
  numbers: string[];

  @Field()
  @IsString()
  resellerCode: string;
}

@InputType()
export class NumberFilter {
  @Field(() => NumberStatus, { nullable: true })
  @IsOptional()
  @IsEnum(NumberStatus)
  status?: NumberStatus | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  resellerCode?: string | null;

  @Field(() => String, { nullable: true, description: "Leading digits, e.g. 400123" })
  @IsOptional()
  @IsString()
  prefix?: string | null;
}

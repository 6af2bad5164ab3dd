import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, ValidateBy, ValidateNested } from "class-validator";
import { Field, Float, InputType } from "type-graphql";
import { isCalendarDate } from "../../shared/dates";
import { IsProvinceCode } from "../../shared/provinces";

export { isCalendarDate };

export const MAX_CAMPAIGN_TARGETS = 20;

const IsCalendarDate = (message: string) =>
  ValidateBy({ name: "isCalendarDate", validator: { validate: (value) => isCalendarDate(value), defaultMessage: () => message } });

const IsShare = (message: string) =>
  ValidateBy({
    name: "isShare",
    validator: { validate: (value) => typeof value === "number" && Number.isFinite(value) && value > 0 && value <= 1, defaultMessage: () => message },
  });

/** Each target's date after the one before it; the dates themselves are checked item by item. */
const InAscendingDateOrder = () =>
  ValidateBy({
    name: "inAscendingDateOrder",
    validator: {
      validate: (value) =>
        Array.isArray(value) &&
        value.every((t: CampaignTargetInput, i) => i === 0 || !isCalendarDate(t?.date) || !isCalendarDate(value[i - 1]?.date) || t.date > value[i - 1].date),
      defaultMessage: () => "targets must be in ascending date order, one target a date",
    },
  });

@InputType({ description: "A share of in-service numbers to be real-name verified by a date, e.g. { date: \"2016-12-31\", rate: 0.95 }" })
export class CampaignTargetInput {
  @Field({ description: "YYYY-MM-DD" })
  @IsCalendarDate("targets[].date must be a real calendar date, YYYY-MM-DD")
  date: string;

  @Field(() => Float, { description: "A share above 0 and at most 1: 0.95 is 95%" })
  @IsShare("targets[].rate must be a share above 0 and at most 1 (0.95 for 95%)")
  rate: number;
}

@InputType()
export class OpenCampaignInput {
  @Field()
  @Length(1, 200, { message: "name must be 1-200 characters" })
  @Matches(/\S/, { message: "name must not be blank" })
  name: string;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code; null or omitted: national" })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => [CampaignTargetInput], { description: `1 to ${MAX_CAMPAIGN_TARGETS} targets, in ascending date order` })
  @ArrayMinSize(1, { message: "targets must list at least one { date, rate }" })
  @ArrayMaxSize(MAX_CAMPAIGN_TARGETS, { message: `targets may list at most ${MAX_CAMPAIGN_TARGETS} dates` })
  @ValidateNested()
  @InAscendingDateOrder()
  targets: CampaignTargetInput[];

  @Field({ description: "YYYY-MM-DD (UTC): from this day on, in-service numbers in scope without a VERIFIED subscriber are suspended" })
  @IsCalendarDate("hardDeadline must be a real calendar date, YYYY-MM-DD")
  hardDeadline: string;
}

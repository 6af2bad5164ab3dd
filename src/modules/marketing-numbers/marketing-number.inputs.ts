import { Matches } from "class-validator";
import { Field, InputType } from "type-graphql";
import { ORGANIZATION_CODE } from "../organizations/organization.inputs";

/** A short service number (10001) or a fixed line in national form (02488886666). */
export const MARKETING_NUMBER = /^[0-9]{5,20}$/;

@InputType()
export class SetOfficialMarketingNumberInput {
  @Field({ description: "5-20 digits: a short service number (10001) or a fixed line in national form (02488886666)" })
  @Matches(MARKETING_NUMBER, { message: "number must be 5-20 digits, a short service number or a fixed line" })
  number: string;

  @Field({ description: "The carrier group that calls from it: a top-level CARRIER organisation" })
  @Matches(ORGANIZATION_CODE, { message: "carrierCode is not an organisation code" })
  carrierCode: string;
}

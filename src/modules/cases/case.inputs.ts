import { ValidateBy } from "class-validator";
import { Field, InputType } from "type-graphql";
import { TrimmedLength } from "../../shared/validation";

/** A case number: 3-64 letters (any script), digits and the usual separators, e.g. 沈公（刑）立字〔2026〕123号 or LN-2026-0451. */
export const CASE_NUMBER = /^[\p{L}\p{N}()（）〔〕\[\]\-_/#. ]{3,64}$/u;
export const CASE_NUMBER_RULE = "caseNumber must be 3-64 letters, digits and the usual separators";

/** The trimmed case number, or null when it is not one. */
export function caseNumberOf(text: string | null | undefined): string | null {
  const trimmed = text?.trim() ?? "";
  return CASE_NUMBER.test(trimmed) ? trimmed : null;
}


const IsCaseNumber = () =>
  ValidateBy({ name: "isCaseNumber", validator: { validate: (value) => typeof value === "string" && caseNumberOf(value) !== null, defaultMessage: () => CASE_NUMBER_RULE } });

@InputType()
export class OpenCaseInput {
  @Field({ description: "Your bureau's case number: 3-64 letters, digits and the usual separators" })
  @IsCaseNumber()
  caseNumber: string;

  @Field({ description: "1-200 characters" })
  @TrimmedLength(1, 200, "title must be 1-200 characters")
  title: string;

  @Field({ description: "3-500 characters, e.g. the article of the Anti-Telecom and Online Fraud Law" })
  @TrimmedLength(3, 500, "legalBasis must be 3-500 characters")
  legalBasis: string;
}

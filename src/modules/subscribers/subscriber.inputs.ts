import { Field, InputType, Int } from "type-graphql";
import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from "class-validator";
import { CheckKind, CheckOutcome, DocumentKind, IdentityStatus } from "./identity-rules";

/** The largest paper the registry records: GraphQL's Int, 2 GiB less a byte. */
export const MAX_PAPER_BYTES = 2_147_483_647;

// The USCC and resident ID numbers are checked by their own algorithms in the
// service, which says exactly what is wrong; these are the plain shape rules.

@InputType({ description: "A person named on a subscriber: the legal representative or the handler" })
export class PersonInput {
  @Field()
  @Length(1, 100, { message: "a person's name must be 1-100 characters" })
  name: string;

  @Field({ description: "18-character resident ID number (GB 11643); stored encrypted" })
  @IsString()
  idNumber: string;
}

@InputType()
export class RegisterSubscriberInput {
  @Field()
  @Length(1, 200, { message: "name must be 1-200 characters" })
  name: string;

  @Field({ description: "Unified Social Credit Code, 18 characters (GB 32100)" })
  @IsString()
  uscc: string;

  @Field(() => PersonInput)
  @ValidateNested()
  legalRep: PersonInput;

  @Field(() => PersonInput)
  @ValidateNested()
  handler: PersonInput;

  @Field({ description: "Fixed-line number in national form with its area code, 02488886666" })
  @Matches(/^0[1-9][0-9]{8,10}$/, { message: "landline must be a fixed-line number in national form with its area code, e.g. 02488886666" })
  landline: string;

  @Field()
  @Length(1, 500, { message: "address must be 1-500 characters" })
  address: string;

  @Field()
  @Length(1, 2000, { message: "businessScope must be 1-2000 characters" })
  businessScope: string;

  @Field({ description: "What the number will be used for" })
  @Length(1, 500, { message: "declaredUse must be 1-500 characters" })
  declaredUse: string;
}

@InputType()
export class AttachDocumentInput {
  @Field(() => DocumentKind)
  @IsEnum(DocumentKind)
  kind: DocumentKind;

  @Field({ description: "SHA-256 of the file, 64 lower-case hex characters" })
  @Matches(/^[0-9a-f]{64}$/, { message: "sha256 must be 64 lower-case hex characters" })
  sha256: string;

  @Field({ description: "e.g. application/pdf, image/jpeg, video/mp4" })
  @Matches(/^[a-z]+\/[a-z0-9.+-]+$/, { message: "mediaType must be a media type such as application/pdf" })
  mediaType: string;

  @Field(() => Int, { description: "Bytes: 1 to 2147483647 (a paper is at most 2 GiB; a larger file is refused)" })
  @IsInt({ message: "sizeBytes must be a whole number of bytes" })
  @Min(1, { message: "sizeBytes must be at least 1" })
  @Max(MAX_PAPER_BYTES, { message: "sizeBytes must be at most 2147483647 (2 GiB)" })
  sizeBytes: number;

  @Field({ description: "Where the file is kept, e.g. s3://bucket/key" })
  @Matches(/^[a-z][a-z0-9+.-]*:\/\/\S{1,1000}$/, { message: "storageUri must be a URI such as s3://bucket/key" })
  storageUri: string;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD; omitted: the paper does not expire" })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: "expiresOn must be a date, YYYY-MM-DD" })
  expiresOn?: string | null;
}

@InputType()
export class RecordCheckInput {
  @Field(() => CheckKind)
  @IsEnum(CheckKind)
  kind: CheckKind;

  @Field(() => CheckOutcome)
  @IsEnum(CheckOutcome)
  outcome: CheckOutcome;

  @Field({ defaultValue: "" })
  @Length(0, 2000, { message: "note must be at most 2000 characters" })
  note: string;
}

@InputType()
export class SubscriberFilter {
  @Field(() => IdentityStatus, { nullable: true })
  @IsOptional()
  @IsEnum(IdentityStatus)
  identityStatus?: IdentityStatus | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  uscc?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  resellerCode?: string | null;
}

import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { CheckKind, CheckOutcome, DocumentKind, IdentityStatus, RiskKind, RiskSeverity } from "./identity-rules";

registerEnumType(IdentityStatus, { name: "IdentityStatus", description: "Where a subscriber's real-name identity stands" });
registerEnumType(DocumentKind, { name: "DocumentKind", description: "Kinds of paper (evidence records, not files)" });
registerEnumType(CheckKind, { name: "CheckKind" });
registerEnumType(CheckOutcome, { name: "CheckOutcome" });
registerEnumType(RiskSeverity, { name: "RiskSeverity" });
registerEnumType(RiskKind, { name: "RiskKind", description: "Why a risk flag was raised" });

/**
 * The enterprise that uses numbers. Resident ID numbers are held sealed; the
 * resolver decides, per viewer, whether they come back masked or in full.
 */
@ObjectType({ description: "An enterprise that uses numbers, and its real-name identity" })
export class Subscriber {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: "Unified Social Credit Code (GB 32100)" })
  uscc: string;

  @Field()
  legalRepName: string;

  @Field()
  handlerName: string;

  @Field({ description: "Fixed-line contact number, for the call-back" })
  landline: string;

  @Field()
  address: string;

  @Field()
  businessScope: string;

  @Field()
  declaredUse: string;

  @Field(() => IdentityStatus)
  identityStatus: IdentityStatus;

  @Field(() => String, { nullable: true, description: "Why it was rejected, expired or revoked" })
  statusReason: string | null;

  @Field(() => Date, { nullable: true })
  submittedAt: Date | null;

  @Field(() => Date, { nullable: true })
  verifiedAt: Date | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;

  resellerId: string;
  legalRepIdSealed: string;
  handlerIdSealed: string;
  legalRepIdHash: string;
}

@ObjectType("Document", { description: "A paper on file: its digest and where it is kept, never its content" })
export class SubscriberDocument {
  @Field(() => ID)
  id: string;

  @Field(() => DocumentKind)
  kind: DocumentKind;

  @Field({ description: "SHA-256 of the file, 64 hex characters" })
  sha256: string;

  @Field()
  mediaType: string;

  @Field(() => Int, { description: "Bytes, at most 2147483647" })
  sizeBytes: number;

  @Field()
  storageUri: string;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD; null: does not expire" })
  expiresOn: string | null;

  @Field(() => Date)
  attachedAt: Date;

  subscriberId: string;
}

@ObjectType({ description: "One verification check, who made it and its outcome" })
export class VerificationCheck {
  @Field(() => ID)
  id: string;

  @Field(() => CheckKind)
  kind: CheckKind;

  @Field(() => CheckOutcome)
  outcome: CheckOutcome;

  @Field()
  note: string;

  @Field({ description: "The user who made the check" })
  actor: string;

  @Field(() => Date)
  at: Date;

  subscriberId: string;
  organizationId: string;
}

@ObjectType({ description: "A risk raised automatically; a HIGH one blocks approval until a carrier overrides it" })
export class RiskFlag {
  @Field(() => ID)
  id: string;

  @Field(() => RiskKind)
  kind: RiskKind;

  @Field(() => RiskSeverity)
  severity: RiskSeverity;

  @Field()
  detail: string;

  @Field(() => Date)
  raisedAt: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt: Date | null;

  @Field(() => String, { nullable: true, description: "The written justification of an override" })
  justification: string | null;

  subscriberId: string | null;
}

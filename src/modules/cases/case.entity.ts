import { Field, ObjectType, registerEnumType } from "type-graphql";

export enum CaseStatus {
  OPEN = "OPEN",
  CLOSED = "CLOSED",
}

registerEnumType(CaseStatus, { name: "CaseStatus", description: "OPEN until the bureau closes it; a closed case is never reopened" });

/**
 * A police bureau's investigation as a record (立案): what a full read of a resident ID
 * number, or a search of holdings by one, is made for. Its number is unique within the bureau.
 */
@ObjectType({ description: "A police bureau's case: while OPEN, the bureau and the ones below it may state it to read resident ID numbers in full" })
export class Case {
  @Field({ description: "The bureau's own case number, unique within the bureau" })
  caseNumber: string;

  @Field()
  title: string;

  @Field({ description: "The legal basis of the investigation" })
  legalBasis: string;

  @Field(() => CaseStatus)
  status: CaseStatus;

  @Field(() => Date)
  openedAt: Date;

  @Field(() => Date, { nullable: true })
  closedAt: Date | null;

  id: string;
  organizationId: string;
}

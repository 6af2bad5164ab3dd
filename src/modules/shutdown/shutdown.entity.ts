import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { NumberStatus } from "../numbers/number-status";

export enum ShutdownReason {
  TELECOM_FRAUD = "TELECOM_FRAUD",
  HARASSMENT = "HARASSMENT",
  ILLEGAL_MARKETING = "ILLEGAL_MARKETING",
  SPOOFING = "SPOOFING",
  OTHER = "OTHER",
}

export enum OrderStatus {
  IN_EFFECT = "IN_EFFECT",
  LIFTED = "LIFTED",
}

export enum ItemState {
  NOTIFIED = "NOTIFIED",
  ACKNOWLEDGED = "ACKNOWLEDGED",
  EXECUTED = "EXECUTED",
}

registerEnumType(ShutdownReason, { name: "ShutdownReason" });
registerEnumType(OrderStatus, { name: "OrderStatus" });
registerEnumType(ItemState, { name: "ItemState", description: "A carrier's progress on one number of an order" });

@ObjectType({ description: "One number of a shutdown order, and its carrier's progress" })
export class ShutdownItem {
  @Field()
  number: string;

  @Field(() => NumberStatus, {
    nullable: true,
    description: "What the number returns to when no order stands on it (null to a provincial bureau for a number outside its province)",
  })
  previousStatus: NumberStatus | null;

  @Field(() => ItemState)
  state: ItemState;

  @Field(() => Date, { nullable: true, description: "null until acknowledged (and where previousStatus is null)" })
  acknowledgedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "null until executed (and where previousStatus is null)" })
  executedAt: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Not acknowledged by its deadline, or not executed by its deadline, while the order stands (null where previousStatus is)",
  })
  overdue: boolean | null;

  @Field(() => Date, {
    nullable: true,
    description: "When fraud was confirmed on this number (confirmFraud): its deposit forfeited; null until then (and where previousStatus is null)",
  })
  fraudConfirmedAt: Date | null;

  orderId: string;
  carrierId: string;
}

@ObjectType({ description: "An emergency shutdown order: never deleted, lifted only by its issuer or one above it" })
@Directive('@key(fields: "id")')
export class ShutdownOrder {
  @Field(() => ID)
  id: string;

  @Field(() => OrderStatus)
  status: OrderStatus;

  @Field()
  caseNumber: string;

  @Field()
  legalBasis: string;

  @Field(() => ShutdownReason)
  reason: ShutdownReason;

  @Field()
  note: string;

  @Field(() => Date)
  issuedAt: Date;

  @Field(() => Date)
  acknowledgementDeadline: Date;

  @Field(() => Date)
  executionDeadline: Date;

  @Field(() => [String], { description: "Numbers the order named that the registry does not hold" })
  unknownNumbers: string[];

  @Field(() => Date, { nullable: true })
  liftedAt: Date | null;

  @Field(() => String, { nullable: true })
  liftReason: string | null;

  issuedById: string;
  seq: string;
}

@ObjectType({ description: "A new order, as a carrier receives it: only its own numbers" })
export class ShutdownNotice {
  @Field(() => ID)
  orderId: string;

  @Field(() => [String])
  numbers: string[];

  @Field(() => ShutdownReason)
  reason: ShutdownReason;

  @Field()
  caseNumber: string;

  @Field(() => Date)
  issuedAt: Date;

  @Field(() => Date)
  acknowledgementDeadline: Date;

  @Field(() => Date)
  executionDeadline: Date;
}

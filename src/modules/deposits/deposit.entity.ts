import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType } from "../../shared/pagination";

/** Where a deposit's money sits (issue 19). */
export enum DepositStatus {
  /** Posted at assignment: the reseller owes it to the carrier. */
  DUE = "DUE",
  /** The carrier recorded its receipt and holds it. */
  HELD = "HELD",
  /** Fraud or unsolicited marketing confirmed: the state's. */
  FORFEITED = "FORFEITED",
  /** The number left its subscriber cleanly: owed back to the reseller (or, never paid, the obligation cancelled). */
  RELEASED = "RELEASED",
  /** The carrier recorded the refund. */
  REFUNDED = "REFUNDED",
}
registerEnumType(DepositStatus, { name: "DepositStatus", description: "DUE, HELD, FORFEITED, RELEASED or REFUNDED" });

export enum DepositDimension {
  CARRIER = "CARRIER",
  PROVINCE = "PROVINCE",
  RESELLER = "RESELLER",
}
registerEnumType(DepositDimension, { name: "DepositDimension" });

/** CNY from integer fen, exactly (fen are what the database keeps). */
export const cnyOf = (fen: number | string): number => Number(fen) / 100;

@ObjectType({ description: "The regulator's deposit per number, from a day: national, or a province's own" })
export class DepositSchedule {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true, description: "Two-digit province code; null for the national amount" })
  province: string | null;

  @Field(() => Float, { description: "CNY per number; 0 for none" })
  amountCny: number;

  @Field({ description: "YYYY-MM-DD (China time): assignments from this day post this amount" })
  effectiveFrom: string;

  @Field(() => Int, { nullable: true, description: "Days a number may serve before its deposit is received; null: not before" })
  followDays: number | null;

  @Field()
  setAt: Date;
}

@ObjectType({ description: "A number's deposit: posted against the reseller that sold it, held by the number's carrier" })
export class Deposit {
  @Field(() => ID)
  id: string;

  seq: string;

  @Field()
  number: string;

  @Field(() => Float)
  amountCny: number;

  @Field(() => DepositStatus)
  status: DepositStatus;

  @Field({ description: "When it was posted: the number's assignment" })
  postedAt: Date;

  @Field(() => Date, { nullable: true, description: "When the number must stop serving if it is still DUE (the schedule's grace)" })
  followUntil: Date | null;

  @Field(() => String, { nullable: true, description: "Two-digit province code of the number when posted" })
  province: string | null;

  @Field({ description: "Whether the carrier recorded its receipt" })
  paid: boolean;

  resellerId: string;
  carrierId: string;
}

@ObjectType({ description: "Deposits counted and summed by status, in CNY" })
export class DepositTotals {
  @Field(() => Int)
  count: number;

  @Field(() => Float)
  postedCny: number;

  @Field(() => Float)
  dueCny: number;

  @Field(() => Float)
  heldCny: number;

  @Field(() => Float)
  forfeitedCny: number;

  @Field(() => Float)
  releasedCny: number;

  @Field(() => Float)
  refundedCny: number;

  @Field(() => Int)
  forfeited: number;

  @Field(() => Float, { nullable: true, description: "Deposits forfeited / deposits posted (0 to 1); null when none were posted" })
  forfeitureRate: number | null;
}

@ObjectType({ description: "One group of deposits: by carrier group, province or reseller" })
export class DepositTotalsRow extends DepositTotals {
  @Field(() => String, { nullable: true })
  carrierCode: string | null;

  @Field(() => String, { nullable: true })
  province: string | null;

  @Field(() => String, { nullable: true })
  resellerCode: string | null;
}

@ObjectType()
export class DepositConnection extends ConnectionType(Deposit, "Deposit") {
  // A method, as totalCount: each connection carries its own, summed only when the client selects it.
  @Field(() => DepositTotals, { description: "Over every deposit the filter selects, not only this page" })
  totals(): DepositTotals | Promise<DepositTotals> {
    throw new Error("a deposit connection carries its own totals");
  }
}

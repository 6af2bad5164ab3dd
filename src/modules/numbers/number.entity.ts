import { Column, Entity, PrimaryColumn } from "typeorm";
import { Directive, Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { ChangeCause, NumberStatus } from "./number-status";

registerEnumType(NumberStatus, { name: "NumberStatus", description: "Where a number is in its life (DESIGN.md, Numbers)" });
registerEnumType(ChangeCause, { name: "ChangeCause", description: "What changed a number" });

@ObjectType("PhoneNumber", { description: "One 400 number" })
@Directive('@key(fields: "number")')
@Entity("numbers")
export class PhoneNumber {
  @Field({ description: "Canonical ten digits, 4001234567" })
  @PrimaryColumn({ type: "text" })
  number: string;

  @Field({ description: "FOUR_HUNDRED; other national service number kinds may follow" })
  @Column({ name: "service_type", type: "text" })
  serviceType: string;

  @Column({ name: "carrier_id", type: "uuid" })
  carrierId: string;

  @Column({ name: "reseller_id", type: "uuid", nullable: true })
  resellerId: string | null;

  @Column({ name: "subscriber_id", type: "uuid", nullable: true })
  subscriberId: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  province: string | null;

  @Field(() => NumberStatus)
  @Column({ type: "text" })
  status: NumberStatus;

  @Field(() => Date, { nullable: true })
  @Column({ name: "reserved_until", type: "timestamptz", nullable: true })
  reservedUntil: Date | null;

  @Field(() => Date, { description: "When the number entered its current status" })
  @Column({ name: "status_since", type: "timestamptz" })
  statusSince: Date;

  @Field(() => Date, {
    nullable: true,
    description: "When an AGING number's quarantine ends (kept while a shutdown order stops it): only the sweep returns it to SPARE, then",
  })
  @Column({ name: "aging_until", type: "timestamptz", nullable: true })
  agingUntil: Date | null;

  @Field(() => String, { nullable: true, description: "Why a SUSPENDED number is suspended: PAPERS, CAMPAIGN, REGULATOR or CARRIER" })
  @Column({ type: "text", nullable: true })
  suspension: string | null;

  @Field(() => Int, { description: "Grows by one with every change" })
  @Column({ type: "int" })
  version: number;

  @Field(() => Date)
  @Column({ name: "created_at", type: "timestamptz" })
  createdAt: Date;

  @Field(() => Date)
  @Column({ name: "updated_at", type: "timestamptz" })
  updatedAt: Date;
}

@ObjectType({ description: "One change of one number, in the registry-wide sequence" })
export class NumberChange {
  @Field({ description: "Global and monotonic; also the cursor to resume after" })
  sequence: string;

  @Field()
  number: string;

  @Field(() => NumberStatus)
  status: NumberStatus;

  @Field(() => NumberStatus, { nullable: true })
  previousStatus: NumberStatus | null;

  @Field(() => ChangeCause)
  cause: ChangeCause;

  @Field(() => String, { nullable: true })
  province: string | null;

  @Field(() => Date)
  at: Date;

  @Field(() => String, { nullable: true, description: "The shutdown order behind a SHUTDOWN or LIFT change" })
  orderId: string | null;

  carrierId: string;
  resellerId: string | null;
}

@ObjectType({ description: "A number left out of a bulk call, and why" })
export class NumberRejection {
  @Field()
  number: string;

  @Field()
  reason: string;
}

@ObjectType()
export class AllocationResult {
  @Field(() => Int, { description: "Numbers created SPARE" })
  created: number;

  @Field(() => Int, { description: "Numbers of the range the caller already held" })
  alreadyHeld: number;
}

@ObjectType()
export class SyncResult {
  @Field(() => Int)
  created: number;

  @Field(() => Int)
  updated: number;

  @Field(() => Int)
  unchanged: number;

  @Field(() => [NumberRejection])
  rejected: NumberRejection[];
}

@ObjectType()
export class BulkResult {
  @Field(() => Int)
  updated: number;

  @Field(() => Int, { description: "Already so; nothing to do" })
  unchanged: number;

  @Field(() => [NumberRejection])
  rejected: NumberRejection[];
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { Field, ObjectType } from "type-graphql";

/** A carrier's official outbound marketing number (10001, 10085, 10016): the only ones allowed since 2025. */
@Entity("official_marketing_numbers")
export class OfficialMarketingNumber {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Index()
  @Column({ name: "carrier_id", type: "uuid" })
  carrierId: string;

  @Column({ type: "text", unique: true })
  number: string;

  /** When it stopped being official; the record stays. */
  @Column({ name: "retired_at", type: "timestamptz", nullable: true })
  retiredAt: Date | null;
}

@ObjectType({ description: "An official outbound marketing number and the carrier that calls from it" })
export class MarketingNumber {
  @Field()
  carrierName: string;

  @Field()
  number: string;
}

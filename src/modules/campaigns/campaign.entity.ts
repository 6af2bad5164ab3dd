import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { Field, Float, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "A share of in-service numbers that should be real-name verified by a date" })
export class CampaignTarget {
  @Field({ description: "YYYY-MM-DD" })
  date: string;

  @Field(() => Float, { description: "A share above 0 and at most 1: 0.95 is 95%" })
  rate: number;
}

/**
 * A regulator's real-name verification campaign (实名制专项行动): targets by date and a
 * hard deadline after which the sweeps suspend in-service numbers without a VERIFIED owner.
 */
@ObjectType({ description: "A real-name verification campaign, national or for one province" })
@Entity("campaigns")
export class Campaign {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Field()
  @Column({ type: "text" })
  name: string;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code; null for a national campaign" })
  @Column({ type: "text", nullable: true })
  province: string | null;

  @Field(() => [CampaignTarget], { description: "In ascending date order" })
  @Column({ type: "jsonb" })
  targets: CampaignTarget[];

  @Field({ description: "YYYY-MM-DD (UTC): from this day on, the sweeps suspend in-service numbers in scope whose subscriber is not VERIFIED" })
  @Column({ name: "hard_deadline", type: "date" })
  hardDeadline: string;

  @Column({ name: "opened_by", type: "uuid" })
  openedById: string;

  @Field(() => Date)
  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;
}

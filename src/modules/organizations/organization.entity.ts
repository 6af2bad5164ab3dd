import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { Directive, Field, ObjectType, registerEnumType } from "type-graphql";
import { OrganizationKind } from "../../shared/auth/roles";

registerEnumType(OrganizationKind, { name: "OrganizationKind", description: "The kind of party an organisation is" });

@ObjectType({ description: "A party to the registry: a carrier branch, reseller, call centre, police bureau, regulator or the platform" })
@Directive('@key(fields: "code")')
@Entity("organizations")
export class Organization {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Field({ description: "Stable public code, e.g. CT-LN for China Telecom Liaoning" })
  @Column({ type: "text", unique: true })
  code: string;

  @Field()
  @Column({ type: "text" })
  name: string;

  @Field(() => OrganizationKind)
  @Column({ type: "text" })
  kind: OrganizationKind;

  @Field(() => String, { nullable: true, description: "GB/T 2260 two-digit province code; null for national organisations" })
  @Column({ type: "text", nullable: true })
  province: string | null;

  @Index()
  @Column({ name: "parent_id", type: "uuid", nullable: true })
  parentId: string | null;

  @Field(() => String, { nullable: true, description: "A call centre's company: its unified social credit code (GB 32100)" })
  @Column({ type: "text", nullable: true })
  uscc: string | null;

  /** Codes from the root down, "/CT/CT-LN/": a subtree is a prefix match. */
  @Index()
  @Column({ type: "text" })
  path: string;

  @Field(() => Date)
  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;
}

import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { IsEnum, IsString, Length } from "class-validator";
import { Naming, TrimmedLength } from "../../shared/validation";

/** The roles an API client may act with: a machine of an organisation, never the platform's ADMIN. */
export enum ApiClientRole {
  CARRIER = "CARRIER",
  RESELLER = "RESELLER",
  CALL_CENTER = "CALL_CENTER",
  POLICE = "POLICE",
  REGULATOR = "REGULATOR",
}

registerEnumType(ApiClientRole, { name: "ApiClientRole", description: "The role an API client acts with: the one its organisation's kind allows" });

@ObjectType({ description: "An organisation's machine (a carrier's switch, a reseller's portal): it calls the API with a secret, never a person's token" })
export class ApiClient {
  @Field(() => ID)
  id: string;

  @Field({ description: "What the organisation calls it, e.g. 'Shenyang switch 3'" })
  name: string;

  @Field(() => ApiClientRole)
  role: ApiClientRole;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: "When a secret of it was last accepted (kept to within a minute)" })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "Revoked: its secrets are refused on every server within a second" })
  revokedAt: Date | null;

  organizationId: string;
  seq: string;
}

@ObjectType({ description: "A new secret, shown this once: the registry keeps only its digest" })
export class ApiClientSecret {
  @Field(() => ApiClient)
  client: ApiClient;

  @Field({ description: "Send as 'Authorization: Bearer nr_live_...'; store it as a secret" })
  secret: string;
}

@InputType()
export class CreateApiClientInput {
  @Field({ description: "The organisation the client acts for (an administrator: its own)" })
  @IsString()
  @Length(1, 64)
  organizationCode: string;

  @Field(() => ApiClientRole)
  @IsEnum(ApiClientRole)
  role: ApiClientRole;

  @Field({ description: "1-100 characters, with a letter or digit" })
  @IsString()
  @TrimmedLength(1, 100, "name must be 1-100 characters")
  @Naming("name must have a letter or digit, and no control or invisible formatting characters")
  name: string;
}

import { ORGANIZATION_CODE } from "../../shared/ids";
import { Field, InputType } from "type-graphql";
import { IsProvinceCode } from "../../shared/provinces";
import { IsEnum, IsOptional, IsString, Length, Matches } from "class-validator";
import { OrganizationKind } from "../../shared/auth/roles";

export { ORGANIZATION_CODE };

@InputType()
export class CreateOrganizationInput {
  @Field({ description: "2-32 characters: capital letters, digits and '-', starting with a letter or digit" })
  @Matches(ORGANIZATION_CODE, { message: "code must be 2-32 capital letters, digits or '-', starting with a letter or digit" })
  code: string;

  @Field()
  @Length(1, 200, { message: "name must be 1-200 characters" })
  @Matches(/\S/, { message: "name must not be blank" })
  name: string;

  @Field(() => OrganizationKind)
  @IsEnum(OrganizationKind)
  kind: OrganizationKind;

  @Field(() => String, { nullable: true, description: "GB/T 2260 province code; omitted: the parent's, or national" })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => String, { nullable: true, description: "The organisation above this one (a branch's group, a sub-agent's agent)" })
  @IsOptional()
  @Matches(ORGANIZATION_CODE, { message: "parentCode is not an organisation code" })
  parentCode?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "CALL_CENTER only: the company's unified social credit code; its verified subscribers' fixed lines are the caller numbers it holds",
  })
  @IsOptional()
  @IsString()
  uscc?: string | null;
}

@InputType()
export class OrganizationFilter {
  @Field(() => OrganizationKind, { nullable: true })
  @IsOptional()
  @IsEnum(OrganizationKind)
  kind?: OrganizationKind | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsProvinceCode()
  province?: string | null;

  @Field(() => String, { nullable: true, description: "Only the direct children of this organisation" })
  @IsOptional()
  @Matches(ORGANIZATION_CODE, { message: "parentCode is not an organisation code" })
  parentCode?: string | null;
}

import { Arg, Args, Ctx, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "./organization.entity";
import { CreateOrganizationInput, OrganizationFilter } from "./organization.inputs";

@ObjectType()
export class OrganizationConnection extends ConnectionType(Organization, "Organization") {}

@Resolver(() => Organization)
export class OrganizationResolver {
  @Mutation(() => Organization, { description: "ADMIN: add a carrier, branch, reseller, call centre, police bureau or regulator" })
  createOrganization(@Arg("input") input: CreateOrganizationInput, @Ctx() ctx: RequestContext): Promise<Organization> {
    return ctx.services.organizations.create(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => Organization, { nullable: true, description: "null when it does not exist or is not visible to you" })
  organization(@Arg("code") code: string, @Ctx() ctx: RequestContext): Promise<Organization | null> {
    return ctx.services.organizations.get(ctx.viewer, code);
  }

  @Query(() => OrganizationConnection, { description: "Organisations visible to you, by code" })
  organizations(
    @Arg("filter", () => OrganizationFilter, { nullable: true }) filter: OrganizationFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.organizations.list(ctx.viewer, filter, page);
  }

  @FieldResolver(() => Organization, { nullable: true })
  parent(@Root() organization: Organization, @Ctx() ctx: RequestContext): Promise<Organization | null> | null {
    return organization.parentId ? ctx.loaders.organizationById.load(organization.parentId) : null;
  }
}

import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Organization } from "../organizations/organization.entity";
import { ApiClient, ApiClientSecret, CreateApiClientInput } from "./api-client.entity";

@ObjectType()
export class ApiClientConnection extends ConnectionType(ApiClient, "ApiClient") {}

@Resolver(() => ApiClient)
export class ApiClientResolver {
  @Mutation(() => ApiClientSecret, {
    description: "ADMIN, or an organisation's administrator for its own: a client acting with its organisation's role; the secret is shown once",
  })
  createApiClient(@Arg("input") input: CreateApiClientInput, @Ctx() ctx: RequestContext): Promise<ApiClientSecret> {
    return ctx.services.apiClients.create(ctx.viewer, input, currentMutation(ctx));
  }

  @Query(() => ApiClientConnection, { description: "The API clients you manage (ADMIN: every organisation's), oldest first, revoked ones too" })
  apiClients(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.apiClients.list(ctx.viewer, page);
  }

  @Mutation(() => ApiClientSecret, { description: "A new secret, shown once; the current ones keep working for overlapSeconds (3600 by default, 0 to a week), then are refused" })
  rotateApiClientSecret(
    @Arg("clientId", () => ID) clientId: string,
    @Arg("overlapSeconds", () => Int, { nullable: true }) overlapSeconds: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ApiClientSecret> {
    return ctx.services.apiClients.rotate(ctx.viewer, clientId, overlapSeconds, currentMutation(ctx));
  }

  @Mutation(() => ApiClient, { description: "Revoked for good: its secrets are refused on every server within a second" })
  revokeApiClient(@Arg("clientId", () => ID) clientId: string, @Ctx() ctx: RequestContext): Promise<ApiClient> {
    return ctx.services.apiClients.revoke(ctx.viewer, clientId, currentMutation(ctx));
  }

  @FieldResolver(() => Organization)
  organization(@Root() client: ApiClient, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organizationById.load(client.organizationId);
  }
}

import { Arg, Args, Ctx, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { RequestContext, currentMutation } from "../../shared/context";
import { ConnectionType, PageArgs } from "../../shared/pagination";
import { Case } from "./case.entity";
import { OpenCaseInput } from "./case.inputs";

@ObjectType()
export class CaseConnection extends ConnectionType(Case, "Case") {}

@Resolver(() => Case)
export class CaseResolver {
  @Mutation(() => Case, { description: "POLICE: open a case of your bureau; its number is unique within the bureau" })
  openCase(@Arg("input") input: OpenCaseInput, @Ctx() ctx: RequestContext): Promise<Case> {
    return ctx.services.cases.open(ctx.viewer, input, currentMutation(ctx));
  }

  @Mutation(() => Case, { description: "POLICE: close an open case of your bureau; it unmasks nothing from then on" })
  closeCase(@Arg("caseNumber") caseNumber: string, @Ctx() ctx: RequestContext): Promise<Case> {
    return ctx.services.cases.close(ctx.viewer, caseNumber, currentMutation(ctx));
  }

  @Query(() => CaseConnection, { description: "POLICE: the cases of your bureau and the bureaus below it, newest first" })
  cases(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return ctx.services.cases.list(ctx.viewer, page);
  }
}

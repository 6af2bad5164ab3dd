import { Arg, Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from "type-graphql";
import type { DataSource } from "typeorm";
import type { LoadersOf, ModuleDeps, RequestContext, ServicesOf } from "../../shared/context";
import { Permission } from "../../shared/auth/permissions";
import type { FieldPermissions } from "../../shared/module";
import { poolQuery } from "../../db/pool-query";
import { parseNumber } from "../numbers/number-format";
import { LOOKUP_SQL } from "./lookup-sql";

export enum PublicStatus {
  IN_SERVICE = "IN_SERVICE",
  STOPPED = "STOPPED",
  NOT_IN_SERVICE = "NOT_IN_SERVICE",
}
registerEnumType(PublicStatus, { name: "PublicStatus", description: "A number's status as the public sees it" });

// simpleResolvers: plain properties, read by graphql-js itself, on the busiest public path.
@ObjectType({ description: "What anyone may know of a number: nothing personal, no reseller, no internal ids", simpleResolvers: true })
export class NumberLookup {
  @Field()
  number: string;

  @Field(() => PublicStatus)
  status: PublicStatus;

  @Field({ description: "Whether its owner's real-name identity is verified" })
  verified: boolean;

  @Field(() => String, { nullable: true, description: "The carrier group that holds it" })
  carrierName: string | null;

  @Field(() => String, { nullable: true, description: "The company behind it, only when verified" })
  subscriberName: string | null;
}

/**
 * The public look-up (DESIGN.md, "Complaints, penalties, public look-up"): in
 * service (ACTIVE), stopped (suspended or shut down), or not in service (anything
 * else, a number awaiting verification among them, or one the registry does not hold).
 */
export class LookupService {
  constructor(private readonly dataSource: DataSource) {}

  async lookup(text: string): Promise<NumberLookup> {
    const number = parseNumber(text);
    const [row] = await poolQuery<Omit<NumberLookup, "number">>(this.dataSource, { name: "public_lookup", text: LOOKUP_SQL, values: [number] });
    return row
      ? { number, ...row }
      : { number, status: PublicStatus.NOT_IN_SERVICE, verified: false, carrierName: null, subscriberName: null };
  }
}

@Resolver()
export class LookupResolver {
  @Query(() => NumberLookup, { description: "Anyone: is this number in service, whose carrier, and is its owner verified" })
  lookupNumber(@Arg("number") number: string, @Ctx() ctx: RequestContext): Promise<NumberLookup> {
    return ctx.services.lookup.lookup(number);
  }
}

export const lookupPermissions: FieldPermissions = {
  Query: { lookupNumber: Permission.PUBLIC_READ },
  NumberLookup: { "*": Permission.PUBLIC_READ },
};

export const lookupModule = {
  entities: [],
  resolvers: [LookupResolver],
  permissions: lookupPermissions,
  services: ({ dataSource }: ModuleDeps) => ({ lookup: new LookupService(dataSource) }),
  loaders: {},
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof lookupModule> {}
  interface RegistryLoaders extends LoadersOf<typeof lookupModule> {}
}

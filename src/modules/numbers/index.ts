import { PhoneNumber } from "./number.entity";
import { numberPermissions } from "./number.permissions";
import { NumberChangeResolver, NumberResolver } from "./number.resolver";
import { NumberService } from "./number.service";

export const numbersModule = {
  entities: [PhoneNumber],
  resolvers: [NumberResolver, NumberChangeResolver],
  permissions: numberPermissions,
  loaders: {},
};

export { NumberService };

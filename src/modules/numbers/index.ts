import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { PhoneNumber } from "./number.entity";
import { numberPermissions } from "./number.permissions";
import { NumberChangeResolver, NumberResolver } from "./number.resolver";
import { NumberService } from "./number.service";

export const numbersModule = {
  entities: [PhoneNumber],
  resolvers: [NumberResolver, NumberChangeResolver],
  permissions: numberPermissions,
  services: ({ dataSource, config }: ModuleDeps) => ({ numbers: new NumberService(dataSource, config.rules) }),
  loaders: {
    // A federation router's references to numbers (src/app/federation.ts): only those the viewer sees (numbersVisible).
    numberByNumber: (services: { numbers: NumberService }, viewer: Viewer) =>
      new DataLoader<string, PhoneNumber | null>((numbers) => services.numbers.byNumbers(viewer, numbers)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof numbersModule> {}
  interface RegistryLoaders extends LoadersOf<typeof numbersModule> {}
}

export { NumberService };

import DataLoader from "dataloader";
import type { Viewer } from "../../shared/auth/viewer";
import type { LoadersOf, ModuleDeps, ServicesOf } from "../../shared/context";
import { Deposit } from "./deposit.entity";
import { depositPermissions } from "./deposit.permissions";
import { DepositFieldResolver, DepositResolver, NumberDepositResolver } from "./deposit.resolver";
import { DepositService } from "./deposit.service";

export const depositsModule = {
  entities: [],
  resolvers: [DepositResolver, DepositFieldResolver, NumberDepositResolver],
  permissions: depositPermissions,
  services: ({ dataSource }: ModuleDeps) => ({ deposits: new DepositService(dataSource) }),
  loaders: {
    depositByNumber: (services: { deposits: DepositService }, viewer: Viewer) =>
      new DataLoader<string, Deposit | null>((numbers) => services.deposits.latestOf(viewer, numbers)),
  },
};

declare module "../../shared/context" {
  interface RegistryServices extends ServicesOf<typeof depositsModule> {}
  interface RegistryLoaders extends LoadersOf<typeof depositsModule> {}
}

export { DepositService };

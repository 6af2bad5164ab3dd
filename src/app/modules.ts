import { auditModule } from "../modules/audit";
import { marketingNumbersModule } from "../modules/marketing-numbers";
import { numbersModule } from "../modules/numbers";
import { organizationsModule } from "../modules/organizations";

/** Every capability's manifest; a new module is one line here. */
export const MODULES = [organizationsModule, auditModule, marketingNumbersModule, numbersModule] as const;

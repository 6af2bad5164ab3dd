import { auditModule } from "../modules/audit";
import { campaignsModule } from "../modules/campaigns";
import { marketingNumbersModule } from "../modules/marketing-numbers";
import { numbersModule } from "../modules/numbers";
import { organizationsModule } from "../modules/organizations";
import { subscribersModule } from "../modules/subscribers";

/** Every capability's manifest; a new module is one line here. */
export const MODULES = [organizationsModule, auditModule, marketingNumbersModule, numbersModule, subscribersModule, campaignsModule] as const;

import { apiClientsModule } from "../modules/api-clients";
import { auditModule } from "../modules/audit";
import { campaignsModule } from "../modules/campaigns";
import { casesModule } from "../modules/cases";
import { enforcementModule } from "../modules/enforcement";
import { complianceModule } from "../modules/compliance/compliance";
import { depositsModule } from "../modules/deposits";
import { lookupModule } from "../modules/lookup/lookup";
import { marketingNumbersModule } from "../modules/marketing-numbers";
import { numbersModule } from "../modules/numbers";
import { organizationsModule } from "../modules/organizations";
import { shutdownModule } from "../modules/shutdown";
import { subscribersModule } from "../modules/subscribers";
import { sweepsModule } from "../modules/sweeps";
import { trunksModule } from "../modules/trunks";
import { webhooksModule } from "../modules/webhooks";

/**
 * Every capability's manifest (its entities, resolvers, permissions, services and loaders); a new module is
 * one line here.
 */
export const MODULES = [
  organizationsModule, auditModule, marketingNumbersModule, numbersModule, subscribersModule, campaignsModule, shutdownModule,
  lookupModule, complianceModule, enforcementModule, trunksModule, casesModule, sweepsModule, apiClientsModule, webhooksModule,
  depositsModule,
] as const;

import { Foundation1763900000000 } from "../../migrations/1763900000000-Foundation";
import { Numbers1763910000000 } from "../../migrations/1763910000000-Numbers";
import { ChangeFeedChecks1763920000000 } from "../../migrations/1763920000000-ChangeFeedChecks";
import { Subscribers1763930000000 } from "../../migrations/1763930000000-Subscribers";
import { Shutdown1763940000000 } from "../../migrations/1763940000000-Shutdown";
import { Enforcement1763950000000 } from "../../migrations/1763950000000-Enforcement";
import { Compliance1763960000000 } from "../../migrations/1763960000000-Compliance";
import { Trunks1763970000000 } from "../../migrations/1763970000000-Trunks";
import { RefusalsList1763980000000 } from "../../migrations/1763980000000-RefusalsList";
import { Cases1763991300000 } from "../../migrations/1763991300000-Cases";
import { ReachIndexes1763992000000 } from "../../migrations/1763992000000-ReachIndexes";
import { Complaints1763993000000 } from "../../migrations/1763993000000-Complaints";
import { ResellerRoutes1763994000000 } from "../../migrations/1763994000000-ResellerRoutes";
import { Lifts1763996000000 } from "../../migrations/1763996000000-Lifts";
import { MistakenOrders1763997000000 } from "../../migrations/1763997000000-MistakenOrders";
import { TrunkRounds1763995000000 } from "../../migrations/1763995000000-TrunkRounds";
import { Quarantine1763998000000 } from "../../migrations/1763998000000-Quarantine";
import { IdentityTransitions1763999000000 } from "../../migrations/1763999000000-IdentityTransitions";
import { PaperSizes1764000000000 } from "../../migrations/1764000000000-PaperSizes";
import { ApiClients1764003000000 } from "../../migrations/1764003000000-ApiClients";
import { BarCauses1764004000000 } from "../../migrations/1764004000000-BarCauses";
import { PerStatementChecks1764005000000 } from "../../migrations/1764005000000-PerStatementChecks";
import { BulkRejects1764006000000 } from "../../migrations/1764006000000-BulkRejects";
import { Deposits1764007000000 } from "../../migrations/1764007000000-Deposits";
import { ComplianceSnapshots1764001000000 } from "../../migrations/1764001000000-ComplianceSnapshots";
import { Webhooks1764002000000 } from "../../migrations/1764002000000-Webhooks";

/** Every migration, oldest first; the same list runs on PGlite and on PostgreSQL. */
export const MIGRATIONS = [Foundation1763900000000, Numbers1763910000000, ChangeFeedChecks1763920000000, Subscribers1763930000000, Shutdown1763940000000, Enforcement1763950000000, Compliance1763960000000, Trunks1763970000000, RefusalsList1763980000000, Cases1763991300000, ReachIndexes1763992000000, Complaints1763993000000, ResellerRoutes1763994000000, TrunkRounds1763995000000, Lifts1763996000000, MistakenOrders1763997000000, Quarantine1763998000000, IdentityTransitions1763999000000, PaperSizes1764000000000, ComplianceSnapshots1764001000000, Webhooks1764002000000, ApiClients1764003000000, BarCauses1764004000000, PerStatementChecks1764005000000, BulkRejects1764006000000, Deposits1764007000000];

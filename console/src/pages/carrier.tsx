import { useQuery } from "../api";
import { GroupPanel } from "../compliance";
import { useI18n } from "../i18n";
import { COMPLIANCE_REPORT, ComplianceReport } from "../queries";
import { CarrierOrdersPanel, SlaPanel, useOrders } from "../shutdown";
import { PageTitle, useScope } from "./regulator";

/** Carrier: orders waiting for it, then its own compliance and its resellers' (as far as the API lets it read them). */
export function CarrierHome() {
  const i18n = useI18n();
  const scope = useScope();
  const orders = useOrders({ status: "IN_EFFECT" });
  const own = useQuery<{ complianceReport: ComplianceReport }>(COMPLIANCE_REPORT, { groupBy: ["CARRIER"] });
  const resellers = useQuery<{ complianceReport: ComplianceReport }>(COMPLIANCE_REPORT, { groupBy: ["RESELLER"] });
  return (
    <>
      <PageTitle title={i18n.t("carrierPageTitle")} scope={scope} />
      <CarrierOrdersPanel orders={orders} />
      <SlaPanel />
      <div className="wide-pair">
        <GroupPanel id="carrier-own" title={i18n.t("carrierComplianceTitle")} report={own} dimension="CARRIER" />
        <GroupPanel id="carrier-resellers" title={i18n.t("carrierResellersTitle")} report={resellers} dimension="RESELLER" />
      </div>
    </>
  );
}

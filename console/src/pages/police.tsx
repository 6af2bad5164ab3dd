import { useI18n } from "../i18n";
import { IssuePanel, PoliceOrdersPanel, SlaPanel, useOrders } from "../shutdown";
import { PageTitle, useScope } from "./regulator";

/** Police: the orders it reads against their deadlines, issuing new ones, and the carriers' SLA figures. */
export function PoliceHome() {
  const i18n = useI18n();
  const scope = useScope();
  const orders = useOrders(null);
  return (
    <>
      <PageTitle title={i18n.t("policeTitle")} scope={scope} />
      <PoliceOrdersPanel orders={orders} />
      <IssuePanel />
      <SlaPanel />
    </>
  );
}

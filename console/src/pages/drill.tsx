import { useQuery } from "../api";
import { GroupPanel, Summary } from "../compliance";
import { useI18n } from "../i18n";
import { COMPLIANCE_REPORT, ComplianceReport, Dimension } from "../queries";
import { Link, drillRoute } from "../router";
import { Loaded, Section } from "../ui";
import { PageTitle } from "./regulator";

/**
 * Province → carriers → resellers. Any signed-in role may open it: the API answers what the role may
 * read (a carrier or the police get FORBIDDEN, in words).
 */
export function DrillPage({ province, carrier }: { province: string | null; carrier: string | null }) {
  const i18n = useI18n();
  const dimension: Dimension = carrier ? "RESELLER" : "CARRIER";
  const filter = { ...(province ? { province } : {}), ...(carrier ? { carrierCode: carrier } : {}) };
  const report = useQuery<{ complianceReport: ComplianceReport }>(COMPLIANCE_REPORT, { groupBy: [dimension], filter });
  const [provinceName, carrierName] = [province ? i18n.province(province) : "", carrier ? i18n.carrier(carrier) : ""];
  const title =
    province && carrier
      ? i18n.t("byResellerOfCarrierInProvince", { province: provinceName, carrier: carrierName })
      : carrier
        ? i18n.t("byResellerOfCarrier", { carrier: carrierName })
        : i18n.t("byCarrierInProvince", { province: provinceName });
  const crumbs: { text: string; to: string | null }[] = [{ text: i18n.t("national"), to: "/" }];
  if (province) crumbs.push({ text: provinceName, to: carrier ? drillRoute(province, null) : null });
  if (carrier) crumbs.push({ text: carrierName, to: null });
  return (
    <>
      <nav aria-label={i18n.t("breadcrumb")} className="breadcrumb">
        <ol>
          {crumbs.map((crumb) => (
            <li key={crumb.text}>
              {crumb.to ? (
                <Link to={crumb.to}>{crumb.text}</Link>
              ) : (
                <span aria-current="page">{crumb.text}</span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <PageTitle title={title} />
      <Section id="drill-summary" title={i18n.t("cardRate")}>
        <Loaded query={report} render={({ complianceReport }) => <Summary totals={complianceReport.totals} />} />
      </Section>
      <GroupPanel
        id="drill"
        title={title}
        report={report}
        dimension={dimension}
        linkOf={province && !carrier ? (code) => drillRoute(province, code) : undefined}
      />
    </>
  );
}

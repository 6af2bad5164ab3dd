import { useQuery, useSession } from "../api";
import { GroupPanel, Summary, TrendPanel } from "../compliance";
import { useI18n } from "../i18n";
import { COMPLIANCE_REPORT, ComplianceReport, Connection, HOT_NUMBERS, HotNumber, ORGANIZATION, Organization, PENALTIES, Penalty } from "../queries";
import { drillRoute } from "../router";
import { OverdueFigure, OverduePanel, SlaPanel, useOrders } from "../shutdown";
import { DataTable } from "../table";
import { Loaded, Section } from "../ui";

/** The scope a regulator or bureau reads: its province, or national. */
export function useScope(): string | null {
  const i18n = useI18n();
  const { claims } = useSession();
  const me = useQuery<{ organization: Organization | null }>(ORGANIZATION, { code: claims.org });
  // An API key does not say whose it is: no scope line (the API still applies the key's scope).
  if (me.status !== "done" || claims.apiKey) return null;
  const province = me.data.organization?.province ?? null;
  return province ? i18n.province(province) : i18n.t("national");
}

export function PageTitle({ title, scope }: { title: string; scope?: string | null }) {
  const i18n = useI18n();
  return (
    <div className="page-title">
      <h1>{title}</h1>
      {scope && <p className="scope">{i18n.t("regulatorScope", { scope })}</p>}
    </div>
  );
}

function HotPanel() {
  const i18n = useI18n();
  const hot = useQuery<{ hotNumbers: HotNumber[] }>(HOT_NUMBERS);
  return (
    <Section id="hot" title={i18n.t("hotTitle")}>
      <Loaded
        query={hot}
        render={({ hotNumbers }) => (
          <DataTable
            id="hot-numbers"
            caption={i18n.t("hotTitle")}
            rows={hotNumbers}
            rowKey={(h) => h.number}
            initialSort={{ column: "reports", descending: true }}
            columns={[
              { id: "number", label: i18n.t("colNumber"), value: (h) => h.number },
              { id: "reports", label: i18n.t("colReports"), numeric: true, value: (h) => h.reports, render: (h) => i18n.int(h.reports) },
              { id: "carrier", label: i18n.t("colCarrier"), value: (h) => h.carrier?.code ?? null },
              { id: "reseller", label: i18n.t("colReseller"), value: (h) => h.reseller?.code ?? null },
            ]}
          />
        )}
      />
    </Section>
  );
}

function PenaltiesPanel() {
  const i18n = useI18n();
  const penalties = useQuery<{ penalties: Connection<Penalty> }>(PENALTIES);
  const yesNo = (value: boolean) => (value ? i18n.t("yes") : i18n.t("no"));
  return (
    <Section id="penalties" title={i18n.t("penaltiesTitle")}>
      <Loaded
        query={penalties}
        render={({ penalties: connection }) => (
          <DataTable
            id="penalties"
            caption={i18n.t("penaltiesTitle")}
            rows={connection.edges.map((e) => e.node)}
            rowKey={(p) => p.id}
            columns={[
              { id: "decisionDate", label: i18n.t("colDecisionDate"), value: (p) => p.decisionDate, render: (p) => i18n.date(p.decisionDate) },
              {
                id: "targetName",
                label: i18n.t("colTarget2"),
                wrap: true,
                value: (p) => p.targetName,
                render: (p) => `${p.targetName} (${i18n.label("targetKind", p.targetKind)}${p.targetOrgCode ? ` ${p.targetOrgCode}` : ""})`,
              },
              { id: "fineCny", label: i18n.t("colFine"), numeric: true, value: (p) => p.fineCny, render: (p) => i18n.cny(p.fineCny) },
              { id: "legalBasis", label: i18n.t("colLegalBasis"), wrap: true, value: (p) => p.legalBasis },
              { id: "published", label: i18n.t("colPublished"), value: (p) => p.published, render: (p) => yesNo(p.published) },
              { id: "blacklisted", label: i18n.t("colBlacklisted"), value: (p) => p.blacklisted, render: (p) => yesNo(p.blacklisted) },
            ]}
          />
        )}
      />
    </Section>
  );
}

const provinceLink = (code: string) => drillRoute(code, null);
const carrierLink = (code: string) => drillRoute(null, code);

/** National (or a province's) compliance, orders overdue, SLA figures, hot numbers and penalties. */
export function RegulatorHome() {
  const i18n = useI18n();
  const scope = useScope();
  const byProvince = useQuery<{ complianceReport: ComplianceReport }>(COMPLIANCE_REPORT, { groupBy: ["PROVINCE"] });
  const byCarrier = useQuery<{ complianceReport: ComplianceReport }>(COMPLIANCE_REPORT, { groupBy: ["CARRIER"] });
  const overdue = useOrders({ overdue: true });
  return (
    <>
      <PageTitle title={i18n.t("regulatorTitle")} scope={scope} />
      <Section id="summary" title={i18n.t("cardRate")}>
        <Loaded
          query={byProvince}
          render={({ complianceReport }) => (
            <>
              {complianceReport.totals.campaignName && <p className="campaign">{i18n.t("campaign", { name: complianceReport.totals.campaignName })}</p>}
              <Summary totals={complianceReport.totals} extra={<OverdueFigure orders={overdue} />} />
              <p className="as-of">{i18n.t("asOf", { time: i18n.time(complianceReport.at) })}</p>
            </>
          )}
        />
      </Section>
      <p className="help">{i18n.t("drillHint")}</p>
      <div className="wide-pair">
        <GroupPanel id="by-province" title={i18n.t("byProvince")} report={byProvince} dimension="PROVINCE" linkOf={provinceLink} />
        <GroupPanel id="by-carrier" title={i18n.t("byCarrier")} report={byCarrier} dimension="CARRIER" linkOf={carrierLink} />
      </div>
      <TrendPanel target={byProvince.status === "done" ? byProvince.data.complianceReport.totals.target : null} />
      <div className="two-columns">
        <OverduePanel orders={overdue} />
        <HotPanel />
      </div>
      <SlaPanel />
      <PenaltiesPanel />
    </>
  );
}

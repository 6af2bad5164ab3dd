import { ReactNode, useMemo, useState } from "react";
import { QueryState, useQuery } from "./api";
import { Chart } from "./chart";
import { rateBarsOption, trendOption, TrendSeries } from "./chart-options";
import { I18n, useI18n } from "./i18n";
import { COMPLIANCE_HISTORY, ComplianceDay, ComplianceFigures, ComplianceReport, ComplianceRow, Dimension, lastDays } from "./queries";
import { Link } from "./router";
import { Column, DataTable } from "./table";
import { Choice, Empty, Figure, Loaded, Section } from "./ui";

type Report = QueryState<{ complianceReport: ComplianceReport }> & { retry(): void };

/** The group a row stands for, as a key (null: numbers without a province or reseller). */
export function groupOf(row: ComplianceRow, dimension: Dimension): string | null {
  return dimension === "PROVINCE" ? row.province : dimension === "CARRIER" ? row.carrierCode : row.resellerCode;
}

export function groupName(i18n: I18n, dimension: Dimension, code: string | null): string {
  if (dimension === "PROVINCE") return i18n.province(code);
  if (code === null) return dimension === "RESELLER" ? i18n.t("noReseller") : "—";
  return dimension === "CARRIER" ? i18n.carrier(code) : code;
}

/** Behind or ahead of the target in words and a symbol; colour only repeats it. */
export function Standing({ gap }: { gap: number | null }) {
  const i18n = useI18n();
  if (gap === null) return <span className="standing standing-none">{i18n.t("noTarget")}</span>;
  if (gap > 0) {
    return (
      <span className="standing standing-behind">
        <span aria-hidden="true">▼ </span>
        {i18n.t("behind", { gap: i18n.points(gap) })}
      </span>
    );
  }
  return (
    <span className="standing standing-ahead">
      <span aria-hidden="true">▲ </span>
      {gap === 0 ? i18n.t("onTarget") : i18n.t("ahead", { gap: i18n.points(gap) })}
    </span>
  );
}

/** The headline figures of a report's totals. */
export function Summary({ totals, extra }: { totals: ComplianceFigures; extra?: ReactNode }) {
  const i18n = useI18n();
  const tone = totals.gap === null ? "neutral" : totals.gap > 0 ? "bad" : "good";
  return (
    <div className="figures" data-summary="compliance">
      <Figure id="inService" label={i18n.t("cardInService")} value={totals.inService} text={i18n.int(totals.inService)} />
      <Figure id="verified" label={i18n.t("cardVerified")} value={totals.verified} text={i18n.int(totals.verified)} />
      <Figure
        id="realNameRate"
        label={i18n.t("cardRate")}
        value={totals.realNameRate}
        text={i18n.pct(totals.realNameRate)}
        tone={tone}
        detail={
          totals.target === null ? (
            i18n.t("noCampaign")
          ) : (
            <>
              <span data-figure-target={totals.target}>
                {i18n.t("cardTarget")} {i18n.t("targetBy", { target: i18n.pct(totals.target), date: totals.targetDate ? i18n.date(totals.targetDate) : "—" })}
              </span>
              <br />
              <Standing gap={totals.gap} />
            </>
          )
        }
      />
      <Figure id="suspended" label={i18n.t("cardSuspended")} value={totals.suspended} text={i18n.int(totals.suspended)} />
      <Figure id="forceStopped" label={i18n.t("cardForceStopped")} value={totals.forceStopped} text={i18n.int(totals.forceStopped)} />
      <Figure id="complaints" label={i18n.t("cardComplaints")} value={totals.complaints} text={i18n.int(totals.complaints)} />
      {extra}
    </div>
  );
}

/** The columns of a compliance table grouped by one dimension. */
function complianceColumns(i18n: I18n, dimension: Dimension, linkOf?: (code: string) => string | null): Column<ComplianceRow>[] {
  const label = dimension === "PROVINCE" ? i18n.t("colProvince") : dimension === "CARRIER" ? i18n.t("colCarrier") : i18n.t("colReseller");
  const count = (id: keyof ComplianceRow & string, text: string): Column<ComplianceRow> => ({
    id,
    label: text,
    numeric: true,
    value: (row) => row[id] as number,
    render: (row) => i18n.int(row[id] as number),
  });
  return [
    {
      id: "group",
      label,
      value: (row) => groupOf(row, dimension),
      render: (row) => {
        const code = groupOf(row, dimension);
        const route = code !== null && linkOf ? linkOf(code) : null;
        const name = groupName(i18n, dimension, code);
        return route ? <Link to={route}>{name}</Link> : name;
      },
    },
    count("inService", i18n.t("colInService")),
    count("verified", i18n.t("colVerified")),
    { id: "realNameRate", label: i18n.t("colRate"), numeric: true, value: (row) => row.realNameRate, render: (row) => i18n.pct(row.realNameRate) },
    { id: "target", label: i18n.t("colTarget"), numeric: true, value: (row) => row.target, render: (row) => i18n.pct(row.target) },
    { id: "gap", label: i18n.t("colGap"), value: (row) => row.gap, render: (row) => <Standing gap={row.gap} /> },
    { id: "targetDate", label: i18n.t("colTargetDate"), value: (row) => row.targetDate, render: (row) => (row.targetDate ? i18n.date(row.targetDate) : "—") },
    count("suspended", i18n.t("colSuspended")),
    count("forceStopped", i18n.t("colForceStopped")),
    count("complaints", i18n.t("colComplaints")),
  ];
}

/** A report's rows: bars against the target, and the table (sortable by gap, exportable). */
export function GroupPanel({ id, title, report, dimension, linkOf, help }: {
  id: string;
  title: string;
  report: Report;
  dimension: Dimension;
  linkOf?: (code: string) => string | null;
  help?: string;
}) {
  const i18n = useI18n();
  const columns = useMemo(() => complianceColumns(i18n, dimension, linkOf), [i18n, dimension, linkOf]);
  return (
    <Section id={id} title={title}>
      <Loaded
        query={report}
        render={({ complianceReport: { rows, at } }) => (
          <>
            {help && <p className="help">{help}</p>}
            {rows.length > 0 && (
              <Chart
                id={id}
                title={title}
                option={rateBarsOption(
                  rows.map((row) => ({ label: groupName(i18n, dimension, groupOf(row, dimension)), rate: row.realNameRate, target: row.target })),
                  i18n,
                )}
              />
            )}
            {rows.length > 0 && <p className="chart-key">{i18n.t("chartKey")}</p>}
            <DataTable
              id={id}
              caption={title}
              columns={columns}
              rows={rows}
              rowKey={(row) => groupOf(row, dimension) ?? "-"}
              initialSort={{ column: "gap", descending: true }}
              rowTone={(row) => (row.gap !== null && row.gap > 0 ? "bad" : null)}
            />
            <p className="as-of">{i18n.t("asOf", { time: i18n.time(at) })}</p>
          </>
        )}
      />
    </Section>
  );
}

type TrendMode = "TOTAL" | "PROVINCE" | "CARRIER";

/** The real-name rate per day from the daily snapshots (complianceHistory). */
export function TrendPanel({ target }: { target: number | null }) {
  const i18n = useI18n();
  const [mode, setMode] = useState<TrendMode>("PROVINCE");
  const [days, setDays] = useState(90);
  const range = useMemo(() => lastDays(days), [days]);
  const history = useQuery<{ complianceHistory: ComplianceDay[] }>(COMPLIANCE_HISTORY, {
    groupBy: [mode === "CARRIER" ? "CARRIER" : "PROVINCE"],
    ...range,
  });
  const title = i18n.t("trendTitle");
  const controls = (
    <>
      <Choice<TrendMode>
        label={i18n.t("trendBy")}
        value={mode}
        onChange={setMode}
        options={[
          { value: "TOTAL", text: i18n.t("trendTotal") },
          { value: "PROVINCE", text: i18n.t("trendProvince") },
          { value: "CARRIER", text: i18n.t("trendCarrier") },
        ]}
      />
      <Choice<number> label={i18n.t("trendRange")} value={days} onChange={setDays} options={[30, 90, 365].map((n) => ({ value: n, text: i18n.t("days", { n }) }))} />
    </>
  );
  return (
    <Section id="trend" title={title} actions={controls}>
      <Loaded
        query={history}
        render={({ complianceHistory }) => {
          if (complianceHistory.length === 0) return <Empty>{i18n.t("trendEmpty")}</Empty>;
          const daysSorted = [...complianceHistory].sort((a, b) => a.date.localeCompare(b.date));
          const dates = daysSorted.map((d) => d.date);
          const lines: TrendSeries[] = [{ name: i18n.t("trendTotal"), values: daysSorted.map((d) => d.totals.realNameRate), total: true }];
          if (mode !== "TOTAL") {
            const dimension: Dimension = mode;
            const groups = [...new Set(daysSorted.flatMap((d) => d.rows.map((r) => groupOf(r as ComplianceRow, dimension))))];
            for (const group of groups) {
              lines.push({
                name: groupName(i18n, dimension, group),
                values: daysSorted.map((d) => d.rows.find((r) => groupOf(r as ComplianceRow, dimension) === group)?.realNameRate ?? null),
              });
            }
          }
          const columns: Column<ComplianceDay>[] = [
            { id: "date", label: i18n.t("colDate"), value: (d) => d.date, render: (d) => i18n.date(d.date) },
            { id: "inService", label: i18n.t("colInService"), numeric: true, value: (d) => d.totals.inService, render: (d) => i18n.int(d.totals.inService) },
            { id: "verified", label: i18n.t("colVerified"), numeric: true, value: (d) => d.totals.verified, render: (d) => i18n.int(d.totals.verified) },
            { id: "realNameRate", label: i18n.t("colRate"), numeric: true, value: (d) => d.totals.realNameRate, render: (d) => i18n.pct(d.totals.realNameRate) },
          ];
          return (
            <>
              <Chart id="trend" title={title} option={trendOption(dates, lines, target, i18n)} />
              <details className="chart-data">
                <summary>{i18n.t("showData")}</summary>
                <DataTable id="trend" caption={title} columns={columns} rows={daysSorted} rowKey={(d) => d.date} initialSort={{ column: "date", descending: true }} />
              </details>
            </>
          );
        }}
      />
    </Section>
  );
}

import type { EChartsCoreOption } from "echarts/core";
import type { I18n } from "./i18n";

/**
 * Tooltips drawn on the canvas: ECharts' HTML tooltips carry style="" attributes in their markup,
 * which the console's Content-Security-Policy (style-src 'self') refuses.
 */
const TOOLTIP_RENDER = "richText";

export const COLORS = { behind: "#b42318", ahead: "#1b7f3b", none: "#2f5d8a", target: "#1d2939", grid: "#d0d5dd" };
const PALETTE = ["#2f5d8a", "#c4661f", "#1b7f3b", "#7a3e9d", "#b42318", "#0e7c86", "#8a6d1f", "#5c6b7a"];

/** Stripes on a bar that is behind its target: the bar says so without its colour. */
const BEHIND_DECAL = { symbol: "rect", symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: -Math.PI / 4, color: "rgba(255,255,255,0.55)" };

export interface RateBar {
  label: string;
  rate: number | null;
  target: number | null;
}

/** Real-name rate per group as bars, against the target: one dashed line when all share it, steps otherwise. */
export function rateBarsOption(bars: RateBar[], i18n: I18n): EChartsCoreOption {
  const targets = new Set(bars.map((b) => b.target));
  const shared = targets.size === 1 ? bars[0]?.target ?? null : null;
  const pctAxis = new Intl.NumberFormat(i18n.locale, { style: "percent", maximumFractionDigits: 0 });
  const series: Record<string, unknown>[] = [
    {
      name: i18n.t("seriesRate"),
      type: "bar",
      barMaxWidth: 48,
      data: bars.map((b) => {
        const behind = b.rate !== null && b.target !== null && b.rate < b.target;
        const color = b.target === null ? COLORS.none : behind ? COLORS.behind : COLORS.ahead;
        return { value: b.rate, itemStyle: { color, decal: behind ? BEHIND_DECAL : undefined } };
      }),
      // Inside the bar, on a dark badge readable over the stripes: above it the label would meet the target line.
      label: {
        show: true,
        position: "inside",
        color: "#fff",
        fontWeight: "bold",
        backgroundColor: "rgba(16, 24, 40, 0.75)",
        padding: [2, 4],
        borderRadius: 3,
        formatter: (p: { value: number | null }) => i18n.pct(p.value),
      },
      markLine:
        shared !== null
          ? {
              symbol: "none",
              silent: true,
              lineStyle: { type: "dashed", width: 2, color: COLORS.target },
              label: { position: "insideEndTop", formatter: i18n.t("targetLine", { rate: i18n.pct(shared) }) },
              data: [{ yAxis: shared }],
            }
          : undefined,
    },
  ];
  if (shared === null && bars.some((b) => b.target !== null)) {
    series.push({
      name: i18n.t("seriesTarget"),
      type: "line",
      step: "middle",
      symbol: "emptyCircle",
      lineStyle: { type: "dashed", width: 2, color: COLORS.target },
      itemStyle: { color: COLORS.target },
      data: bars.map((b) => b.target),
    });
  }
  return {
    animation: false,
    textStyle: { fontFamily: "inherit" },
    grid: { left: 8, right: 16, top: series.length > 1 ? 40 : 24, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", renderMode: TOOLTIP_RENDER, axisPointer: { type: "shadow" }, valueFormatter: (v: number | null) => i18n.pct(v) },
    // The bars' colours and stripes are explained beside the chart; only a stepped target line needs a key.
    legend: { show: series.length > 1, top: 0, data: series.slice(1).map((s) => s.name as string) },
    xAxis: { type: "category", data: bars.map((b) => b.label), axisLabel: { interval: 0, rotate: bars.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: (v: number) => pctAxis.format(v) }, splitLine: { lineStyle: { color: COLORS.grid } } },
    series,
  };
}

export interface TrendSeries {
  name: string;
  /** One value per date, null where that day has no row for the group. */
  values: (number | null)[];
  total?: boolean;
}

/** Real-name rate per day, a line per group (the total bold), with the target in force today. */
export function trendOption(dates: string[], lines: TrendSeries[], target: number | null, i18n: I18n): EChartsCoreOption {
  const pctAxis = new Intl.NumberFormat(i18n.locale, { style: "percent", maximumFractionDigits: 0 });
  const low = Math.min(1, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)), target ?? 1);
  return {
    animation: false,
    textStyle: { fontFamily: "inherit" },
    color: PALETTE,
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", renderMode: TOOLTIP_RENDER, valueFormatter: (v: number | null) => i18n.pct(v) },
    legend: { top: 0, type: "scroll" },
    xAxis: { type: "category", boundaryGap: false, data: dates, axisLabel: { formatter: (d: string) => d.slice(5) } },
    yAxis: {
      type: "value",
      min: Math.max(0, Math.floor(low * 10) / 10 - 0.1),
      max: 1,
      axisLabel: { formatter: (v: number) => pctAxis.format(v) },
      splitLine: { lineStyle: { color: COLORS.grid } },
    },
    series: lines.map((line, index) => ({
      name: line.name,
      type: "line",
      connectNulls: false,
      showSymbol: dates.length <= 31,
      // Lines differ by dash as well as colour.
      lineStyle: { width: line.total ? 3 : 2, type: line.total ? "solid" : (["solid", "dashed", "dotted"] as const)[index % 3] },
      color: line.total ? COLORS.target : undefined,
      data: line.values,
      markLine:
        index === 0 && target !== null
          ? {
              symbol: "none",
              silent: true,
              lineStyle: { type: "dashed", width: 2, color: COLORS.behind },
              label: { position: "insideEndTop", formatter: i18n.t("targetLine", { rate: i18n.pct(target) }) },
              data: [{ yAxis: target }],
            }
          : undefined,
    })),
  };
}

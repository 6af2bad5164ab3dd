// Loaded on demand (its own chunk): ECharts' core and only the parts the console draws, on canvas,
// so nothing needs an inline style sheet that the Content-Security-Policy would refuse.
import { init, use } from "echarts/core";
import type { EChartsCoreOption, EChartsType } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export function mountChart(element: HTMLElement, option: EChartsCoreOption, locale: "ZH" | "EN"): EChartsType {
  const chart = init(element, undefined, { renderer: "canvas", locale });
  chart.setOption(option);
  return chart;
}

import { useEffect, useRef } from "react";
import type { EChartsCoreOption, EChartsType } from "echarts/core";
import { useI18n } from "./i18n";

/**
 * A chart drawn by ECharts (loaded when the first chart shows). The figures it draws are always also in
 * a table beside it: the chart is a picture for the eye, labelled as such for screen readers.
 */
export function Chart({ option, title, id }: { option: EChartsCoreOption; title: string; id: string }) {
  const i18n = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const latest = useRef(option);
  latest.current = option;

  useEffect(() => {
    let live = true;
    let observer: ResizeObserver | null = null;
    import("./charts").then(({ mountChart }) => {
      if (!live || !element.current) return;
      chart.current = mountChart(element.current, latest.current, i18n.lang === "zh" ? "ZH" : "EN");
      element.current.dataset.rendered = "true";
      // Marks the element once a tooltip has been drawn (the browser tests hover and check the CSP held).
      const marked = element.current;
      chart.current.on("showTip", () => {
        marked.dataset.tooltip = "shown";
      });
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(element.current);
    });
    return () => {
      live = false;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, [i18n.lang]);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={element} className="chart" role="img" aria-label={i18n.t("chartLabel", { title })} data-chart={id} />;
}

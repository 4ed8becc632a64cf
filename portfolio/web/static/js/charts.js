// Charts with Apache ECharts (SVG renderer, aria on), loaded only by the pages that draw one. Bar lengths
// are numbers (geometry); every figure a person reads, in the tooltip or the table beside the chart, is
// the API's decimal string.
import { html, useEffect, useRef } from "./lib.js";
import { t } from "./i18n.js";
import { money, geometry } from "./format.js";

let loading = null;

export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      // The shell names the library with its version (cached for a year; a new version is a new URL).
      script.src = document.querySelector('meta[name="tcm-echarts"]').content;
      script.onload = () => {
        performance.mark("tcm:echarts-loaded");
        resolve(window.echarts);
      };
      script.onerror = () => { loading = null; reject(new Error("ECharts did not load")); };
      document.head.append(script);
    });
  }
  return loading;
}

const COLOURS = ["#1f4e79", "#b45309", "#4d7c0f", "#7c3aed"];

// Grouped bars: one category per row, one bar per measure. rows: [{label, values: {measure: "123.45"|null}}]
export function BarChart({ title, rows, measures, horizontal = false, onDrawn }) {
  const box = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    let live = true;
    let observer = null;
    loadECharts().then((echarts) => {
      if (!live || !box.current) return;
      chart.current = chart.current || echarts.init(box.current, null, { renderer: "svg" });
      const categories = rows.map((row) => row.label);
      const category = {
        type: "category",
        data: categories,
        axisLabel: horizontal ? { width: 150, overflow: "truncate", color: "#1f2937" } : { rotate: categories.length > 8 ? 45 : 0, color: "#1f2937" },
      };
      // Tick labels are geometry, not figures: compact ("15M") so that they do not collide.
      const compact = new Intl.NumberFormat(document.documentElement.lang || "en", { notation: "compact" });
      const value = { type: "value", axisLabel: { color: "#1f2937", formatter: (n) => compact.format(n) } };
      chart.current.setOption({
        animation: false,
        aria: { enabled: true, label: { description: t("chart.description", { title }) }, decal: { show: true } },
        color: COLOURS,
        legend: { top: 0, textStyle: { color: "#1f2937" } },
        grid: { left: horizontal ? 160 : 60, right: 20, top: 36, bottom: horizontal ? 24 : 60, containLabel: !horizontal },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          // The API's strings, never the numbers the bars were drawn from.
          formatter: (items) => {
            const row = rows[items[0].dataIndex];
            const lines = measures.map((m) => `${m.label}: ${money(row.values[m.key])}`);
            return [row.label, ...lines].map(escapeHtml).join("<br>");
          },
        },
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? { ...category, inverse: true } : value,
        series: measures.map((m) => ({ name: m.label, type: "bar", data: rows.map((row) => geometry(row.values[m.key])) })),
      }, true);
      box.current.dataset.chartReady = "true";
      if (onDrawn) onDrawn();
      observer = new ResizeObserver(() => chart.current && chart.current.resize());
      observer.observe(box.current);
    });
    return () => {
      live = false;
      if (observer) observer.disconnect();
    };
  }, [JSON.stringify(rows), title]);
  useEffect(() => () => chart.current && chart.current.dispose(), []);
  const height = horizontal ? Math.max(200, 60 + rows.length * 28) : 320;
  // A style object is applied through the CSSOM, which the Content-Security-Policy allows (a style attribute
  // in the markup it would refuse).
  return html`<div class="chart" ref=${box} style=${{ height: `${height}px` }}></div>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

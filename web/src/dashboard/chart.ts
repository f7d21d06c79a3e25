// A stacked bar chart over time with uPlot: one bar per bucket, one stacked segment per
// series (largest at the bottom), a legend of our own that shows the bucket under the cursor.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "../lib/dom";
import { formatTime } from "../lib/format";
import { stack, type ChartData } from "./stats";

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export interface StackedChartOptions {
  data: ChartData;
  colors: string[];
  // Bucket width in seconds (the last bar ends at x[last] + bucketSeconds).
  bucketSeconds: number;
  format: (v: number) => string;
  height?: number;
  testId: string;
}

export interface StackedChart {
  el: HTMLElement;
  resize(): void;
  destroy(): void;
}

// Appends the chart to `parent` (so it can measure its width) and returns it.
export function stackedBarChart(parent: HTMLElement, opts: StackedChartOptions): StackedChart {
  const { data, colors, format } = opts;
  const el = h("div", { class: "dash-chart", "data-testid": opts.testId, "data-series": data.keys.length, "data-sum": String(data.sum), "data-buckets": data.x.length });
  const plotBox = h("div", { class: "dash-chart-plot" });
  const hover = h("div", { class: "dash-chart-hover" }, "\u00a0");
  const legend = h("div", { class: "dash-legend" });
  el.append(plotBox, hover, legend);
  parent.append(el);

  const valueEls: HTMLElement[] = [];
  data.keys.forEach((k, i) => {
    const v = h("b", null, format(data.totals[i]));
    valueEls.push(v);
    legend.append(h("span", { class: "dash-legend-item", "data-key": k }, h("i", { style: { background: colors[i] } }), h("span", null, k), v));
  });
  const showTotals = () => {
    valueEls.forEach((v, i) => (v.textContent = format(data.totals[i])));
    hover.textContent = data.keys.length ? `whole window: ${format(data.sum)}` : "\u00a0";
  };
  showTotals();

  if (data.keys.length === 0) {
    plotBox.append(h("div", { class: "dash-chart-empty" }, "Nothing in this window."));
    return { el, resize() {}, destroy() {} };
  }

  const stacked = stack(data.values);
  const n = data.keys.length;
  const last = data.x[data.x.length - 1];
  const xEnd = last + opts.bucketSeconds;
  const axisColor = cssVar("--fg-2", "#5a6272");
  const gridColor = cssVar("--border", "#d9dde4");
  const bars = uPlot.paths.bars!({ align: 1, size: [0.9, Infinity], gap: 1 });

  const series: uPlot.Series[] = [{}];
  const plotData: uPlot.AlignedData = [data.x];
  // Top of the stack first: each later (lower) series paints over the bottom of the previous.
  for (let k = n - 1; k >= 0; k--) {
    series.push({
      label: data.keys[k],
      stroke: colors[k],
      fill: colors[k],
      width: 0,
      paths: bars,
      points: { show: false },
    });
    plotData.push(stacked[k]);
  }

  const width = () => Math.max(200, Math.floor(plotBox.clientWidth || el.clientWidth || 500));
  const u = new uPlot(
    {
      width: width(),
      height: opts.height ?? 220,
      series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: true, range: () => [data.x[0], xEnd] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          size: 64,
          values: (_u, vals) => vals.map((v) => format(v)),
        },
      ],
      hooks: {
        setCursor: [
          (self) => {
            const i = self.cursor.idx;
            if (i === null || i === undefined) {
              showTotals();
              return;
            }
            let sum = 0;
            valueEls.forEach((v, k) => {
              v.textContent = format(data.values[k][i]);
              sum += data.values[k][i];
            });
            const t0 = data.x[i] * 1e9;
            const t1 = (i + 1 < data.x.length ? data.x[i + 1] : xEnd) * 1e9;
            hover.textContent = `${formatTime(t0).slice(0, 16)} – ${formatTime(t1).slice(11, 16)}: ${format(sum)}`;
          },
        ],
      },
    },
    plotData,
    plotBox,
  );
  return {
    el,
    resize() {
      u.setSize({ width: width(), height: opts.height ?? 220 });
    },
    destroy() {
      u.destroy();
    },
  };
}

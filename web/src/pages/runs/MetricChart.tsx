import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { align, type Series } from "./smooth";

// One metric over steps, one line per run, drawn by uPlot on a canvas. Loaded on demand: the
// chart library is not part of the portal's first download.

/** Steps are whole numbers: no tick at 0.25. */
const STEP_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
const PALETTE = ["#228be6", "#fa5252", "#40c057", "#fab005", "#7950f2", "#15aabf", "#e64980", "#fd7e14", "#82c91e", "#495057"];

export interface MetricChartProps {
  metric: string;
  series: Series[];
  weight?: number;
  log?: boolean;
  height?: number;
}

export default function MetricChart({ metric, series, weight = 0, log = false, height = 220 }: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data = align(series, { weight, log });
    // The canvas cannot inherit a colour: the axes take the page's text colour, light or dark theme.
    const ink = getComputedStyle(el).color;
    const grid = { stroke: "rgba(128, 128, 128, 0.25)", width: 1 };
    const axis = { stroke: ink, grid, ticks: grid };
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [{ ...axis, label: "step", incrs: STEP_INCREMENTS }, axis],
        series: [{ label: "step" }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true, points: { show: s.points.length < 2 } }))],
        legend: { show: series.length > 1 },
      },
      data as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, weight, log, height]);
  return <div ref={box} role="img" aria-label={`${metric} over steps${series.length > 1 ? `, ${series.length} runs` : ""}`} data-chart={metric} />;
}

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { align, type Series } from "./smooth";

// One metric over steps, one line per run, drawn by uPlot on a canvas. Loaded on demand: the
// chart library is not part of the portal's first download.

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
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [{ label: "step" }, {}],
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

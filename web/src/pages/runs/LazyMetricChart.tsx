import { Loader } from "@mantine/core";
import { lazy, Suspense } from "react";
import type { MetricChartProps } from "./MetricChart";

const MetricChart = lazy(() => import("./MetricChart"));

/** A metric chart, its code fetched when the first one shows. */
export function LazyMetricChart(props: MetricChartProps) {
  return (
    <Suspense fallback={<Loader size="sm" aria-label={`Loading the ${props.metric} chart`} />}>
      <MetricChart {...props} />
    </Suspense>
  );
}

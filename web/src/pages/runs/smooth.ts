// Chart helpers: a metric's points smoothed with an exponential moving average (as TensorBoard
// does, debiased so the first points are not pulled towards zero), and several runs' series
// aligned on one set of steps, as uPlot wants them.

export interface Series {
  label: string;
  points: { step: number; value: number }[];
}

/** EMA with weight `weight` (0: none, 0.99: heavy); NaN and infinite points are left out of the average and kept as gaps. */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let seen = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    seen++;
    return last / (1 - weight ** seen);
  });
}

/** The union of all series' steps, and each series' value at each (null where it has none, or where a log scale cannot show it). */
export function align(series: Series[], opts: { weight: number; log: boolean }): [number[], ...(number | null)[][]] {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array(steps.length).fill(null);
    for (const p of s.points) column[index.get(p.step)!] = Number.isFinite(p.value) ? p.value : null;
    return smooth(column, opts.weight).map((v) => (v !== null && opts.log && v <= 0 ? null : v));
  });
  return [steps, ...columns];
}

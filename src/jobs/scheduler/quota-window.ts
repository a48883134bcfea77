// GPU-hours in a rolling window: what a user or team used in the last 7 days, counting the
// jobs that ran and the running ones so far, and when that falls below a quota again. Pure
// functions over spans of GPU time, so the server and the tests compute it the same way.

export const QUOTA_WINDOW_MS = 7 * 86_400_000;

/** GPUs held from `start` to `end` (ms). For a running job, `end` is when it is expected to end. */
export interface GpuSpan {
  gpus: number;
  start: number;
  end: number;
}

/** GPU-seconds of one span inside the window that ends at `t` (a running span counts up to `t`). */
function spanAt(s: GpuSpan, t: number, windowMs: number): number {
  return (s.gpus * Math.max(0, Math.min(s.end, t) - Math.max(s.start, t - windowMs))) / 1000;
}

/** GPU-seconds used in the window that ends at `t`. */
export function gpuSecondsAt(spans: Iterable<GpuSpan>, t: number, windowMs = QUOTA_WINDOW_MS): number {
  let sum = 0;
  for (const s of spans) sum += spanAt(s, t, windowMs);
  return sum;
}

/**
 * The earliest time from `now` at which the usage in the window is below `limitS`
 * GPU-seconds: `now` itself when it already is, Infinity when it never will be (a limit of
 * 0). Running spans are assumed to run until their `end`. Usage over time is piecewise
 * linear: a span adds its GPUs per second while it runs and is inside the window, and takes
 * them off again as its start and then its end leave the window; so one sweep over the
 * points where slopes change finds the crossing. O(n log n) in the spans.
 */
export function windowFreesAt(spans: GpuSpan[], now: number, limitS: number, windowMs = QUOTA_WINDOW_MS): number {
  if (!(limitS > 0)) return Number.POSITIVE_INFINITY;
  let used = gpuSecondsAt(spans, now, windowMs);
  if (used < limitS) return now;
  // Slope changes (GPU-seconds per ms) after now, and the slope just after now.
  const changes: Array<[number, number]> = [];
  let slope = 0;
  for (const s of spans) {
    const g = s.gpus / 1000;
    if (g <= 0 || s.end <= s.start) continue;
    const full = Math.min(s.end, s.start + windowMs);
    const fall = Math.max(s.end, s.start + windowMs);
    const gone = s.end + windowMs;
    const points: Array<[number, number]> = [
      [s.start, g],
      [full, -g],
      [fall, -g],
      [gone, g],
    ];
    for (const [at, d] of points) {
      if (at <= now) slope += d;
      else changes.push([at, d]);
    }
  }
  changes.sort((a, b) => a[0] - b[0]);
  let t = now;
  for (const [at, d] of changes) {
    if (slope < 0) {
      const crossing = t + (used - limitS) / -slope;
      if (crossing < at) {
        // The sum above carries rounding: check the millisecond after, and take one more if needed.
        const after = Math.floor(crossing) + 1;
        return gpuSecondsAt(spans, after, windowMs) < limitS ? after : after + 1;
      }
    }
    used += slope * (at - t);
    t = at;
    slope += d;
    if (used < limitS) {
      // The running sum carries rounding: at a breakpoint where usage only touches the limit,
      // the exact sum decides, and the sweep goes on from it when it is not below.
      const exact = gpuSecondsAt(spans, t, windowMs);
      if (exact < limitS) return t;
      used = exact;
    }
  }
  return Number.POSITIVE_INFINITY;
}

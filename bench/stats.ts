/** Small statistics for the benchmark table. Pure. */

/** Median of the samples (mean of the middle two for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** a / b, or undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

/**
 * How far from linear the cost is: the largest ratio between per-item costs (ms / n) of any two sizes,
 * after removing a fixed cost estimated from the smallest size's intercept. 1.0 is perfectly linear. Uses
 * a least-squares line through (n, ms): returns the slope (ms per item), intercept and the worst relative
 * deviation of a point from the line.
 */
export function linearFit(points: ReadonlyArray<{ n: number; ms: number }>): { slope: number; intercept: number; maxDeviation: number } | undefined {
  if (points.length < 2) return undefined;
  const k = points.length;
  const sx = points.reduce((a, p) => a + p.n, 0);
  const sy = points.reduce((a, p) => a + p.ms, 0);
  const sxx = points.reduce((a, p) => a + p.n * p.n, 0);
  const sxy = points.reduce((a, p) => a + p.n * p.ms, 0);
  const denom = k * sxx - sx * sx;
  if (denom === 0) return undefined;
  const slope = (k * sxy - sx * sy) / denom;
  const intercept = (sy - slope * sx) / k;
  const maxDeviation = Math.max(...points.map((p) => Math.abs(p.ms - (intercept + slope * p.n)) / Math.max(p.ms, 1e-9)));
  return { slope, intercept, maxDeviation };
}

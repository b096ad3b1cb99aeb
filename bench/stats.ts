/** Statistics of benchmark samples: pure, no I/O, so tests can import them. */

/**
 * Runs i of two targets, taken one right after the other (sampleAlternating), compared pair by
 * pair: the median of the per-pair ratios a/b and how many pairs a won. A slow spell of the machine
 * hits both runs of a pair alike, so this shows whether a lead holds run by run, which the ratio
 * of the two medians alone does not.
 */
export function pairedRatios(
  a: readonly number[],
  b: readonly number[],
): { median: number; wins: number; pairs: number } {
  const pairs = Math.min(a.length, b.length);
  if (pairs === 0) throw new Error('pairedRatios: no pairs');
  const ratios = Array.from({ length: pairs }, (_, i) => a[i]! / b[i]!);
  return { median: median(ratios), wins: ratios.filter((r) => r < 1).length, pairs };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The p-th percentile by nearest rank: the smallest sample that at least p % of the samples do not
 * exceed. p99 of 500 samples is the 495th smallest, so 5 samples may lie above it.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile: no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100] (got ${p})`);
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil((p / 100) * s.length) - 1]!;
}

/** The latency figures every udsipc-client report prints, in microseconds. */
export interface LatencySummary {
  count: number;
  minUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample with at least `p`% of the
 * samples at or below it. Nearest-rank always answers a value that was measured, never an
 * interpolation, so p99 of a short run is its worst sample rather than a made-up number.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Sorts a copy of the samples and summarises them; undefined when there are none. */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary | undefined {
  if (samples.length === 0) return undefined;
  // A typed array sorts numerically and in place without a comparator call per pair.
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    minUs: Math.round(sorted[0]!),
    p50Us: Math.round(percentile(sorted, 50)),
    p99Us: Math.round(percentile(sorted, 99)),
    maxUs: Math.round(sorted[sorted.length - 1]!),
  };
}

/** Microseconds between two process.hrtime.bigint() readings. */
export function elapsedUs(start: bigint, end: bigint): number {
  return Number(end - start) / 1_000;
}

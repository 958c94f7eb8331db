import { percentile } from '@udsipc/node';

/**
 * Summary statistics: percentiles of one run's latencies, median and range across runs. The
 * percentile rule and the warm-up rule are udsipc-client bench's own, imported from @udsipc/node.
 */

export interface LatencyPercentiles {
  p50Us: number;
  p99Us: number;
  p999Us: number;
}

/** p50/p99/p99.9 of latency samples in µs, rounded to 0.1 µs; the samples are sorted in place. */
export function latencyPercentiles(samples: Float64Array): LatencyPercentiles {
  samples.sort();
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    p50Us: round(percentile(samples, 50)),
    p99Us: round(percentile(samples, 99)),
    p999Us: round(percentile(samples, 99.9)),
  };
}

/** Median with its range across runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** One value per run, in run order. */
  runs: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function spread(values: readonly number[]): Spread | undefined {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return undefined;
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: [...values] };
}

/** a / b, or undefined when either side is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return undefined;
  }
  return a / b;
}

export {
  type EchoBenchOptions,
  type EchoBenchResult,
  runEchoBench,
  warmupCount,
} from './bench/run-echo-bench.js';
export { main } from './main.js';
export {
  type ClientCodec,
  type Command,
  type ConnectionOptions,
  DEFAULTS,
  type Invocation,
  parseInvocation,
} from './options.js';
export { elapsedUs, type LatencySummary, percentile, summarizeLatencies } from './percentiles.js';

// Bench rows made up for the tests that read tables and targets: one run per row, no process,
// no speed measured. Written once for every such test.
import { type PayloadId, type PhaseName, payloadFor, TRANSPORTS, type TransportId } from '../src/plan.js';
import { type RowResult, type RunSample, summarize } from '../src/rows.js';

/** One phase of the made-up run: its name, its window and the msgs/s it "measured". */
export interface SyntheticPhase {
  readonly name: PhaseName;
  readonly window: number;
  readonly msgsPerSec: number;
}

/**
 * A row of `transport` and `payload` whose one run measured `phases`, or, given a string, a row
 * SKIPPED with that reason and no run. `planned` is the row's plan of phases (none by default).
 */
export function syntheticRow(
  transport: TransportId,
  payload: PayloadId,
  phases: readonly SyntheticPhase[] | string,
  planned: readonly { name: PhaseName; window: number }[] = [],
): RowResult {
  const info = TRANSPORTS[transport];
  const runs: RunSample[] =
    typeof phases === 'string'
      ? []
      : [
          {
            run: 1,
            phases: Object.fromEntries(
              phases.map(({ name, window, msgsPerSec }) => [
                name,
                {
                  window,
                  count: 2_000,
                  errors: 0,
                  warmup: 200,
                  measured: 1_800,
                  durationMs: 100,
                  msgsPerSec,
                  p50Us: 100,
                  p99Us: 200,
                  p999Us: null,
                },
              ]),
            ),
            server: { peakRssMiB: 1, cpuS: 0.1 },
            serverStartupCpuS: 0,
            errors: 0,
          },
        ];
  return {
    transport,
    label: info.label,
    kind: info.kind,
    payload: payloadFor(transport, payload)!,
    phases: planned.map(({ name, window }) => ({
      name,
      window,
      maxCount: 2_000,
      maxMs: 100,
      minMeasured: 100,
      capMs: 1_000,
    })),
    runs,
    failures: [],
    ...(typeof phases === 'string' ? { skipped: phases } : {}),
    summary: summarize(runs),
  };
}

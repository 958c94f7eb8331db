// The rule that keeps every phase measuring something, and what a row says when one still did not.

import { warmupCount } from '@udsipc/node';
import { describe, expect, it } from 'vitest';
import { loadOutcome } from '../src/load-outcome.js';
import { capMsOf, minMeasuredOf, timeIsUp } from '../src/phase-end.js';
import { type PhaseResult, type PhaseSpec, phasesFor } from '../src/plan.js';
import { type RowResult, summarize } from '../src/rows.js';
import { unmeasuredNote } from '../src/unmeasured.js';

const pingpong: PhaseSpec = {
  name: 'pingpong',
  window: 1,
  maxCount: 20_000,
  maxMs: 400,
  minMeasured: minMeasuredOf(20_000),
  capMs: capMsOf(400),
};

describe('a phase time budget', () => {
  it('ends a phase only once it has measured its minimum, or at its cap', () => {
    expect(pingpong.minMeasured).toBe(100);
    expect(timeIsUp(pingpong, 399, 5_000)).toBe(false);
    expect(timeIsUp(pingpong, 400, 100)).toBe(true);
    // Fewer than warm-up + minimum completed: run on past the budget ...
    expect(timeIsUp(pingpong, 1_500, 99)).toBe(false);
    // ... but never past the cap.
    expect(timeIsUp(pingpong, 4_000, 0)).toBe(true);
  });

  it('asks no more than the count can give, and nothing of the warm-up phase', () => {
    for (const count of [1, 10, 40, 200, 1_000, 20_000]) {
      expect(warmupCount(count) + minMeasuredOf(count)).toBeLessThanOrEqual(count);
    }
    const phases = phasesFor({
      warmup: { maxCount: 40, maxMs: 300 },
      pingpong: { maxCount: 200, maxMs: 700 },
      w8: { maxCount: 200, maxMs: 700 },
    });
    expect(phases.map((phase) => [phase.name, phase.minMeasured, phase.capMs])).toEqual([
      ['warmup', 0, 3_000],
      ['pingpong', 20, 7_000],
      ['w8', 20, 7_000],
    ]);
  });
});

function result(count: number, measured: number): PhaseResult {
  return {
    window: 1,
    count,
    errors: 0,
    warmup: Math.min(count, warmupCount(pingpong.maxCount)),
    measured,
    durationMs: measured > 0 ? 100 : 0,
    msgsPerSec: measured > 0 ? 1_000 : 0,
    p50Us: measured > 0 ? 50 : 0,
    p99Us: measured > 0 ? 90 : 0,
    p999Us: null,
  };
}

function row(results: PhaseResult[]): RowResult {
  const runs = results.map((phase, index) => ({
    run: index + 1,
    phases: { pingpong: phase },
    server: { peakRssMiB: 60, cpuS: 0.5 },
    serverStartupCpuS: 0.1,
    errors: 0,
  }));
  return {
    transport: 'udsipc-stream',
    label: 'udsipc stream',
    kind: 'stream',
    payload: { id: 'medium', bytes: 4096, label: '4 KiB', attachment: false },
    phases: [pingpong],
    runs,
    failures: [],
    summary: summarize(runs),
  };
}

describe('a row with a phase that measured nothing', () => {
  it('says why in its notes instead of a bare "—"', () => {
    const empty = row([result(912, 0), result(1_150, 150)]);
    expect(empty.summary.pingpong.rtPerSec?.runs).toEqual([1_000]);
    expect(unmeasuredNote(empty, 'pingpong')).toBe(
      'ping-pong measured nothing in 1 of 2 runs (at most 912 done, warm-up 1,000, cap 4,000 ms)',
    );
    expect(unmeasuredNote(row([result(1_150, 150)]), 'pingpong')).toBeUndefined();
  });
});

describe('a load outcome', () => {
  it('counts lost requests and executions beyond one per request', () => {
    const tally = { clientId: 'c', sent: 10, answered: 9, failed: 1, mismatched: 0, retried: 3 };
    const outcome = loadOutcome(
      [{ clients: [tally, { ...tally, answered: 10, failed: 0 }], failures: [] }],
      21,
    );
    expect(outcome).toMatchObject({
      clients: 2,
      sent: 20,
      answered: 19,
      lost: 1,
      failed: 1,
      executedTwice: 1,
    });
  });
});

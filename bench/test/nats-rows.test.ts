// The NATS rows without a NATS server: what --only selects, the payloads they run, and the target
// lines made of them. Synthetic rows, so no process runs and no speed is asserted.

import { describe, expect, it } from 'vitest';
import { natsTargets } from '../src/nats-targets.js';
import { budgetKey, type PayloadId, payloadFor, TRANSPORTS, type TransportId } from '../src/plan.js';
import type { RowResult } from '../src/rows.js';
import { SELECTABLE, selected } from '../src/run-bench.js';
import { counterpart } from '../src/table.js';
import { syntheticRow } from './synthetic-row.js';

const PHASES = [
  { name: 'pingpong', window: 1 },
  { name: 'w8', window: 8 },
  { name: 'w64', window: 64 },
] as const;

/** A row of one run measuring `rates` msgs/s in ping-pong, w8 and w64, or SKIPPED with a reason. */
function row(
  transport: TransportId,
  payload: PayloadId,
  rates: [number, number, number] | string,
): RowResult {
  const phases =
    typeof rates === 'string' ? rates : PHASES.map((spec, i) => ({ ...spec, msgsPerSec: rates[i]! }));
  return syntheticRow(transport, payload, phases, PHASES);
}

describe('the NATS rows', () => {
  it('are selected by `nats` (and by their own names and families), nothing else is', () => {
    const byNats = SELECTABLE.filter((name) => selected(name, ['nats']));
    expect(byNats).toEqual(['raw-nats', 'udsipc-nats']);
    expect(selected('udsipc-nats', ['udsipc'])).toBe(true);
    expect(selected('raw-nats', ['raw-nats'])).toBe(true);
    expect(selected('udsipc-dgram', ['nats'])).toBe(false);
    expect(SELECTABLE.some((name) => selected(name, ['constructor']))).toBe(false);
  });

  it('run 64 B and 4 KiB only, with the small and medium budgets, and udsipc nats is compared with raw nats.js', () => {
    for (const id of ['udsipc-nats', 'raw-nats'] as const) {
      expect(payloadFor(id, 'small')?.bytes).toBe(64);
      expect(payloadFor(id, 'medium')?.bytes).toBe(4 * 1024);
      expect(payloadFor(id, 'large')).toBeUndefined();
      expect(payloadFor(id, 'attachment')).toBeUndefined();
      expect(budgetKey('medium', TRANSPORTS[id].kind)).toBe('medium');
    }
    const own = row('udsipc-nats', 'small', [1, 2, 3]);
    const base = row('raw-nats', 'small', [2, 4, 6]);
    expect(counterpart([own, base], own, 'baseline')).toBe(base);
    expect(counterpart([own, base], own, 'c')).toBeUndefined();
  });

  it('give one target line per payload and window, PASS at 0.8× and above', () => {
    const rows = [
      row('raw-nats', 'small', [1_000, 10_000, 40_000]),
      row('udsipc-nats', 'small', [900, 8_000, 20_000]),
      row('raw-nats', 'medium', [800, 5_000, 10_000]),
      row('udsipc-nats', 'medium', [800, 3_000, 9_000]),
    ];
    const checks = natsTargets(rows);
    expect(checks.map((check) => [check.id, check.status, check.ratio])).toEqual([
      ['nats-small-pingpong', 'PASS', 0.9],
      ['nats-small-w8', 'PASS', 0.8],
      ['nats-small-w64', 'MISS', 0.5],
      ['nats-medium-pingpong', 'PASS', 1],
      ['nats-medium-w8', 'MISS', 0.6],
      ['nats-medium-w64', 'PASS', 0.9],
    ]);
    expect(checks[0]!.goal).toBe('udsipc nats ≥ 0.8× raw nats.js (64 B, ping-pong rt/s)');
    expect(checks[2]!.detail).toBe('20.0k msgs/s / 40.0k msgs/s = 0.50×');
  });

  it('are N/A with the reason, said once, when nats-server cannot run', () => {
    const why = 'nats-server is not installed (nats-server: ENOENT)';
    const checks = natsTargets([row('raw-nats', 'small', why), row('udsipc-nats', 'small', why)]);
    expect(checks).toHaveLength(3);
    for (const check of checks) {
      expect(check.status).toBe('N/A');
      expect(check.detail).toBe(`not measured (udsipc nats 64 B SKIPPED, raw nats.js 64 B SKIPPED: ${why})`);
    }
    const alone = natsTargets([row('udsipc-nats', 'small', [1, 2, 3])]);
    expect(alone[0]).toMatchObject({ status: 'N/A', detail: 'not measured (raw nats.js 64 B not run)' });
  });
});

// The layer floor's bound, and the floor measured through its worker: real RpcServer, RpcClient and
// codec in one process, every request answered.

import { describe, expect, it } from 'vitest';
import { runLayerFloor } from '../src/layer-floor.js';
import { w64Bound } from '../src/layer-rows.js';

describe('w64Bound', () => {
  it('is the baseline’s CPU a message over its socket work plus the layer', () => {
    // 2 cores at 200k msgs/s: 10 µs a message, 2 of them JSON; a layer of 8 µs makes it 16.
    expect(w64Bound(200_000, 2, 2, 8)).toBeCloseTo(10 / 16, 10);
    // A layer no dearer than the baseline's JSON would allow the baseline's own rate.
    expect(w64Bound(200_000, 2, 2, 2)).toBeCloseTo(1, 10);
    // No JSON of its own (raw nats.js): the whole layer comes on top.
    expect(w64Bound(100_000, 2, 0, 20)).toBeCloseTo(20 / 40, 10);
    // JSON measured above what the row's rate allows cannot make the socket work negative.
    expect(w64Bound(1_000_000, 2, 5, 4)).toBeCloseTo(2 / 4, 10);
  });

  it('says nothing without the baseline row or a figure', () => {
    expect(w64Bound(undefined, 2, 1, 1)).toBeUndefined();
    expect(w64Bound(0, 2, 1, 1)).toBeUndefined();
    expect(w64Bound(100_000, 2, undefined, 1)).toBeUndefined();
    expect(w64Bound(100_000, 2, 1, undefined)).toBeUndefined();
  });
});

describe('runLayerFloor', () => {
  it('measures both layers and the baseline JSON, every request answered', async () => {
    const sample = await runLayerFloor({ size: 64, count: 256 });
    expect(sample.size).toBe(64);
    for (const figure of [sample.serverUs, sample.pairUs, sample.ndjsonServerUs, sample.ndjsonPairUs]) {
      expect(figure).toBeGreaterThan(0);
    }
  });

  it('measures a count that is not a multiple of the window', async () => {
    const sample = await runLayerFloor({ size: 100, count: 70 });
    expect(sample.serverUs).toBeGreaterThan(0);
    expect(sample.pairUs).toBeGreaterThan(0);
  });
});

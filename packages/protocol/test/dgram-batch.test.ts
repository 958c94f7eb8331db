import { describe, expect, it } from 'vitest';
import { framesThatFit, MAX_BATCH_FRAMES, packBatch, unpackBatch } from '../src/dgram-batch.js';

describe('datagram batches', () => {
  it('pack at most MAX_BATCH_FRAMES frames, and a batch holding more is refused whole', () => {
    const frames = Array.from({ length: 1_000 }, (_, n) => Buffer.from(`{"n":${n}}`));
    expect(framesThatFit(frames, 65_535)).toBe(MAX_BATCH_FRAMES);
    const full = packBatch(frames.slice(0, MAX_BATCH_FRAMES));
    expect(unpackBatch(full)).toHaveLength(MAX_BATCH_FRAMES);
    // One frame more, as a hostile peer would pack thousands: one datagram must not cost the server unbounded work.
    expect(unpackBatch(packBatch(frames.slice(0, MAX_BATCH_FRAMES + 1)))).toBeUndefined();
    expect(unpackBatch(packBatch(frames.slice(0, 3)))?.map(String)).toEqual([
      '{"n":0}',
      '{"n":1}',
      '{"n":2}',
    ]);
  });
});

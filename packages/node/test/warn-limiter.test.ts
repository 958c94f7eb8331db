import { afterEach, describe, expect, it, vi } from 'vitest';
import { WarnLimiter } from '../src/server/warn-limiter.js';

describe('WarnLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through per window and reports the rest when the window ends', () => {
    vi.useFakeTimers();
    const suppressed: Array<[string, number]> = [];
    const limiter = new WarnLimiter((kind, count) => suppressed.push([kind, count]), {
      burst: 2,
      windowMs: 1_000,
    });
    const allowed = Array.from({ length: 5 }, () => limiter.allow('a'));
    expect(allowed).toEqual([true, true, false, false, false]);
    expect(limiter.allow('b')).toBe(true);
    expect(suppressed).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(suppressed).toEqual([['a', 3]]);
    expect(limiter.allow('a')).toBe(true);
    limiter.close();
    expect(suppressed).toEqual([['a', 3]]);
  });
});

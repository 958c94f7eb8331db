import { requestCounterOf } from '@udsipc/protocol';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { BELOW_WATERMARK, ReplayCache, ReplayTicket } from '../src/replay-cache.js';

describe('replay memory', () => {
  const client = (id: string) => id.slice(0, id.lastIndexOf(':'));
  const claim = (cache: ReplayCache, id: string, now: number) => cache.claim(id, client(id), now);
  const remembered = (cache: ReplayCache, id: string, now: number) => {
    const known = claim(cache, id, now);
    return known instanceof ReplayTicket ? undefined : known;
  };
  const run = (cache: ReplayCache, id: string, reply: Buffer, now: number) => {
    const ticket = claim(cache, id, now);
    expect(ticket).toBeInstanceOf(ReplayTicket);
    cache.complete(ticket as ReplayTicket, reply, now);
  };

  it('answers a resend from memory, marks running requests, and forgets by count, age and bytes', () => {
    const cache = new ReplayCache({ maxPerClient: 3, maxClients: 2, maxBytes: 100, ttlMs: 1000 });
    const ticket = claim(cache, 'a:1', 0);
    expect(ticket).toBeInstanceOf(ReplayTicket);
    expect(claim(cache, 'a:1', 0)).toBe('pending');
    cache.complete(ticket as ReplayTicket, Buffer.from('reply-1'), 0);
    expect(claim(cache, 'a:1', 10)?.toString()).toBe('reply-1');
    // Expired: forgotten, so the id is new again.
    expect(claim(cache, 'a:1', 2000)).toBeInstanceOf(ReplayTicket);

    for (const n of [2, 3, 4, 5]) run(cache, `a:${n}`, Buffer.from('r'), 3000);
    expect(remembered(cache, 'a:2', 3000)).toBeUndefined();
    expect(remembered(cache, 'a:5', 3000)?.toString()).toBe('r');

    claim(cache, 'b:1', 3000);
    claim(cache, 'c:1', 3000);
    expect(cache.size.clients).toBe(2);
    expect(remembered(cache, 'a:5', 3000)).toBeUndefined();

    run(cache, 'c:2', Buffer.alloc(60), 3000);
    run(cache, 'b:2', Buffer.alloc(60), 3000);
    expect(cache.size.bytes).toBeLessThanOrEqual(100);
    cache.sweep(10_000);
    expect(cache.size).toEqual({ clients: 0, entries: 0, bytes: 0 });
  });

  it('does not store the reply of a request forgotten while it ran', () => {
    const cache = new ReplayCache({ maxPerClient: 1, maxClients: 10, maxBytes: 1e6, ttlMs: 1000 });
    const first = claim(cache, 'a:1', 0) as ReplayTicket;
    claim(cache, 'a:2', 0);
    cache.complete(first, Buffer.alloc(10), 0);
    expect(cache.size.bytes).toBe(0);
  });

  it('holds at most maxEntries request ids in all, forgetting the least recently active clients first', () => {
    const cache = new ReplayCache({
      maxPerClient: 10,
      maxClients: 100,
      maxBytes: 1e6,
      ttlMs: 1000,
      maxEntries: 5,
    });
    for (const id of ['a:1', 'a:2', 'b:1', 'b:2', 'c:1']) claim(cache, id, 0);
    expect(cache.size).toMatchObject({ clients: 3, entries: 5 });
    claim(cache, 'a:3', 0); // a is now the most recent; b the least
    expect(cache.size).toMatchObject({ clients: 2, entries: 4 });
    expect(remembered(cache, 'b:1', 0)).toBeUndefined();
    expect(claim(cache, 'a:1', 0)).toBe('pending');
    // One client alone is bounded by maxPerClient, never evicted by its own requests.
    for (let n = 1; n <= 20; n++) claim(cache, `solo:${n}`, 0);
    expect(cache.size).toMatchObject({ clients: 1, entries: 10 });
  });
});

describe('replay memory and client watermarks', () => {
  const limits = { maxPerClient: 100, maxClients: 10, maxBytes: 1e6, ttlMs: 60_000 };
  const claimAt = (cache: ReplayCache, n: number, low: number) => cache.claim(`w:${n}`, 'w', 0, n, low);
  const complete = (cache: ReplayCache, n: number, low: number) => {
    const ticket = claimAt(cache, n, low);
    expect(ticket).toBeInstanceOf(ReplayTicket);
    cache.complete(ticket as ReplayTicket, Buffer.from(`r${n}`), 0);
  };

  it('keeps everything at or above the watermark, forgets what is below it, and never reruns a copy from below', () => {
    const cache = new ReplayCache(limits);
    for (let n = 1; n <= 50; n++) complete(cache, n, 1);
    expect(cache.size.entries).toBe(50);
    // The client now waits for nothing older than 40: 1..39 are forgotten, 40..50 kept.
    complete(cache, 51, 40);
    expect(cache.size.entries).toBe(12);
    expect(claimAt(cache, 40, 40)?.toString()).toBe('r40');
    // A copy of 3 that travelled slowly: below the watermark, refused rather than run again.
    expect(claimAt(cache, 3, 1)).toBe(BELOW_WATERMARK);
    // A watermark never moves back: an older frame resent with its old `low` changes nothing.
    expect(claimAt(cache, 45, 2)?.toString()).toBe('r45');
    expect(claimAt(cache, 39, 2)).toBe(BELOW_WATERMARK);
  });

  it('bounds a client that never moves its watermark, and keeps the one it waits for first', () => {
    const cache = new ReplayCache(limits);
    for (let n = 1; n <= 1_000; n++) complete(cache, n, 1);
    // Bounded by maxPerClient: the oldest went first, but not request 1, the one at the watermark.
    expect(cache.size.entries).toBe(limits.maxPerClient);
    expect(claimAt(cache, 1, 1)?.toString()).toBe('r1');
    expect(claimAt(cache, 1_000, 1)?.toString()).toBe('r1000');
    // Beyond the bound a resend is new again: this is the documented limit, run a second time.
    expect(claimAt(cache, 500, 1)).toBeInstanceOf(ReplayTicket);
  });

  it('remembers ids of another shape by count alone', () => {
    const cache = new ReplayCache({ ...limits, maxPerClient: 3 });
    for (const id of ['x-a', 'x-b', 'x-c', 'x-d']) cache.claim(id, 'x', 0, requestCounterOf(id), undefined);
    expect(cache.size.entries).toBe(3);
    expect(cache.claim('x-d', 'x', 0)).toBe('pending');
  });
});

describe('back-off', () => {
  it('grows exponentially to its cap, with jitter in the upper half', () => {
    const policy = { initialMs: 10, maxMs: 100 };
    for (let attempt = 0; attempt < 10; attempt++) {
      const ceiling = Math.min(100, 10 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(policy, attempt);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

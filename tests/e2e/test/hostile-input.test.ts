import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsReply, TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Running } from '../src/daemons.js';
import { sleep, stop } from '../src/daemons.js';
import { CLASSES, classGenerator, fuzzSeed, type Lane, mixedGenerator, Rng } from '../src/fuzz.js';
import { Budget, DatagramLane, StreamLane, Tally } from '../src/raw-peers.js';
import {
  type JsonServer,
  memoryOf,
  mib,
  startJsonServer,
  startWellBehaved,
  statsOf,
  stopWellBehaved,
} from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const SEED = fuzzSeed();
console.log(`fuzz seed ${SEED} (UDSIPC_FUZZ_SEED=${SEED} replays it)`);

/** At least this many messages per transport, within FUZZ_MS. */
const FUZZ_COUNT = 100_000;
const FUZZ_MS = 20_000;
/** The server's peak resident memory must stay under this across a fuzz run. */
const MAX_PEAK_RSS_MIB = 300;

/** A lane's own generator state: the n-th message of a lane is the same on every run with this seed. */
const laneRng = (index: number) => new Rng((SEED + Math.imul(index + 1, 0x9e37_79b9)) >>> 0);

let dir: string;
let cleanup: () => void;
const servers: JsonServer[] = [];
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-hostile-'));
  for (const sub of ['good', 'stats', 'raw']) mkdirSync(join(dir, sub), { mode: 0o700 });
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  for (const server of servers.splice(0)) await stop(server.running, 'SIGKILL');
  cleanup();
});

async function server(transport: TransportName, args: string[] = []): Promise<JsonServer> {
  const started = await startJsonServer(transport, join(dir, `${transport}.sock`), args);
  servers.push(started);
  return started;
}

function wellBehaved(transport: TransportName, path: string, intervalMs = 2): Running {
  const client = startWellBehaved(transport, path, join(dir, 'good'), intervalMs);
  children.push(client);
  return client;
}

/** Samples the server's resident memory while `work` runs. */
async function watchMemory<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; maxRssKiB: number }> {
  let maxRssKiB = memoryOf(pid).rssKiB;
  const timer = setInterval(() => {
    maxRssKiB = Math.max(maxRssKiB, memoryOf(pid).rssKiB);
  }, 100);
  try {
    return { result: await work(), maxRssKiB };
  } finally {
    clearInterval(timer);
  }
}

/** Error replies seen, by code, in the shape of the server's `errorsByCode`. */
function errorCodes(tally: Tally): Record<string, number> {
  return Object.fromEntries(Object.entries(tally.repliesByCode).filter(([code]) => code !== 'ok'));
}

function report(label: string, figures: Record<string, unknown>): void {
  console.log(`${label}: ${JSON.stringify(figures)}`);
}

describe('fuzzing: 100,000 hostile messages per transport while a well-behaved client runs', () => {
  it('datagram: every message answered with its class code, nothing lost for the good client, memory bounded', async () => {
    const s = await server('dgram');
    const good = wellBehaved('dgram', s.path);
    await sleep(300);
    const budget = new Budget(FUZZ_COUNT, Date.now() + FUZZ_MS);
    const lanes: DatagramLane[] = [];
    Object.keys(CLASSES.dgram).forEach((cls, index) => {
      for (let copy = 0; copy < 2; copy++) {
        const laneIndex = index * 2 + copy;
        const next = classGenerator('dgram', cls, laneRng(laneIndex), `f${laneIndex}`);
        lanes.push(new DatagramLane(next, join(dir, 'raw', `l${laneIndex}.sock`), s.path, 8, budget));
      }
    });
    const started = Date.now();
    const { result: lost, maxRssKiB } = await watchMemory(s.pid, async () => {
      for (const lane of lanes) lane.start();
      while (budget.left > 0 && lanes.some((lane) => lane.outstanding > 0)) await sleep(50);
      const left = await Promise.all(lanes.map((lane) => lane.drain(3_000)));
      return left.reduce((sum, n) => sum + n, 0);
    });
    const elapsedMs = Date.now() - started;
    for (const lane of lanes) lane.close();
    const tally = Tally.merge(lanes.map((lane) => lane.tally));
    const stats: StatsReply = await statsOf('dgram', s.path, join(dir, 'stats'));
    const summary = await stopWellBehaved(good);
    const { hwmKiB } = memoryOf(s.pid);
    report('datagram fuzz', {
      seed: SEED,
      sent: tally.sent,
      replies: tally.replies,
      lost,
      elapsedMs,
      perSecond: Math.round(tally.sent / (elapsedMs / 1000)),
      sentByClass: tally.sentByClass,
      repliesByCode: tally.repliesByCode,
      serverErrorsByCode: stats.errorsByCode,
      serverSendFailuresByCode: stats.sendFailuresByCode,
      serverPeakRssMiB: mib(hwmKiB),
      serverMaxSampledRssMiB: mib(maxRssKiB),
      goodClient: summary,
    });
    expect(tally.mismatches, `${tally.mismatchCount} mismatches`).toEqual([]);
    expect(tally.sent).toBeGreaterThanOrEqual(FUZZ_COUNT);
    expect(lost).toBe(0);
    expect(tally.replies).toBe(tally.sent);
    for (const cls of Object.keys(CLASSES.dgram)) expect(tally.sentByClass[cls], cls).toBeGreaterThan(1_000);
    // The server counted exactly the errors we received: none were dropped on the way.
    expect(stats.errorsByCode).toEqual(errorCodes(tally));
    expect(stats.requests).toBeGreaterThanOrEqual(tally.sent);
    expect(summary.failed).toBe(0);
    expect(summary.replied).toBe(summary.sent);
    expect(summary.sent).toBeGreaterThan(100);
    expect(mib(hwmKiB)).toBeLessThan(MAX_PEAK_RSS_MIB);
    expect(await s.stop()).toBe(0);
  }, 60_000);
});

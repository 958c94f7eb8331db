import { mkdirSync, unlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { encodeJson, type TransportName } from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Running, run, sleep, stop } from '../src/daemons.js';
import { CLASSES, classGenerator, fuzzSeed, type Lane, mixedGenerator, Rng } from '../src/fuzz.js';
import { patientStats, replyCounter, startPatientPing, startPatientRun, until } from '../src/patience.js';
import {
  Budget,
  connectStream,
  DatagramLane,
  frame,
  pingFrame,
  quotas,
  ReplyReader,
  runToEnd,
  StreamLane,
  Tally,
} from '../src/raw-peers.js';
import {
  type JsonServer,
  memoryOf,
  mib,
  pingSummary,
  startJsonServer,
  stopWellBehaved,
} from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const SEED = fuzzSeed();
console.log(`fuzz seed ${SEED} (UDSIPC_FUZZ_SEED=${SEED} replays it)`);

/** Exactly this many hostile messages per transport, split evenly over the lanes, however long they take. */
const FUZZ_COUNT = 100_000;
/** The well-behaved client must have been answered this many times while the fuzz was still going. */
const GOOD_REPLIES_DURING_FUZZ = 100;
/** The server's peak resident memory must stay under this across a fuzz run. */
const MAX_PEAK_RSS_MIB = 300;
/** Only a hang ends a fuzz test early: 100,000 messages take what they take on a busy machine. */
const FUZZ_TEST_TIMEOUT_MS = 600_000;
/** For the other tests, which wait for events rather than time: generous, since only a hang should hit it. */
const TEST_TIMEOUT_MS = 180_000;

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

const statsOf = (transport: TransportName, path: string) => patientStats(transport, path, join(dir, 'stats'));

/** A well-behaved client beside the hostile peers, sending every 2 ms, never giving up on a request. */
function wellBehaved(transport: TransportName, path: string): Running {
  const client = startPatientRun(transport, path, join(dir, 'good'));
  children.push(client);
  return client;
}

/** Resolves once a `run` client has been answered at least once: it is up and being served. */
async function firstReply(client: Running, answered: () => number): Promise<void> {
  await until(() => {
    if (client.child.exitCode !== null) throw new Error(`client exited: ${client.stderr()}`);
    return answered() > 0;
  }, 'the well-behaved client to be answered once');
}

/**
 * Budgets for the lanes of one fuzz run: FUZZ_COUNT in all, and no lane sends its last message
 * before the good client has been answered GOOD_REPLIES_DURING_FUZZ times since `answeredAtStart`:
 * the good client is served while the fuzz runs, not after it.
 */
function budgets(lanes: number, answered: () => number, answeredAtStart: number): Budget[] {
  const servedDuringFuzz = () => answered() - answeredAtStart >= GOOD_REPLIES_DURING_FUZZ;
  return quotas(FUZZ_COUNT, lanes).map((quota) => new Budget(quota, servedDuringFuzz));
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

/** Resolves when the socket closes, whoever closes it. */
const closing = (socket: Socket) =>
  new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));

describe('fuzzing: 100,000 hostile messages per transport while a well-behaved client runs', () => {
  it(
    'datagram: every message answered with its class code, nothing lost for the good client, memory bounded',
    async () => {
      const s = await server('dgram');
      const good = wellBehaved('dgram', s.path);
      const goodAnswered = replyCounter(good);
      await firstReply(good, goodAnswered);
      const goodAtStart = goodAnswered();
      const classes = Object.keys(CLASSES.dgram);
      const laneBudgets = budgets(classes.length * 2, goodAnswered, goodAtStart);
      const lanes: DatagramLane[] = [];
      classes.forEach((cls, index) => {
        for (let copy = 0; copy < 2; copy++) {
          const laneIndex = index * 2 + copy;
          const next = classGenerator('dgram', cls, laneRng(laneIndex), `f${laneIndex}`);
          const replyPath = join(dir, 'raw', `l${laneIndex}.sock`);
          lanes.push(new DatagramLane(next, replyPath, s.path, 8, laneBudgets[laneIndex]!));
        }
      });
      const started = Date.now();
      const { result: lost, maxRssKiB } = await watchMemory(s.pid, () =>
        runToEnd(lanes, 'the datagram fuzz'),
      );
      const elapsedMs = Date.now() - started;
      const goodDuringFuzz = goodAnswered() - goodAtStart;
      for (const lane of lanes) lane.close();
      const tally = Tally.merge(lanes.map((lane) => lane.tally));
      const stats = await statsOf('dgram', s.path);
      const summary = await stopWellBehaved(good);
      const { hwmKiB } = memoryOf(s.pid);
      report('datagram fuzz', {
        seed: SEED,
        sent: tally.sent,
        expectedReplies: tally.expectedReplies,
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
        goodRepliesDuringFuzz: goodDuringFuzz,
      });
      expect(tally.mismatches, `${tally.mismatchCount} mismatches`).toEqual([]);
      expect(tally.sent).toBe(FUZZ_COUNT);
      expect(lost).toBe(0);
      expect(tally.replies).toBe(tally.expectedReplies);
      for (const cls of classes) expect(tally.sentByClass[cls], cls).toBeGreaterThan(500);
      // The server counted exactly the errors we received: none were dropped on the way.
      expect(stats.errorsByCode).toEqual(errorCodes(tally));
      expect(stats.requests).toBeGreaterThanOrEqual(tally.sent);
      // Served while the fuzz went on, and every request it sent answered.
      expect(goodDuringFuzz).toBeGreaterThanOrEqual(GOOD_REPLIES_DURING_FUZZ);
      expect(summary.failed).toBe(0);
      expect(summary.replied).toBe(summary.sent);
      expect(mib(hwmKiB)).toBeLessThan(MAX_PEAK_RSS_MIB);
      expect(await s.stop()).toBe(0);
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});

/** The 4-byte header of a frame announcing `length` bytes, and nothing of its body. */
function headerAnnouncing(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return header;
}

const framingErrorFor = (length: number) =>
  `frame header announces ${length} bytes, over the limit of ${0x00ff_ffff}`;

describe('fuzzing over stream', () => {
  it(
    'stream: every framed message answered in order with its class code; garbage and oversize connections closed; nothing lost',
    async () => {
      const s = await server('stream');
      const good = wellBehaved('stream', s.path);
      const goodAnswered = replyCounter(good);
      await firstReply(good, goodAnswered);
      const goodAtStart = goodAnswered();
      const framings: Array<['stream-json' | 'stream-cstring', 'json' | 'cstring']> = [
        ...Array.from({ length: 12 }, () => ['stream-json', 'json'] as ['stream-json', 'json']),
        ...Array.from({ length: 4 }, () => ['stream-cstring', 'cstring'] as ['stream-cstring', 'cstring']),
      ];
      const laneBudgets = budgets(framings.length, goodAnswered, goodAtStart);
      const lanes = framings.map(([lane, framing], index) => {
        const next = mixedGenerator(lane as Lane, laneRng(100 + index), `s${index}`);
        return new StreamLane(next, s.path, framing, 16, laneBudgets[index]!, `open${index}`);
      });
      const started = Date.now();
      const { result: lost, maxRssKiB } = await watchMemory(s.pid, async () => {
        await Promise.all(lanes.map((lane) => lane.start()));
        return runToEnd(lanes, 'the stream fuzz');
      });
      const elapsedMs = Date.now() - started;
      const goodDuringFuzz = goodAnswered() - goodAtStart;
      const closedByServer = lanes.filter((lane) => lane.closed).length;
      for (const lane of lanes) lane.close();
      const tally = Tally.merge(lanes.map((lane) => lane.tally));
      const stats = await statsOf('stream', s.path);

      // Then connections that are not framed at all, and ones whose next header is over the limit.
      // Drawn up front, in order: the same seed gives the same bytes whatever order the connections open in.
      const rng = laneRng(999);
      const garbageBytes = Array.from({ length: 100 }, () => ({
        bytes: rng.bytes(rng.int(1, 8_192)),
        pauseMs: rng.int(0, 50),
      }));
      const oversizeLengths = Array.from({ length: 20 }, () => rng.int(0x0100_0000, 0xffff_ffff));
      const garbage = await Promise.all(
        garbageBytes.map(async ({ bytes, pauseMs }) => {
          const socket = await connectStream(s.path);
          socket.on('error', () => {});
          socket.write(bytes);
          await sleep(pauseMs);
          socket.destroy();
        }),
      );
      const oversize = await Promise.all(
        oversizeLengths.map((length, index) => oversizeHeader(s, length, index)),
      );
      // Each close came from the header, not from waiting for the body: the server said so, per connection.
      await until(
        () => oversizeLengths.every((length) => framingErrorLogged(s, length)),
        'a framing-error warning for each oversize header',
      );
      const afterGarbage = await statsOf('stream', s.path);
      const summary = await stopWellBehaved(good);
      const { hwmKiB } = memoryOf(s.pid);
      report('stream fuzz', {
        seed: SEED,
        sent: tally.sent,
        replies: tally.replies,
        lost,
        closedByServer,
        elapsedMs,
        perSecond: Math.round(tally.sent / (elapsedMs / 1000)),
        sentByClass: tally.sentByClass,
        repliesByCode: tally.repliesByCode,
        serverErrorsByCode: stats.errorsByCode,
        garbageConnections: garbage.length,
        oversizeCloseMs: Math.max(...oversize.map((o) => o.closeMs)),
        serverPeakRssMiB: mib(hwmKiB),
        serverMaxSampledRssMiB: mib(maxRssKiB),
        goodClient: summary,
        goodRepliesDuringFuzz: goodDuringFuzz,
      });
      expect(tally.mismatches, `${tally.mismatchCount} mismatches`).toEqual([]);
      // Every budgeted message, plus the opener of each connection.
      expect(tally.sent).toBe(FUZZ_COUNT + lanes.length);
      expect(closedByServer).toBe(0);
      expect(lost).toBe(0);
      expect(tally.replies).toBe(tally.expectedReplies);
      for (const cls of [...Object.keys(CLASSES['stream-json']), ...Object.keys(CLASSES['stream-cstring'])]) {
        expect(tally.sentByClass[cls], cls).toBeGreaterThan(500);
      }
      expect(stats.errorsByCode).toEqual(errorCodes(tally));
      // The frame before the bad header is answered; the bad header, with no body after it, closed
      // each connection (the test never closes them itself before they are closed).
      for (const { replies } of oversize) expect(replies).toEqual(['ok']);
      expect(afterGarbage.requests).toBeGreaterThan(stats.requests);
      expect(goodDuringFuzz).toBeGreaterThanOrEqual(GOOD_REPLIES_DURING_FUZZ);
      expect(summary.failed).toBe(0);
      expect(summary.replied).toBe(summary.sent);
      expect(mib(hwmKiB)).toBeLessThan(MAX_PEAK_RSS_MIB);
      expect(await s.stop()).toBe(0);
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});

function framingErrorLogged(s: JsonServer, length: number): boolean {
  const reason = framingErrorFor(length);
  return s.records().some((record) => record.event === 'framing-error' && record.reason === reason);
}

/**
 * A connection that sends a ping, waits for its reply, then sends only a header announcing
 * `length` bytes (over the limit) and nothing more. If the server waited for the body, nothing
 * would ever close it but the idle timeout, logged as such, not as a framing error.
 */
async function oversizeHeader(
  s: JsonServer,
  length: number,
  index: number,
): Promise<{ replies: string[]; closeMs: number }> {
  const socket = await connectStream(s.path);
  socket.on('error', () => {});
  const reader = new ReplyReader('json');
  const replies: string[] = [];
  socket.on('data', (chunk: Buffer) => reader.push(chunk, (reply) => replies.push(reply.code)));
  let closed = false;
  const closedAt = closing(socket).then((at) => {
    closed = true;
    return at;
  });
  socket.write(pingFrame(`oversize:${index}`));
  await until(() => replies.length > 0 || closed, `the ping before oversize header ${index}`);
  const sentAt = Date.now();
  socket.write(headerAnnouncing(length));
  const closeMs = (await closedAt) - sentAt;
  return { replies, closeMs };
}

const FLOODER = join(import.meta.dirname, '..', 'src', 'fixtures', 'flooder.mjs');
/** Pings of the well-behaved client, one after another, 10 ms apart, while the flood goes on. */
const PINGS = 300;
/** Fewer beside the huge-JSON peers: each of their frames costs the server much more than a datagram. */
const STREAM_PINGS = 150;
/** The flood is in full swing before the first ping: the server has already taken this many of its messages. */
const FLOOD_UNDER_WAY = 1_000;
/** Longer than any test runs: the flooder goes on until the test stops it, once the last ping is answered. */
const FLOOD_UNTIL_STOPPED_MS = String(3_600_000);

/** Round-trip figures, for the log only: how fast is the benchmark's business, not a test's. */
function latencies(summary: { p50Us: number | null; p99Us: number | null; maxUs: number | null }) {
  return {
    pingP50Ms: (summary.p50Us ?? Number.NaN) / 1000,
    pingP99Ms: (summary.p99Us ?? Number.NaN) / 1000,
    pingMaxMs: (summary.maxUs ?? Number.NaN) / 1000,
  };
}

describe('a flooding or huge-JSON peer does not starve a well-behaved one', () => {
  it.each([
    ['requests', 'valid echo requests, never reading a reply'],
    ['batches', 'batch datagrams packed with ~13,000 one-byte frames'],
    ['deep', '60 KiB `{[[[[...` datagrams'],
  ])(
    `datagram: one flooder sending %s (%s) as fast as it can, until all ${PINGS} pings of a well-behaved client are answered`,
    async (kind) => {
      const s = await server('dgram');
      // Niced: it still keeps the server's queue full (the server, not the flooder, is the
      // bottleneck), but on a small CI machine it leaves the CPU to the server and the pinger.
      const flooder = run('nice', [
        '-n',
        '10',
        process.execPath,
        FLOODER,
        s.path,
        join(dir, 'raw', 'flooder.sock'),
        FLOOD_UNTIL_STOPPED_MS,
        kind,
      ]);
      children.push(flooder);
      const flooding = () => flooder.child.exitCode === null && flooder.child.signalCode === null;
      let before = await statsOf('dgram', s.path);
      await until(
        async () => {
          if (!flooding()) throw new Error(`the flooder ended: ${flooder.stderr()}`);
          before = await statsOf('dgram', s.path);
          return before.requests >= FLOOD_UNDER_WAY;
        },
        'the flood to be under way',
        () => ({ serverRequests: before.requests }),
      );
      const ping = startPatientPing('dgram', s.path, join(dir, 'good'), PINGS, 10);
      children.push(ping);
      const summary = await pingSummary(ping);
      // The flooder never stops by itself: still going now, it flooded from before the first ping to after the last.
      const floodedThroughout = flooding();
      const after = await statsOf('dgram', s.path);
      await stop(flooder, 'SIGKILL');
      report(`datagram flood (${kind})`, {
        ...latencies(summary),
        pings: summary.count,
        serverRequestsBeforePings: before.requests,
        serverRequestsDuringPings: after.requests - before.requests,
        serverErrorsByCode: after.errorsByCode,
        serverSendFailuresByCode: after.sendFailuresByCode,
        serverPeakRssMiB: mib(memoryOf(s.pid).hwmKiB),
      });
      expect(floodedThroughout, flooder.stderr()).toBe(true);
      expect(before.requests).toBeGreaterThanOrEqual(FLOOD_UNDER_WAY);
      // Every ping answered, each with its own reply (the client matches them by id), none given up.
      expect(summary.failed).toBe(0);
      expect(summary.sent).toBe(PINGS);
      expect(summary.count).toBe(PINGS);
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `stream: 3 peers streaming nested-array frames (60 KiB and 1 MiB), 60 KiB deep ones and 1 MiB strings, until all ${STREAM_PINGS} pings of a well-behaved client are answered`,
    async () => {
      const s = await server('stream');
      const unit = `${'['.repeat(28)}${']'.repeat(28)},`;
      const nested = (bytes: number) =>
        Buffer.from(
          `{"v":1,"id":"h:n","type":"echo","payload":{"text":"x","pad":[${unit.repeat(Math.floor(bytes / unit.length))}0]}}`,
        );
      // Within every limit (~30,000 values), so parsed: many of them back to back on one connection.
      const parsed = frame(nested(60_000));
      const cycle: ReadonlyArray<{ frame: Buffer; code: string }> = [
        // Refused by the value count, before JSON.parse.
        { frame: frame(nested(1_048_000)), code: 'TOO_LARGE' },
        ...Array.from({ length: 8 }, () => ({ frame: parsed, code: 'ok' })),
        // Refused by the depth, before JSON.parse.
        { frame: frame(Buffer.from(`{${'['.repeat(60 * 1024)}`)), code: 'TOO_DEEP' },
        {
          frame: frame(
            Buffer.from(
              JSON.stringify({ v: 1, id: 'h:s', type: 'echo', payload: { text: 'x'.repeat(1024 * 1024) } }),
            ),
          ),
          code: 'ok',
        },
      ];
      let pinging = true;
      const peers = await Promise.all(
        [0, 1, 2].map(async (index) => new HugeJsonPeer(await connectStream(s.path), index * 3)),
      );
      // Every peer floods until the last ping is answered, and sends at least one whole cycle.
      const floods = peers.map((peer) => peer.flood(cycle, () => pinging || peer.sent < cycle.length));
      await until(
        () => peers.every((peer) => peer.replies > 0 || peer.closed),
        'every hostile peer to be answered once',
      );
      const ping = startPatientPing('stream', s.path, join(dir, 'good'), STREAM_PINGS, 10);
      children.push(ping);
      const summary = await pingSummary(ping);
      pinging = false;
      await Promise.all(floods);
      await until(
        () => peers.every((peer) => peer.replies === peer.sent || peer.closed),
        'every hostile frame to be answered',
        () => peers.map((peer) => ({ sent: peer.sent, replies: peer.replies })),
      );
      for (const peer of peers) peer.socket.destroy();
      const codes: Record<string, number> = {};
      for (const peer of peers)
        for (const [code, count] of Object.entries(peer.codes)) codes[code] = (codes[code] ?? 0) + count;
      report('stream huge JSON', {
        ...latencies(summary),
        pings: summary.count,
        framesSent: peers.reduce((sum, peer) => sum + peer.sent, 0),
        repliesByCode: codes,
        serverPeakRssMiB: mib(memoryOf(s.pid).hwmKiB),
      });
      // Every hostile frame answered, in order, with the code its kind gets; no connection dropped.
      for (const peer of peers) {
        expect(peer.mismatches).toEqual([]);
        expect(peer.closed).toBe(false);
        expect(peer.replies).toBe(peer.sent);
      }
      expect(codes.TOO_LARGE).toBeGreaterThanOrEqual(peers.length);
      expect(codes.TOO_DEEP).toBeGreaterThanOrEqual(peers.length);
      expect(codes.ok).toBeGreaterThanOrEqual(peers.length);
      expect(summary.failed).toBe(0);
      expect(summary.sent).toBe(STREAM_PINGS);
      expect(summary.count).toBe(STREAM_PINGS);
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

/** A stream connection writing huge frames back to back, checking each reply's code in order. */
class HugeJsonPeer {
  sent = 0;
  replies = 0;
  closed = false;
  readonly codes: Record<string, number> = {};
  readonly mismatches: string[] = [];
  private readonly due: string[] = [];

  constructor(
    readonly socket: Socket,
    private readonly offset: number,
  ) {
    const reader = new ReplyReader('json');
    socket.on('data', (chunk: Buffer) => reader.push(chunk, (reply) => this.answered(reply.code)));
    socket.on('error', () => {});
    socket.once('close', () => {
      this.closed = true;
    });
  }

  private answered(code: string): void {
    this.replies++;
    this.codes[code] = (this.codes[code] ?? 0) + 1;
    const expected = this.due.shift();
    if (code !== expected && this.mismatches.length < 10)
      this.mismatches.push(`reply ${this.replies}: expected ${expected}, got ${code}`);
  }

  /** Writes the cycle's frames round and round while `more()` holds, waiting only for the socket's own backpressure. */
  async flood(cycle: ReadonlyArray<{ frame: Buffer; code: string }>, more: () => boolean): Promise<void> {
    for (let n = this.offset; more() && !this.closed; n++) {
      const { frame: bytes, code } = cycle[n % cycle.length]!;
      this.sent++;
      this.due.push(code);
      if (!this.socket.write(bytes)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.once('drain', done);
          this.socket.once('close', done);
        });
      }
    }
  }
}

/** A stream connection to `path` that answers pings: `exchange` sends one and resolves with `code:id` of its reply. */
async function pingable(
  path: string,
): Promise<{ socket: Socket; exchange: (id: string) => Promise<string> }> {
  const socket = await connectStream(path);
  socket.on('error', () => {});
  const reader = new ReplyReader('json');
  const waiting: Array<(reply: string) => void> = [];
  socket.on('data', (chunk: Buffer) =>
    reader.push(chunk, (seen) => waiting.shift()?.(`${seen.code}:${seen.id}`)),
  );
  const exchange = (id: string) =>
    new Promise<string>((resolve, reject) => {
      if (socket.destroyed) reject(new Error(`${id}: connection closed`));
      const closed = () => reject(new Error(`${id}: connection closed before the reply`));
      socket.once('close', closed);
      waiting.push((reply) => {
        socket.off('close', closed);
        resolve(reply);
      });
      socket.write(pingFrame(id));
    });
  return { socket, exchange };
}

describe('stream: slow, oversized and surplus connections', () => {
  it(
    'half a frame then silence is dropped after --idle-timeout, with a warning; an idle connection holding nothing is kept',
    async () => {
      const s = await server('stream', ['--idle-timeout', '300']);
      // Quiet from here on: its last exchange ends before the others' stalls begin.
      const idle = await pingable(s.path);
      let idleClosed = false;
      idle.socket.once('close', () => {
        idleClosed = true;
      });
      expect(await idle.exchange('idle:1')).toBe('ok:idle:1');

      const half = await pingable(s.path);
      expect(await half.exchange('half:1')).toBe('ok:half:1');
      const halfClosed = closing(half.socket);
      // 15 bytes: the 4-byte header and 11 of the 100 it announced.
      half.socket.write(Buffer.concat([headerAnnouncing(100), Buffer.from('{"v":1,"id"')]));
      const halfStalledAt = Date.now();

      // Before any frame, under codec auto: two bytes that do not yet tell the framing, then silence.
      const undecided = await connectStream(s.path);
      undecided.on('error', () => {});
      const undecidedClosed = closing(undecided);
      undecided.write(Buffer.from([0, 0]));
      const undecidedStalledAt = Date.now();

      // However long the server takes to notice: the test waits for the drop itself.
      const halfMs = (await halfClosed) - halfStalledAt;
      const undecidedMs = (await undecidedClosed) - undecidedStalledAt;
      const warnings = () => s.records().filter((record) => record.event === 'idle-timeout');
      await until(() => warnings().length >= 2, 'two idle-timeout warnings');
      report('stream idle timeout 300 ms', {
        halfFrameDroppedAfterMs: halfMs,
        undecidedDroppedAfterMs: undecidedMs,
      });
      // Not before the timeout: a slow machine only makes these longer.
      expect(halfMs).toBeGreaterThanOrEqual(250);
      expect(undecidedMs).toBeGreaterThanOrEqual(250);
      // 15: the half frame; 2: not yet enough to tell the framing.
      expect(
        warnings()
          .map((record) => record.pendingBytes as number)
          .sort((x, y) => x - y),
      ).toEqual([2, 15]);
      expect(warnings().every((record) => record.level === 40 && typeof record.peer === 'string')).toBe(true);
      // The idle connection has now been quiet longer than the two that were dropped for it, by the
      // server's own clock, yet it is kept: it still answers.
      expect(idleClosed).toBe(false);
      expect(await idle.exchange('idle:2')).toBe('ok:idle:2');
      expect(idleClosed).toBe(false);
      idle.socket.destroy();
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a header over the limit closes that connection without waiting for its body, with a framing warning naming the limit',
    async () => {
      const s = await server('stream');
      const { socket, exchange } = await pingable(s.path);
      const closedAt = closing(socket);
      expect(await exchange('o:1')).toBe('ok:o:1');
      const sentAt = Date.now();
      socket.write(headerAnnouncing(0x0100_0000)); // 16 MiB: one byte over the limit; no body follows
      const closeMs = (await closedAt) - sentAt;
      // Had the server waited for the body, only the idle timeout (10 s by default) would have closed
      // it, and said so: the first warning about this connection tells which it was.
      const verdict = () =>
        s.records().find((record) => record.event === 'framing-error' || record.event === 'idle-timeout');
      await until(() => verdict() !== undefined, 'the warning about the closed connection');
      report('stream oversize header', { closedAfterMs: closeMs });
      expect(verdict()).toMatchObject({
        event: 'framing-error',
        reason: 'frame header announces 16777216 bytes, over the limit of 16777215',
      });
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '--max-connections 5: the 6th is closed unanswered with a warning naming the limit; once one closes, a new one is accepted',
    async () => {
      const s = await server('stream', ['--max-connections', '5']);
      const open = async (id: string): Promise<{ socket: Socket; reply: Promise<string | undefined> }> => {
        const socket = await connectStream(s.path);
        socket.on('error', () => {});
        const reader = new ReplyReader('json');
        const reply = new Promise<string | undefined>((resolve) => {
          socket.on('data', (chunk: Buffer) => reader.push(chunk, (seen) => resolve(seen.code)));
          socket.once('close', () => resolve(undefined));
        });
        socket.write(pingFrame(id));
        return { socket, reply };
      };
      const five = [];
      for (let n = 1; n <= 5; n++) {
        const connection = await open(`c:${n}`);
        expect(await connection.reply).toBe('ok');
        five.push(connection);
      }
      const sixth = await open('c:6');
      const startedAt = Date.now();
      // Closed by the server, its ping never answered.
      expect(await sixth.reply).toBeUndefined();
      const refusedMs = Date.now() - startedAt;
      const refusal = () => s.records().find((record) => record.event === 'connection-refused');
      await until(() => refusal() !== undefined, 'the connection-refused warning');
      expect(refusal()).toMatchObject({ level: 40, reason: 'max-connections', limit: 5 });

      five[0]!.socket.destroy();
      // The server learns of the close when it gets to it; until then a new connection is refused
      // like the 6th, so try again until one is accepted.
      let accepted: string | undefined;
      let attempts = 0;
      await until(async () => {
        attempts++;
        const next = await open(`c:7.${attempts}`);
        accepted = await next.reply;
        if (accepted === 'ok') five.push(next);
        return accepted === 'ok';
      }, 'a connection to be accepted after one of the five closed');
      expect(accepted).toBe('ok');
      for (const { socket } of five) socket.destroy();
      report('stream max connections', {
        limit: 5,
        sixthClosedAfterMs: refusedMs,
        attemptsAfterClose: attempts,
      });
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('datagram: replies to a vanished peer', () => {
  it(
    'are counted (ECONNREFUSED when its socket file is left, ENOENT when removed) and dropped; the server keeps serving',
    async () => {
      const s = await server('dgram');
      const request = (id: string) => encodeJson({ v: 1, id, type: 'ping', payload: {} }, { maxBytes: 1000 });
      // Frozen, the server cannot answer before the peers are gone.
      process.kill(s.pid, 'SIGSTOP');
      try {
        for (const [kind, count] of [
          ['refused', 3],
          ['removed', 2],
        ] as const) {
          for (let n = 0; n < count; n++) {
            const path = join(dir, 'raw', `gone-${kind}-${n}.sock`);
            const peer = new DatagramSocket(() => {});
            expect(peer.bind(path)).toBeUndefined();
            expect(peer.sendTo(request(`gone-${kind}:${n}`), s.path)).toBe('ok');
            peer.close();
            if (kind === 'removed') unlinkSync(path);
          }
        }
      } finally {
        process.kill(s.pid, 'SIGCONT');
      }
      // Thawed, it answers the five; wait until it has tried all five replies, however long that takes.
      const warnings = () => s.records().filter((record) => record.event === 'send-failure');
      await until(
        () => warnings().length >= 5,
        'five send-failure warnings',
        () => warnings().length,
      );
      const stats = await statsOf('dgram', s.path);
      report('datagram vanished peers', { sendFailuresByCode: stats.sendFailuresByCode });
      expect(stats.sendFailuresByCode).toEqual({ ECONNREFUSED: 3, ENOENT: 2 });
      expect(
        warnings()
          .map((record) => record.code)
          .sort(),
      ).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ENOENT', 'ENOENT']);
      expect(stats.executedByType.ping).toBe(5);
      expect(await s.stop()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

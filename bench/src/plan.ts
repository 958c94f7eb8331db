/**
 * What is measured: the transports, payloads and phases of `pnpm bench`, and the shapes every
 * client process (C, Node baselines, peers, udsipc) reports in.
 */
import { capMsOf, minMeasuredOf } from './phase-end.js';

export const TRANSPORT_IDS = [
  'c-stream',
  'c-dgram',
  'net-ndjson',
  'raw-dgram',
  'udsipc-stream',
  'udsipc-dgram',
  'peer-zeromq',
  'peer-node-ipc',
  'raw-nats',
  'udsipc-nats',
] as const;
export type TransportId = (typeof TRANSPORT_IDS)[number];

/**
 * The libraries a user would pick instead of udsipc, run like the baselines (their own server and
 * client processes, the same payloads, windows and phases). Both are stream-like (a UNIX stream
 * socket underneath), so they take the stream payloads and are compared with both udsipc rows.
 */
export const PEER_IDS = ['peer-zeromq', 'peer-node-ipc'] as const;
export type PeerId = (typeof PEER_IDS)[number];

export function isPeer(id: TransportId): id is PeerId {
  return (PEER_IDS as readonly TransportId[]).includes(id);
}
export type SocketKind = 'stream' | 'dgram';

/**
 * The rows that go through a NATS server (TCP on 127.0.0.1, one nats-server the bench starts)
 * instead of a UNIX socket: udsipc's NATS transport against nats.js request/reply on its own.
 */
export const NATS_IDS = ['udsipc-nats', 'raw-nats'] as const;
export type NatsId = (typeof NATS_IDS)[number];

export function isNats(id: TransportId): id is NatsId {
  return (NATS_IDS as readonly TransportId[]).includes(id);
}

/** What a row goes through: a UNIX socket of one type, or a NATS server. */
export type RowKind = SocketKind | 'nats';

export interface TransportInfo {
  id: TransportId;
  label: string;
  kind: RowKind;
  /** The matching raw Node baseline (udsipc rows only). */
  baseline?: TransportId;
  /** The C program in the same socket type (every row but the C ones). */
  c?: TransportId;
  /**
   * Also runs the attachment payload (udsipc rows only): the others echo bytes whatever they are,
   * so their large payload is already the figure an attachment row is compared with.
   */
  attachments?: true;
}

export const TRANSPORTS: Record<TransportId, TransportInfo> = {
  'c-stream': { id: 'c-stream', label: 'C stream', kind: 'stream' },
  'c-dgram': { id: 'c-dgram', label: 'C dgram', kind: 'dgram' },
  'net-ndjson': { id: 'net-ndjson', label: 'net NDJSON', kind: 'stream', c: 'c-stream' },
  'raw-dgram': { id: 'raw-dgram', label: 'raw unix-dgram', kind: 'dgram', c: 'c-dgram' },
  'udsipc-stream': {
    id: 'udsipc-stream',
    label: 'udsipc stream',
    kind: 'stream',
    baseline: 'net-ndjson',
    c: 'c-stream',
    attachments: true,
  },
  'udsipc-dgram': {
    id: 'udsipc-dgram',
    label: 'udsipc dgram',
    kind: 'dgram',
    baseline: 'raw-dgram',
    c: 'c-dgram',
    attachments: true,
  },
  'peer-zeromq': { id: 'peer-zeromq', label: 'zeromq', kind: 'stream', c: 'c-stream' },
  'peer-node-ipc': { id: 'peer-node-ipc', label: 'node-ipc', kind: 'stream', c: 'c-stream' },
  // No C program speaks NATS: these rows have no ×C.
  'raw-nats': { id: 'raw-nats', label: 'raw nats.js', kind: 'nats' },
  'udsipc-nats': { id: 'udsipc-nats', label: 'udsipc nats', kind: 'nats', baseline: 'raw-nats' },
};

/** The payloads every row runs, as JSON text (C: bytes). */
export type TextPayloadId = 'small' | 'medium' | 'large';
export type PayloadId = TextPayloadId | 'attachment';

export interface Payload {
  id: PayloadId;
  /** Bytes of message text, or of the attachment (C: bytes of the whole message). */
  bytes: number;
  label: string;
  /**
   * The bytes travel as echo's binary `data` (raw bytes after the JSON envelope) with empty text,
   * instead of as JSON text.
   */
  attachment: boolean;
}

/**
 * Datagram: 60 KiB of text leaves room for the JSON envelope under the 65,535-byte datagram limit.
 * NATS: no large payload, since 1 MiB of text and its envelope exceed nats-server's default
 * max_payload (1 MiB), and 60 KiB would be a figure no other NATS row stands beside.
 */
export function payloadsFor(kind: RowKind): Payload[] {
  const small: Payload = { id: 'small', bytes: 64, label: '64 B', attachment: false };
  const medium: Payload = { id: 'medium', bytes: 4 * 1024, label: '4 KiB', attachment: false };
  if (kind === 'nats') return [small, medium];
  return [
    small,
    medium,
    kind === 'dgram'
      ? { id: 'large', bytes: 60 * 1024, label: '60 KiB', attachment: false }
      : { id: 'large', bytes: 1024 * 1024, label: '1 MiB', attachment: false },
  ];
}

/**
 * The attachment payload: the large payload's bytes as one attachment, so its row meets the
 * baseline and C rows of the large payload, the same bytes on the wire less the envelope.
 */
export function attachmentPayload(kind: SocketKind): Payload {
  const large = payloadsFor(kind).find((payload) => payload.id === 'large')!;
  return { id: 'attachment', bytes: large.bytes, label: `${large.label} att.`, attachment: true };
}

/** The payload `id` of a transport's rows, or undefined when it does not run that payload. */
export function payloadFor(transport: TransportId, id: PayloadId): Payload | undefined {
  const info = TRANSPORTS[transport];
  if (id === 'attachment') {
    return info.attachments && info.kind !== 'nats' ? attachmentPayload(info.kind) : undefined;
  }
  return payloadsFor(info.kind).find((payload) => payload.id === id);
}

/** The payload of other rows a row of `id` is compared with: an attachment meets the large text. */
export function comparedPayload(id: PayloadId): TextPayloadId {
  return id === 'attachment' ? 'large' : id;
}

/**
 * One closed-loop phase: `window` requests in flight until `maxCount` were issued, or until `maxMs`
 * passed once at least `minMeasured` requests past the warm-up were measured, or at the latest
 * until `capMs` passed (see phase-end.ts).
 */
export interface PhaseSpec {
  name: PhaseName;
  window: number;
  maxCount: number;
  maxMs: number;
  minMeasured: number;
  capMs: number;
}

export type PhaseName = 'warmup' | 'pingpong' | 'w8' | 'w64';

/** Where a NATS row's server listens: the nats-server's URL and a subject of this run's own. */
export interface NatsTarget {
  url: string;
  subject: string;
}

/** What a client process is told to do, passed to it as one JSON argument. */
export interface ClientSpec {
  /** The socket path; for a NATS row, `<url>/<subject>` (as udsipc names a NATS server's path). */
  socket: string;
  /** NATS rows only: where their server listens. */
  nats?: NatsTarget;
  /** Directory for the datagram client's own bound reply socket. */
  replyDir: string;
  size: number;
  /** Send the `size` bytes as an attachment (udsipc clients only; the others echo bytes anyway). */
  attachment?: true;
  phases: PhaseSpec[];
}

/** What a client process reports per phase; the same fields from C and from Node. */
export interface PhaseResult {
  window: number;
  /** Requests completed, warm-up included. */
  count: number;
  errors: number;
  /** Leading requests left out of the figures: min(1000, maxCount/10), as udsipc-client bench does. */
  warmup: number;
  /** Successful requests after the warm-up: the figures are theirs. */
  measured: number;
  durationMs: number;
  msgsPerSec: number;
  p50Us: number;
  p99Us: number;
  /** null where it is not measured (udsipc's pipelined phases: the runner reports p50 and p99 only). */
  p999Us: number | null;
  /** udsipc only: the runner's own p50/p99, beside ours from the timed ping-pong (a cross-check). */
  runnerP50Us?: number;
  runnerP99Us?: number;
  errorsByCode?: Record<string, number>;
  /**
   * The client process's utime+stime, in clock ticks, read from its own /proc/self/stat when the
   * phase ended (cpu-ticks.ts; the C program reads the same file). Cumulative: the CPU of the
   * phases after the warm-up is the last phase's reading less the warm-up phase's.
   */
  cpuTicks?: number;
}

export interface PhaseBudget {
  /**
   * Run first on every fresh connection and left out: 8 in flight until the count or the time is
   * reached, so both processes' JIT has settled before anything is measured. (udsipc's heavier
   * path needs a few thousand requests: measured from a cold start, its first 0.4 s of ping-pong
   * came out at a third of its steady rate, which would have made the comparison unfair to it.)
   */
  warmup: { maxCount: number; maxMs: number };
  pingpong: { maxCount: number; maxMs: number };
  w8: { maxCount: number; maxMs: number };
  /**
   * Absent: the payload is too large for 64 in flight to be worth its time (1 MiB, 60 KiB, and
   * their attachments).
   */
  w64?: { maxCount: number; maxMs: number };
}

/**
 * Phase budgets by payload: `large` is 60 KiB datagrams, `largeStream` 1 MiB on a stream; an
 * attachment payload runs the budget of the large payload it is compared with.
 */
export type BudgetKey = 'small' | 'medium' | 'large' | 'largeStream';

export function budgetKey(payload: PayloadId, kind: RowKind): BudgetKey {
  const compared = comparedPayload(payload);
  return compared === 'large' && kind === 'stream' ? 'largeStream' : compared;
}

export interface BenchProfile {
  quick: boolean;
  runs: number;
  payloads: PayloadId[];
  budgets: Record<BudgetKey, PhaseBudget>;
  scale: { processes: number; clientsPerProcess: number; warmupMs: number; measureMs: number };
  /**
   * Migration under load: load processes of udsipc clients keeping `window` echoes in flight each;
   * every client must have `progress` replies before the dump and again after the restore.
   */
  migrationLoad: { processes: number; clientsPerProcess: number; window: number; progress: number };
  /**
   * Restart: as many clients, waiting through `downMs` between the old server's exit and the new
   * one's start; every client must have had `progress` replies before the old server is stopped.
   */
  restart: { processes: number; clientsPerProcess: number; window: number; progress: number; downMs: number };
  /** The layer floor: echo text sizes, and requests measured per part of each run (layer-floor.ts). */
  layer: { sizes: number[]; count: number };
}

/**
 * Full profile: every loop is bounded by count and by time (≤ 0.7 s a phase), so 5 runs of the
 * whole matrix stay well inside the 5-minute budget on 2 cores. The warm-up is min(1000, count/10)
 * requests, so the large payloads get small counts: a slow transport must get past its warm-up
 * within the time bound (udsipc stream does ~85 round trips/s of 1 MiB here).
 */
export const FULL_PROFILE: Omit<BenchProfile, 'runs'> = {
  quick: false,
  payloads: ['small', 'medium', 'large', 'attachment'],
  budgets: {
    small: {
      warmup: { maxCount: 30_000, maxMs: 300 },
      pingpong: { maxCount: 20_000, maxMs: 400 },
      w8: { maxCount: 100_000, maxMs: 250 },
      w64: { maxCount: 200_000, maxMs: 250 },
    },
    medium: {
      warmup: { maxCount: 30_000, maxMs: 300 },
      pingpong: { maxCount: 20_000, maxMs: 400 },
      w8: { maxCount: 100_000, maxMs: 250 },
      w64: { maxCount: 200_000, maxMs: 250 },
    },
    large: {
      warmup: { maxCount: 500, maxMs: 300 },
      pingpong: { maxCount: 1_000, maxMs: 600 },
      w8: { maxCount: 500, maxMs: 700 },
    },
    largeStream: {
      warmup: { maxCount: 40, maxMs: 300 },
      pingpong: { maxCount: 200, maxMs: 700 },
      w8: { maxCount: 200, maxMs: 700 },
    },
  },
  // The warm-up lets the JIT settle, as the rows' own warm-up does: 250 udsipc clients in one
  // process started cold answer ~1k, 2k, 3k, 4k, 5k msgs/s in their first five 250 ms slices and
  // reach their steady ~6-8k only after ~1.25 s, while a second round in the same warmed processes
  // starts at ~6k at once (4 processes of 250 stream clients, 2026-11-30). A 250 ms warm-up with a
  // 750 ms window measured that ramp against baselines already at their steady rate.
  scale: { processes: 4, clientsPerProcess: 250, warmupMs: 1_500, measureMs: 1_000 },
  // Three processes of one client with 64 in flight, as tests/e2e's loaded migration cycles.
  migrationLoad: { processes: 3, clientsPerProcess: 1, window: 64, progress: 1_000 },
  // 100 clients, so p99 is not simply the slowest one. 500 ms of outage: by then a waiting
  // request's back-off (@udsipc/core DEFAULT_RETRY_BACKOFF: 25 ms doubling, jittered) has
  // grown past 100 ms, so only a client that notices the new socket at once can meet the target.
  restart: { processes: 4, clientsPerProcess: 25, window: 4, progress: 20, downMs: 500 },
  // The small and medium payloads, whose rows are bound by CPU a message; ~1 s a run.
  layer: { sizes: [64, 4096], count: 20_000 },
};

/**
 * The smoke run: one run, 64 B and the two udsipc attachment rows only, tiny counts; a second or
 * two of measuring in all. (Their large-payload counterparts do not run, so their ratios and
 * targets are "—" and N/A here.)
 */
export const QUICK_PROFILE: Omit<BenchProfile, 'runs'> = {
  quick: true,
  payloads: ['small', 'attachment'],
  budgets: {
    ...FULL_PROFILE.budgets,
    small: {
      warmup: { maxCount: 200, maxMs: 40 },
      pingpong: { maxCount: 400, maxMs: 80 },
      w8: { maxCount: 1_000, maxMs: 80 },
      w64: { maxCount: 2_000, maxMs: 80 },
    },
    // The attachment rows': a few hundred KiB of datagrams, a few dozen MiB of stream.
    large: {
      warmup: { maxCount: 40, maxMs: 40 },
      pingpong: { maxCount: 40, maxMs: 80 },
      w8: { maxCount: 80, maxMs: 80 },
    },
    largeStream: {
      warmup: { maxCount: 8, maxMs: 40 },
      pingpong: { maxCount: 20, maxMs: 80 },
      w8: { maxCount: 40, maxMs: 80 },
    },
  },
  scale: { processes: 2, clientsPerProcess: 5, warmupMs: 50, measureMs: 150 },
  // Neither runs with --quick (they take seconds a run); kept for the shape of the results.
  migrationLoad: FULL_PROFILE.migrationLoad,
  restart: FULL_PROFILE.restart,
  layer: { sizes: [64], count: 500 },
};

function phaseSpec(name: PhaseName, window: number, bounds: { maxCount: number; maxMs: number }): PhaseSpec {
  // The warm-up phase reports nothing: its time budget alone may end it.
  const minMeasured = name === 'warmup' ? 0 : minMeasuredOf(bounds.maxCount);
  return { name, window, ...bounds, minMeasured, capMs: capMsOf(bounds.maxMs) };
}

export function phasesFor(budget: PhaseBudget): PhaseSpec[] {
  const phases: PhaseSpec[] = [
    phaseSpec('warmup', 8, budget.warmup),
    phaseSpec('pingpong', 1, budget.pingpong),
    phaseSpec('w8', 8, budget.w8),
  ];
  if (budget.w64) phases.push(phaseSpec('w64', 64, budget.w64));
  return phases;
}

import { rmSync } from 'node:fs';
import unixDgram from 'unix-dgram';

/** unix-dgram reports errors as negative errno numbers. */
const BACKPRESSURE = new Set([-11 /* EAGAIN */, -105 /* ENOBUFS */]);
const FIRST_RETRY_MS = 1;
const MAX_RETRY_MS = 64;

/** Replies waiting for room in one client's receive queue. */
interface PeerQueue {
  frames: Buffer[];
  timer: NodeJS.Timeout | undefined;
  delayMs: number;
}

export interface RawDgramServer {
  /** Replies that met a full queue (EAGAIN) and waited. */
  readonly deferred: () => number;
  /** Replies to peers that were gone (dropped: nobody could read them). */
  readonly lost: () => number;
}

/**
 * The raw datagram baseline: a unix-dgram echo server with nothing above the socket. Each datagram
 * goes back to its sender's path with sendto; a reply that meets EAGAIN waits in a per-peer queue
 * retried on a 1 → 64 ms timer back-off that doubles only while a retry sends nothing (unix-dgram
 * gives no 'writable' event for unconnected sends). Nothing is dropped while the peer exists.
 */
export function startRawDgramServer(path: string): RawDgramServer {
  // unix-dgram builds an Error for every failed send; a stack per EAGAIN is pure cost here.
  Error.stackTraceLimit = 0;
  rmSync(path, { force: true });
  const queues = new Map<string, PeerQueue>();
  let deferred = 0;
  let lost = 0;
  let outcome = 0;
  const record = (error?: { code?: number }) => {
    outcome = error?.code ?? 0;
  };
  const trySend = (frame: Buffer, peer: string): number => {
    outcome = 0;
    socket.send(frame, 0, frame.length, peer, record);
    return outcome;
  };
  const flush = (peer: string, queue: PeerQueue) => {
    queue.timer = undefined;
    let progressed = false;
    while (queue.frames.length > 0) {
      const code = trySend(queue.frames[0]!, peer);
      if (BACKPRESSURE.has(code)) {
        // The back-off grows only while the peer reads nothing: a retry that sent something keeps it short.
        queue.delayMs = progressed ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, queue.delayMs * 2);
        queue.timer = setTimeout(() => flush(peer, queue), queue.delayMs);
        return;
      }
      progressed = true;
      queue.frames.shift();
      if (code !== 0) {
        lost += queue.frames.length + 1;
        queue.frames.length = 0;
      }
    }
    queue.delayMs = FIRST_RETRY_MS;
  };
  const socket = unixDgram.createSocket('unix_dgram', (message, info) => {
    const peer = info.path;
    // unix-dgram reports a sender with no bound path as null: it cannot be answered.
    if (!peer) return;
    const queue = queues.get(peer);
    if (queue && queue.frames.length > 0) {
      queue.frames.push(message);
      return;
    }
    const code = trySend(message, peer);
    if (code === 0) return;
    if (!BACKPRESSURE.has(code)) {
      lost++;
      return;
    }
    deferred++;
    const waiting = queue ?? { frames: [], timer: undefined, delayMs: FIRST_RETRY_MS };
    queues.set(peer, waiting);
    waiting.frames.push(message);
    waiting.timer ??= setTimeout(() => flush(peer, waiting), waiting.delayMs);
  });
  socket.on('error', (error: Error) => {
    throw error;
  });
  socket.bind(path);
  return { deferred: () => deferred, lost: () => lost };
}

import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineSplitter } from './baselines/line-splitter.js';
import { cpuTicksOf } from './cpu-ticks.js';

export const SCALE_TARGETS = ['udsipc-dgram', 'udsipc-stream', 'raw-dgram', 'net-ndjson'] as const;
export type ScaleTarget = (typeof SCALE_TARGETS)[number];

/** One scale client process: `clients` clients (datagram sockets or stream connections) of one kind. */
export interface ScaleClientSpec {
  target: ScaleTarget;
  socket: string;
  replyDir: string;
  clients: number;
  size: number;
  warmupMs: number;
  measureMs: number;
}

/** The process's report: replies completed inside its measuring window. */
export interface ScaleClientResult {
  clients: number;
  openMs: number;
  replies: number;
  errors: number;
  measureMs: number;
  /** This process's utime+stime over the measuring window, clock ticks (its own /proc/self/stat). */
  cpuTicks?: number;
  /**
   * Replies from "go" until every client had its last request answered (or 2 s passed): all the
   * server answered this process from the moment the bench read the server's CPU at "go".
   */
  repliesSinceGo: number;
}

/** A client that keeps one request in flight until told to stop; `replies` counts answers. */
interface Lane {
  start(): void;
  stop(): void;
  /** No request of this client is waiting for its reply. */
  idle(): boolean;
  close(): Promise<void> | void;
}

/** How long the clients wait for their last replies after the window before they close. */
const DRAIN_MS = 2_000;

interface Counters {
  replies: number;
  errors: number;
}

async function udsipcLanes(spec: ScaleClientSpec, counters: Counters): Promise<Lane[]> {
  const { connectClient } = await import('@udsipc/node');
  const kind = spec.target === 'udsipc-stream' ? 'stream' : 'dgram';
  const payload = { text: 'x'.repeat(spec.size) };
  const lanes: Lane[] = [];
  for (let i = 0; i < spec.clients; i++) {
    const client = await connectClient({ transport: kind, path: spec.socket, replyDirectory: spec.replyDir });
    let stopped = false;
    let busy = false;
    const next = () => {
      busy = !stopped;
      if (!stopped) client.request('echo', payload).then(onReply, onError);
    };
    const onReply = () => {
      counters.replies++;
      next();
    };
    const onError = () => {
      counters.errors++;
      next();
    };
    lanes.push({
      start: next,
      stop: () => {
        stopped = true;
      },
      idle: () => !busy,
      close: () => client.close(),
    });
  }
  return lanes;
}

/**
 * A UNIX stream connect fails at once with EAGAIN while the listener's backlog is full (four
 * processes connecting hundreds of sockets to a busy server); like any client, try again shortly.
 */
async function connectWithRetry(path: string, attempts = 100): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    const socket = createConnection(path);
    try {
      await once(socket, 'connect');
      return socket;
    } catch (error) {
      socket.destroy();
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt >= attempts) throw error;
      await sleep(10);
    }
  }
}

async function ndjsonLanes(spec: ScaleClientSpec, counters: Counters): Promise<Lane[]> {
  const text = 'x'.repeat(spec.size);
  const lanes: Lane[] = [];
  for (let i = 0; i < spec.clients; i++) {
    const socket = await connectWithRetry(spec.socket);
    socket.setEncoding('utf8');
    const splitter = new LineSplitter();
    let stopped = false;
    let busy = false;
    let id = 0;
    const send = () => {
      busy = !stopped;
      if (!stopped) socket.write(`${JSON.stringify({ id: id++, text })}\n`);
    };
    const onLine = (line: string) => {
      JSON.parse(line);
      counters.replies++;
      send();
    };
    socket.on('data', (chunk: string) => splitter.push(chunk, onLine));
    socket.on('error', () => counters.errors++);
    lanes.push({
      start: send,
      stop: () => {
        stopped = true;
      },
      idle: () => !busy,
      close: () => {
        socket.destroy();
      },
    });
  }
  return lanes;
}

async function rawDgramLanes(spec: ScaleClientSpec, counters: Counters): Promise<Lane[]> {
  const { default: unixDgram } = await import('unix-dgram');
  const frame = Buffer.alloc(spec.size, 'x');
  const lanes: Lane[] = [];
  for (let i = 0; i < spec.clients; i++) {
    const path = join(spec.replyDir, `s-${process.pid}-${i}.sock`);
    rmSync(path, { force: true });
    let stopped = false;
    let busy = false;
    let congested = false;
    let waiting = false;
    const socket = unixDgram.createSocket('unix_dgram', () => {
      counters.replies++;
      busy = false;
      send();
    });
    const send = () => {
      if (stopped) return;
      busy = true;
      congested = false;
      socket.send(frame);
      waiting = congested;
    };
    socket.on('congestion', () => {
      congested = true;
    });
    socket.on('writable', () => {
      if (waiting) send();
    });
    socket.on('error', () => counters.errors++);
    socket.bind(path);
    socket.connect(spec.socket);
    lanes.push({
      start: send,
      stop: () => {
        stopped = true;
      },
      idle: () => !busy,
      close: () => {
        socket.close();
        rmSync(path, { force: true });
      },
    });
  }
  return lanes;
}

/**
 * Opens every client, prints {"ready":…}, waits for "go" on stdin (so all processes start
 * together), runs warm-up then the measuring window, and prints the replies inside that window.
 */
export async function runScaleClient(spec: ScaleClientSpec): Promise<void> {
  const counters: Counters = { replies: 0, errors: 0 };
  const opened = Date.now();
  const lanes =
    spec.target === 'net-ndjson'
      ? await ndjsonLanes(spec, counters)
      : spec.target === 'raw-dgram'
        ? await rawDgramLanes(spec, counters)
        : await udsipcLanes(spec, counters);
  const openMs = Date.now() - opened;
  process.stdout.write(`${JSON.stringify({ ready: true, openMs })}\n`);
  const input = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => input.once('line', () => resolve()));
  input.close();
  const atGo = counters.replies;
  for (const lane of lanes) lane.start();
  await sleep(spec.warmupMs);
  const before = counters.replies;
  const errorsBefore = counters.errors;
  const ticksBefore = cpuTicksOf('self');
  const from = performance.now();
  await sleep(spec.measureMs);
  const replies = counters.replies - before;
  const ticksAfter = cpuTicksOf('self');
  const measureMs = performance.now() - from;
  const errors = counters.errors - errorsBefore;
  for (const lane of lanes) lane.stop();
  // The last requests are answered before the clients close, so what the server did since "go"
  // matches the replies counted here (for its CPU per message); they are outside the window.
  const drainUntil = performance.now() + DRAIN_MS;
  while (!lanes.every((lane) => lane.idle()) && performance.now() < drainUntil) await sleep(5);
  const result: ScaleClientResult = {
    clients: lanes.length,
    openMs,
    replies,
    errors,
    measureMs,
    ...(ticksBefore !== undefined && ticksAfter !== undefined ? { cpuTicks: ticksAfter - ticksBefore } : {}),
    repliesSinceGo: counters.replies - atGo,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await Promise.all(lanes.map((lane) => lane.close()));
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type ConnectOptions,
  connectClient,
  REQUEST_DEFAULTS,
  type RpcClient,
  runEchoBench,
  warmupCount,
} from '@udsipc/node';
import type { BuiltinMessages, TransportName } from '@udsipc/protocol';
import { cpuTicksOf } from '../cpu-ticks.js';
import { timeIsUp } from '../phase-end.js';
import type { ClientSpec, NatsTarget, PhaseResult, PhaseSpec, SocketKind } from '../plan.js';
import { latencyPercentiles } from '../stats.js';
import { attachingClient } from './attaching-client.js';

const require = createRequire(import.meta.url);
const serverPackage = dirname(require.resolve('@udsipc/server/package.json'));

/** The built daemons, as a user runs them. */
export const SERVER_CLI = join(serverPackage, 'dist', 'cli.js');
export const MIGRATE_CLI = join(serverPackage, 'dist', 'migrate-cli.js');

/**
 * udsipc-server as the bench runs it: the real binary, JSON lines, warnings only by default. Even
 * at info there is no per-request line (only start, stop, quiesce and resume).
 */
export function udsipcServerArgs(
  kind: SocketKind,
  socket: string,
  logLevel: 'warn' | 'info' = 'warn',
): string[] {
  return [
    SERVER_CLI,
    '--transport',
    kind,
    '--socket',
    socket,
    '--log-format',
    'json',
    '--log-level',
    logLevel,
  ];
}

/** udsipc-server over NATS, as the bench runs it: the same binary and log settings. */
export function udsipcNatsServerArgs(target: NatsTarget): string[] {
  return [
    SERVER_CLI,
    '--transport',
    'nats',
    '--nats-url',
    target.url,
    '--subject',
    target.subject,
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ];
}

type EchoClient = RpcClient<BuiltinMessages>;

/**
 * The same client, with its `request` timed from the call to the settling of its promise into a
 * preallocated array. Only the ping-pong phase uses it (the runner reports p50/p99 but not p99.9):
 * with one request in flight the extra reaction costs a timer read, not throughput.
 */
function timedClient(
  client: EchoClient,
  capacity: number,
): { client: EchoClient; samples: () => Float64Array } {
  const latencies = new Float64Array(capacity);
  let count = 0;
  const timed = Object.create(client) as EchoClient;
  const request: EchoClient['request'] = (type, payload, options) => {
    const started = process.hrtime.bigint();
    const pending = client.request(type, payload, options);
    pending.then(
      () => {
        if (count < capacity) latencies[count++] = Number(process.hrtime.bigint() - started) / 1_000;
      },
      () => {},
    );
    return pending;
  };
  Object.defineProperty(timed, 'request', { value: request });
  return { client: timed, samples: () => latencies.subarray(0, count) };
}

/**
 * Aborts when the phase's time is up (phase-end.ts). The runner takes no such rule, so its progress
 * is read from the client's own reply counter: replies since the phase began, less the runner's
 * warm-up, are the requests it has measured (up to the few in flight). Polled every few ms once the
 * budget has passed; before that a single timer, so the runner's hot path is untouched.
 */
function phaseSignal(client: EchoClient, phase: PhaseSpec): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const began = performance.now();
  const repliedBefore = client.counters.replied;
  const warmup = warmupCount(phase.maxCount);
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const measured = Math.max(0, client.counters.replied - repliedBefore - warmup);
    if (timeIsUp(phase, performance.now() - began, measured)) controller.abort();
    else timer = setTimeout(check, 5);
  };
  timer = setTimeout(check, phase.maxMs);
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

/** Where the client meets its server: a socket path, or a NATS server and subject. */
function endpointOf(transport: TransportName, spec: ClientSpec): ConnectOptions<BuiltinMessages> {
  if (transport !== 'nats') return { transport, path: spec.socket, replyDirectory: spec.replyDir };
  if (!spec.nats) throw new Error('udsipc-nats client: no NATS target in its spec');
  return { transport, natsUrl: spec.nats.url, subject: spec.nats.subject };
}

/**
 * The udsipc client side: one RpcClient (as `udsipc-client bench` opens it: json, its default
 * time-out and retries) and, per phase, udsipc-client's exported runner `runEchoBench`, stopped by
 * count or when its time is up (its AbortSignal). An attachment payload is empty text plus `size`
 * bytes of attachment (attaching-client.ts).
 */
export async function runUdsipcClient(transport: TransportName, spec: ClientSpec): Promise<PhaseResult[]> {
  const connected = await connectClient({
    ...endpointOf(transport, spec),
    timeoutMs: REQUEST_DEFAULTS.timeoutMs,
    retries: REQUEST_DEFAULTS.retries,
  });
  const client = spec.attachment ? attachingClient(connected, spec.size) : connected;
  const textBytes = spec.attachment ? 0 : spec.size;
  const results: PhaseResult[] = [];
  try {
    for (const phase of spec.phases) {
      const timed = phase.window === 1 ? timedClient(client, phase.maxCount) : undefined;
      const stop = phaseSignal(connected, phase);
      const result = await runEchoBench(timed?.client ?? client, {
        window: phase.window,
        count: phase.maxCount,
        size: textBytes,
        signal: stop.signal,
      });
      stop.dispose();
      const cpuTicks = cpuTicksOf('self');
      // Our samples cover every request; leave out the same leading ones the runner did.
      const samples = timed?.samples().slice(warmupCount(phase.maxCount));
      const percentiles = samples ? latencyPercentiles(samples) : undefined;
      results.push({
        window: phase.window,
        count: result.count,
        errors: result.errors,
        warmup: result.warmup,
        measured: result.measured,
        durationMs: result.durationMs,
        msgsPerSec: result.msgsPerSec,
        p50Us: percentiles?.p50Us ?? result.p50Us,
        p99Us: percentiles?.p99Us ?? result.p99Us,
        p999Us: percentiles?.p999Us ?? null,
        runnerP50Us: result.p50Us,
        runnerP99Us: result.p99Us,
        ...(result.errors > 0 ? { errorsByCode: result.errorsByCode } : {}),
        cpuTicks,
      });
    }
  } finally {
    await connected.close();
  }
  return results;
}

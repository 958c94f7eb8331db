import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COARSE_CPU_S, type CpuShare, clientShare, serverShare, usPerMessage } from './cpu-per-message.js';
import { waitForReadyLine, waitForUdsipcNats } from './nats-ready.js';
import {
  type ClientSpec,
  isNats,
  type NatsTarget,
  type Payload,
  type PhaseName,
  type PhaseResult,
  type PhaseSpec,
  type RowKind,
  TRANSPORTS,
  type TransportId,
} from './plan.js';
import {
  type Child,
  lastJsonLine,
  outputOf,
  type ProcessUsage,
  processUsage,
  start,
  stopChild,
  waitForSocket,
} from './processes.js';
import { type Spread, spread } from './stats.js';
import { udsipcNatsServerArgs, udsipcServerArgs } from './targets/udsipc.js';

export const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface RowContext {
  scratch: string;
  replyDir: string;
  /** The compiled C program, when there is a compiler. */
  cBinary: string | undefined;
  /** The nats-server the NATS rows go through, when one runs. */
  natsUrl?: string | undefined;
}

/** One run of one row: a fresh server process, one client process running every phase in turn. */
export interface RunSample {
  run: number;
  phases: Partial<Record<PhaseName, PhaseResult>>;
  /** The server at the end of the run: peak RSS (VmHWM) and utime+stime since it started. */
  server: ProcessUsage;
  /** CPU the server had spent by the time it was listening (start-up, included in server.cpuS). */
  serverStartupCpuS: number;
  /** The server's CPU after start-up and the requests it answered (cpu-per-message.ts). */
  serverCpu?: CpuShare;
  /** The client process's CPU after its warm-up phase and the requests answered then. */
  clientCpu?: CpuShare;
  errors: number;
}

export interface RowSummary {
  pingpong: { rtPerSec?: Spread; p50Us?: Spread; p99Us?: Spread; p999Us?: Spread };
  w8?: Spread;
  w64?: Spread;
  serverRssMiB?: Spread;
  serverCpuS?: Spread;
  /** CPU µs per message answered, server (start-up left out) and client (warm-up left out). */
  serverUsPerMsg?: Spread;
  clientUsPerMsg?: Spread;
  /** Some run's figure rests on less than COARSE_CPU_S of CPU (a few 10 ms ticks). */
  serverCpuCoarse?: boolean;
  clientCpuCoarse?: boolean;
  errors: number;
}

export interface RowResult {
  transport: TransportId;
  label: string;
  kind: RowKind;
  payload: Payload;
  phases: PhaseSpec[];
  runs: RunSample[];
  failures: string[];
  /** Why the row did not run (a peer that cannot be loaded here, no nats-server for a NATS row). */
  skipped?: string;
  summary: RowSummary;
}

function natsOf(target: NatsTarget | undefined, transport: TransportId): NatsTarget {
  if (!target) throw new Error(`${transport}: no nats-server runs for it`);
  return target;
}

function serverCommand(
  ctx: RowContext,
  transport: TransportId,
  socket: string,
  nats: NatsTarget | undefined,
): [string, string[]] {
  const info = TRANSPORTS[transport];
  switch (transport) {
    case 'c-stream':
    case 'c-dgram':
      return [ctx.cBinary!, ['server', info.kind, socket]];
    case 'net-ndjson':
      return [process.execPath, [WORKER_SCRIPT, 'ndjson-server', socket]];
    case 'raw-dgram':
      return [process.execPath, [WORKER_SCRIPT, 'raw-dgram-server', socket]];
    case 'udsipc-stream':
    case 'udsipc-dgram':
      return [process.execPath, udsipcServerArgs(transport === 'udsipc-stream' ? 'stream' : 'dgram', socket)];
    case 'peer-zeromq':
      return [process.execPath, [WORKER_SCRIPT, 'zeromq-server', socket]];
    case 'peer-node-ipc':
      return [process.execPath, [WORKER_SCRIPT, 'node-ipc-server', socket]];
    case 'raw-nats':
      return [process.execPath, [WORKER_SCRIPT, 'raw-nats-server', JSON.stringify(natsOf(nats, transport))]];
    case 'udsipc-nats':
      return [process.execPath, udsipcNatsServerArgs(natsOf(nats, transport))];
  }
}

function clientCommand(
  ctx: RowContext,
  transport: TransportId,
  spec: ClientSpec,
  run: number,
): [string, string[]] {
  const info = TRANSPORTS[transport];
  switch (transport) {
    case 'c-stream':
    case 'c-dgram': {
      const plan = spec.phases
        .map(
          (phase) => `${phase.window}:${phase.maxCount}:${phase.maxMs}:${phase.minMeasured}:${phase.capMs}`,
        )
        .join(',');
      const replyPath = join(spec.replyDir, `c-${run}.sock`);
      return [ctx.cBinary!, ['client', info.kind, spec.socket, replyPath, String(spec.size), plan]];
    }
    case 'net-ndjson':
      return [process.execPath, [WORKER_SCRIPT, 'ndjson-client', JSON.stringify(spec)]];
    case 'raw-dgram':
      return [process.execPath, [WORKER_SCRIPT, 'raw-dgram-client', JSON.stringify(spec)]];
    case 'udsipc-stream':
    case 'udsipc-dgram':
    case 'udsipc-nats':
      return [process.execPath, [WORKER_SCRIPT, `${transport}-client`, JSON.stringify(spec)]];
    case 'peer-zeromq':
      return [process.execPath, [WORKER_SCRIPT, 'zeromq-client', JSON.stringify(spec)]];
    case 'peer-node-ipc':
      return [process.execPath, [WORKER_SCRIPT, 'node-ipc-client', JSON.stringify(spec)]];
    case 'raw-nats':
      return [process.execPath, [WORKER_SCRIPT, 'raw-nats-client', JSON.stringify(spec)]];
  }
}

/**
 * Starts a row's server in its own process and waits until its socket answers, or for a NATS row
 * (`nats` given) until it listens on its subject.
 */
export async function startServer(
  ctx: RowContext,
  transport: TransportId,
  socket: string,
  nats?: NatsTarget,
): Promise<Child> {
  const [command, args] = serverCommand(ctx, transport, socket, nats);
  const server = start(`${transport} server`, command, args);
  try {
    if (transport === 'udsipc-nats') await waitForUdsipcNats(server, natsOf(nats, transport));
    else if (transport === 'raw-nats') await waitForReadyLine(server);
    else await waitForSocket(server, socket);
  } catch (error) {
    await stopChild(server, 200);
    throw error;
  }
  return server;
}

/**
 * A subject of the run's own: a server of an earlier run that is still leaving its queue group
 * can take none of this run's requests.
 */
function natsTargetOf(ctx: RowContext, transport: TransportId, payload: Payload, run: number): NatsTarget {
  if (!ctx.natsUrl) throw new Error(`${transport}: no nats-server runs for it`);
  return { url: ctx.natsUrl, subject: `udsipc-bench.${transport}.${payload.id}.run${run}` };
}

/** One run: fresh server, one client process through every phase, usage read before the server stops. */
export async function measureRun(
  ctx: RowContext,
  transport: TransportId,
  payload: Payload,
  phases: PhaseSpec[],
  run: number,
): Promise<RunSample> {
  const nats = isNats(transport) ? natsTargetOf(ctx, transport, payload, run) : undefined;
  const socket = nats
    ? `${nats.url}/${nats.subject}`
    : join(ctx.scratch, `${transport}-${payload.id}-${run}.sock`);
  const server = await startServer(ctx, transport, socket, nats);
  try {
    const startup = processUsage(server.pid);
    const spec: ClientSpec = {
      socket,
      ...(nats ? { nats } : {}),
      replyDir: ctx.replyDir,
      size: payload.bytes,
      ...(payload.attachment ? { attachment: true } : {}),
      phases,
    };
    const [command, args] = clientCommand(ctx, transport, spec, run);
    const client = start(`${transport} client`, command, args);
    const budgetMs = phases.reduce((total, phase) => total + phase.maxMs, 0) + 20_000;
    const output = await outputOf(client, budgetMs);
    const usage = processUsage(server.pid);
    if (!usage) throw new Error(`${transport} server died during the run: ${server.stderr().trim()}`);
    const results = lastJsonLine(output) as PhaseResult[];
    if (!Array.isArray(results) || results.length !== phases.length) {
      throw new Error(`${transport} client reported ${JSON.stringify(results).slice(0, 200)}`);
    }
    const byPhase: Partial<Record<PhaseName, PhaseResult>> = {};
    let errors = 0;
    phases.forEach((phase, index) => {
      const result = results[index]!;
      byPhase[phase.name] = result;
      errors += result.errors;
    });
    const serverStartupCpuS = startup?.cpuS ?? 0;
    return {
      run,
      phases: byPhase,
      server: usage,
      serverStartupCpuS,
      serverCpu: serverShare(usage.cpuS, serverStartupCpuS, byPhase),
      clientCpu: clientShare(phases, results),
      errors,
    };
  } finally {
    await stopChild(server);
  }
}

export function summarize(runs: RunSample[]): RowSummary {
  // A rate or latency of 0 means nothing was measured; CPU seconds of 0 are a real reading.
  const of = (pick: (sample: RunSample) => number | null | undefined, zeroIsReal = false) =>
    spread(
      runs
        .map(pick)
        .filter(
          (value): value is number => typeof value === 'number' && (value > 0 || (zeroIsReal && value === 0)),
        ),
    );
  return {
    pingpong: {
      rtPerSec: of((sample) => sample.phases.pingpong?.msgsPerSec),
      p50Us: of((sample) => sample.phases.pingpong?.p50Us),
      p99Us: of((sample) => sample.phases.pingpong?.p99Us),
      p999Us: of((sample) => sample.phases.pingpong?.p999Us),
    },
    w8: of((sample) => sample.phases.w8?.msgsPerSec),
    w64: of((sample) => sample.phases.w64?.msgsPerSec),
    serverRssMiB: of((sample) => sample.server.peakRssMiB),
    serverCpuS: of((sample) => sample.server.cpuS, true),
    serverUsPerMsg: of((sample) => usPerMessage(sample.serverCpu), true),
    clientUsPerMsg: of((sample) => usPerMessage(sample.clientCpu), true),
    serverCpuCoarse: runs.some((sample) => (sample.serverCpu?.cpuS ?? 0) < COARSE_CPU_S),
    clientCpuCoarse: runs.some((sample) => (sample.clientCpu?.cpuS ?? 0) < COARSE_CPU_S),
    errors: runs.reduce((total, sample) => total + sample.errors, 0),
  };
}

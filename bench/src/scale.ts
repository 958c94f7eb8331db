import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { COARSE_CPU_S, type CpuShare, usPerMessage } from './cpu-per-message.js';
import type { BenchProfile } from './plan.js';
import {
  type Child,
  isRunning,
  lastJsonLine,
  outputOf,
  type ProcessUsage,
  processUsage,
  start,
  stopChild,
  ticksToSeconds,
} from './processes.js';
import { type RowContext, startServer, WORKER_SCRIPT } from './rows.js';
import type { ScaleClientResult, ScaleClientSpec, ScaleTarget } from './scale-client.js';
import { type Spread, spread } from './stats.js';

export const SCALE_LABELS: Record<ScaleTarget, string> = {
  'udsipc-dgram': 'udsipc dgram',
  'udsipc-stream': 'udsipc stream',
  'raw-dgram': 'raw unix-dgram',
  'net-ndjson': 'net NDJSON',
};

/** The baseline of a udsipc scale row, as in the main table. */
export const SCALE_BASELINE: Partial<Record<ScaleTarget, ScaleTarget>> = {
  'udsipc-dgram': 'raw-dgram',
  'udsipc-stream': 'net-ndjson',
};

export interface ScaleRun {
  run: number;
  /** Sum over the client processes of replies in their measuring window per second. */
  msgsPerSec: number;
  replies: number;
  errors: number;
  /** The slowest process's time to open its clients. */
  openMs: number;
  server: ProcessUsage;
  /**
   * The server's CPU from "go" (every client open: its start-up and the 1,000 connections left
   * out) to the client processes' exit, over every reply since "go" (the clients wait for their
   * last ones before closing).
   */
  serverCpu?: CpuShare;
  /** The client processes' CPU over their measuring windows (their own /proc), over its replies. */
  clientCpu?: CpuShare;
}

export interface ScaleRow {
  target: ScaleTarget;
  label: string;
  clients: number;
  processes: number;
  runs: ScaleRun[];
  failures: string[];
  summary: {
    msgsPerSec?: Spread;
    serverRssMiB?: Spread;
    serverCpuS?: Spread;
    serverUsPerMsg?: Spread;
    clientUsPerMsg?: Spread;
    serverCpuCoarse?: boolean;
    clientCpuCoarse?: boolean;
    openMs?: Spread;
    errors: number;
  };
}

async function waitForReady(client: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!client.stdout().includes('"ready":true')) {
    if (!isRunning(client)) throw new Error(`${client.name} exited: ${client.stderr().trim().slice(-1000)}`);
    if (Date.now() > deadline) throw new Error(`${client.name} did not open its clients in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * One scale run: one server, `processes` client processes of `clientsPerProcess` clients each
 * (1,000 in all by default), every client a closed loop of 64 B echoes with one in flight. The
 * processes open their clients, then start together; the aggregate is what the server answered.
 */
export async function measureScaleRun(
  ctx: RowContext,
  target: ScaleTarget,
  profile: BenchProfile['scale'],
  run: number,
): Promise<ScaleRun> {
  const socket = join(ctx.scratch, `scale-${target}-${run}.sock`);
  const server = await startServer(ctx, target, socket);
  const clients: Child[] = [];
  try {
    for (let index = 0; index < profile.processes; index++) {
      // A reply directory per process: a udsipc datagram client sweeps its directory when it opens.
      const replyDir = join(ctx.replyDir, `scale-${target}-${run}-${index}`);
      mkdirSync(replyDir, { recursive: true, mode: 0o700 });
      const spec: ScaleClientSpec = {
        target,
        socket,
        replyDir,
        clients: profile.clientsPerProcess,
        size: 64,
        warmupMs: profile.warmupMs,
        measureMs: profile.measureMs,
      };
      clients.push(
        start(`scale client ${index + 1}`, process.execPath, [
          WORKER_SCRIPT,
          'scale-client',
          JSON.stringify(spec),
        ]),
      );
    }
    await Promise.all(clients.map((client) => waitForReady(client, 60_000)));
    const atGo = processUsage(server.pid);
    for (const client of clients) client.child.stdin!.write('go\n');
    const outputs = await Promise.all(
      clients.map((client) => outputOf(client, profile.warmupMs + profile.measureMs + 30_000)),
    );
    const usage = processUsage(server.pid);
    if (!usage) throw new Error(`${target} server died during the scale run: ${server.stderr().trim()}`);
    const ready = outputs.map((output) => JSON.parse(output.split('\n')[0]!) as { openMs: number });
    const results = outputs.map((output) => lastJsonLine(output) as ScaleClientResult);
    const clientTicks = results.map((result) => result.cpuTicks);
    const replies = results.reduce((total, result) => total + result.replies, 0);
    return {
      run,
      msgsPerSec: Math.round(
        results.reduce((total, result) => total + (result.replies * 1_000) / result.measureMs, 0),
      ),
      replies,
      errors: results.reduce((total, result) => total + result.errors, 0),
      openMs: Math.max(...ready.map((line) => line.openMs)),
      server: usage,
      ...(atGo
        ? {
            serverCpu: {
              cpuS: Math.max(0, usage.cpuS - atGo.cpuS),
              answered: results.reduce((total, result) => total + result.repliesSinceGo, 0),
            },
          }
        : {}),
      ...(clientTicks.every((ticks) => ticks !== undefined)
        ? {
            clientCpu: {
              cpuS: ticksToSeconds(clientTicks.reduce<number>((total, ticks) => total + (ticks ?? 0), 0)),
              answered: replies,
            },
          }
        : {}),
    };
  } finally {
    await Promise.all(clients.map((client) => stopChild(client, 500)));
    await stopChild(server);
  }
}

export function summarizeScale(runs: ScaleRun[]): ScaleRow['summary'] {
  return {
    msgsPerSec: spread(runs.map((run) => run.msgsPerSec).filter((value) => value > 0)),
    serverRssMiB: spread(runs.map((run) => run.server.peakRssMiB)),
    serverCpuS: spread(runs.map((run) => run.server.cpuS)),
    serverUsPerMsg: spread(runs.flatMap((run) => usPerMessage(run.serverCpu) ?? [])),
    clientUsPerMsg: spread(runs.flatMap((run) => usPerMessage(run.clientCpu) ?? [])),
    serverCpuCoarse: runs.some((run) => (run.serverCpu?.cpuS ?? 0) < COARSE_CPU_S),
    clientCpuCoarse: runs.some((run) => (run.clientCpu?.cpuS ?? 0) < COARSE_CPU_S),
    openMs: spread(runs.map((run) => run.openMs)),
    errors: runs.reduce((total, run) => total + run.errors, 0),
  };
}

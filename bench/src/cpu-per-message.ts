/**
 * CPU per message, server and client, from utime+stime in /proc (10 ms clock ticks here), for the
 * closed-loop rows:
 *
 * - server: its CPU at the end of the run less its CPU once it was listening (start-up left out),
 *   over every request it answered in the run, the client's warm-up phase included (the server
 *   cannot tell that phase apart; its JIT settling is in the figure).
 * - client: the client process reads its own /proc/self/stat at the end of every phase
 *   (PhaseResult.cpuTicks). Its CPU after the warm-up phase is the last phase's reading less the
 *   warm-up phase's, over the requests answered in those phases: node's start-up, loading the
 *   modules, connecting and the whole warm-up phase are left out. The bench's own work between
 *   phases (sorting a phase's latencies, setting up the next) stays in, alike for every client.
 *
 * A tick is 10 ms: a figure resting on few ticks is coarse, so each carries the CPU it rests on.
 */
import type { PhaseName, PhaseResult, PhaseSpec } from './plan.js';
import { ticksToSeconds } from './processes.js';

/** CPU seconds spent on `answered` requests. */
export interface CpuShare {
  cpuS: number;
  answered: number;
}

/** Below this much CPU (10 ticks) a µs/msg figure is marked coarse in the tables. */
export const COARSE_CPU_S = 0.1;

export function usPerMessage(share: CpuShare | undefined): number | undefined {
  return share && share.answered > 0 ? (share.cpuS * 1e6) / share.answered : undefined;
}

/** The server's share: CPU since it was listening, over every request answered in the run. */
export function serverShare(
  cpuAtEndS: number,
  startupCpuS: number,
  phases: Partial<Record<PhaseName, PhaseResult>>,
): CpuShare {
  const answered = Object.values(phases).reduce((total, result) => total + (result?.count ?? 0), 0);
  return { cpuS: Math.max(0, cpuAtEndS - startupCpuS), answered };
}

/** The client's share after its warm-up phase; undefined when the client reported no ticks. */
export function clientShare(specs: PhaseSpec[], results: PhaseResult[]): CpuShare | undefined {
  const warmupIndex = specs.findIndex((spec) => spec.name === 'warmup');
  const from = results[warmupIndex]?.cpuTicks;
  const to = results.at(-1)?.cpuTicks;
  if (warmupIndex < 0 || from === undefined || to === undefined || results.length <= warmupIndex + 1) {
    return undefined;
  }
  const answered = results.slice(warmupIndex + 1).reduce((total, result) => total + result.count, 0);
  return { cpuS: ticksToSeconds(to - from), answered };
}

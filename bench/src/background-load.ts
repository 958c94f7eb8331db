import { spawnSync } from 'node:child_process';
import { type Child, isRunning, killGroup, start } from './processes.js';

/**
 * `--load N`: N busy processes beside the rows. On this VM an idle vCPU halts and waking it costs
 * tens of µs, so a blocking round trip measures the wake-up as much as the code (README,
 * Benchmarks); a busy loop in the background keeps the vCPUs awake, and with N near the CPU count
 * the rows compete for CPU as they would on a loaded host.
 *
 * Each is `timeout -s KILL <bound> sh -c <loop>` in a process group of its own, which the bench
 * kills whole when its rows are done, on an error and on SIGINT/SIGTERM/exit (processes.ts). Should
 * the bench itself be SIGKILLed, the loop reads the bench's /proc/<pid>/stat every tenth of a second
 * or so and ends once it is gone or a zombie (`kill -0` would still find a zombie its parent has not
 * reaped), and `timeout` ends it at the bound in any case. The counting in between is shell
 * arithmetic: CPU only, no system calls.
 */
const LOOP =
  'while read -r _ _ state _ < "/proc/$1/stat" && [ "$state" != Z ]; do ' +
  'i=0; while [ "$i" -lt 50000 ]; do i=$((i + 1)); done; done 2>/dev/null';

export interface LoadInfo {
  /** Busy processes (--load). */
  processes: number;
  /** What each one ran. */
  command: string;
  /** The `timeout` bound on each, seconds. */
  boundS: number;
  /** How many were still running when the bench stopped them (fewer: one ended early). */
  runningAtEnd?: number;
}

export interface BackgroundLoad {
  info: LoadInfo;
  /** Kills every one of them (and anything they started); records how many were still running. */
  stop(): Promise<void>;
}

/** The `timeout` bound: far beyond any run of the bench, so only a bench that is gone meets it. */
export function loadBoundS(runs: number): number {
  return 3_600 + runs * 600;
}

/** Starts `count` busy processes; fails (before any row runs) when `timeout` is missing. */
export function startBackgroundLoad(count: number, boundS: number): BackgroundLoad {
  const info: LoadInfo = {
    processes: count,
    command: `timeout -s KILL ${boundS} sh -c '${LOOP}' load <bench pid>`,
    boundS,
  };
  if (count === 0) return { info, stop: async () => {} };
  const probe = spawnSync('timeout', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error('--load needs timeout(1) (GNU coreutils)');
  const children: Child[] = [];
  for (let index = 0; index < count; index++) {
    const args = ['-s', 'KILL', String(boundS), 'sh', '-c', LOOP, 'load', String(process.pid)];
    children.push(start(`load ${index + 1}`, 'timeout', args, {}, true));
  }
  return {
    info,
    stop: async () => {
      info.runningAtEnd = children.filter(isRunning).length;
      await Promise.all(children.map(killGroup));
    },
  };
}

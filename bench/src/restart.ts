import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '@udsipc/node';
import type { LoadSummary } from './load-client.js';
import { describeOutcome, type LoadOutcome, loadOutcome } from './load-outcome.js';
import {
  killLoad,
  type LoadProcess,
  markAll,
  startLoad,
  stopLoad,
  waitFor,
  waitForProgress,
} from './load-processes.js';
import type { BenchProfile, SocketKind } from './plan.js';
import { type Child, start, stopChild, waitForSocket } from './processes.js';
import { lastLogged, liveMoment, waitForLogged } from './server-log.js';
import { serverStats } from './server-stats.js';
import { watchForLiveSocket } from './socket-watch.js';
import { type Spread, spread } from './stats.js';
import { udsipcServerArgs } from './targets/udsipc.js';

/**
 * What the clients do once the old server is gone: `waiting`, each lane waits for the request it
 * has outstanding and issues nothing more (how soon waiting requests are answered, the target's
 * figure); `full-load`, every lane goes on at full load as soon as it is answered, as a real
 * client would (how soon the new server, cold and busy with the first clients back, gets to the
 * last one; a stream server takes new connections a few to a turn: accept-listeners.ts).
 */
export const RESTART_LOADS = ['waiting', 'full-load'] as const;
export type RestartLoad = (typeof RESTART_LOADS)[number];

/** The row's name for --only: restart-stream, restart-full-stream, ... */
export function restartRowId(
  mode: SocketKind,
  afterRestart: RestartLoad,
): `restart-${SocketKind}` | `restart-full-${SocketKind}` {
  return afterRestart === 'waiting' ? `restart-${mode}` : `restart-full-${mode}`;
}

/** One graceful restart with clients waiting: how soon each got its first reply from the new server. */
export interface RestartRun {
  run: number;
  /** Over the clients: ms from the new server's socket going live to the client's first reply. */
  firstReplyP50Ms: number;
  firstReplyP99Ms: number;
  firstReplyMaxMs: number;
  /** From SIGTERM to the old server to the new server's socket going live. */
  outageMs: number;
  /**
   * From live to the slowest client process's own inotify watch reporting the new socket: the
   * share of the delays spent before a client could even act (waiting for a CPU).
   */
  noticedMs?: number;
  /** Every client's delay, ms, ascending. */
  firstReplyMs: number[];
  load: LoadOutcome;
}

export interface RestartRow {
  mode: SocketKind;
  afterRestart: RestartLoad;
  clients: number;
  processes: number;
  skipped?: string;
  runs: RestartRun[];
  failures: string[];
  summary: {
    firstReplyP50Ms?: Spread;
    firstReplyP99Ms?: Spread;
    firstReplyMaxMs?: Spread;
    outageMs?: Spread;
    noticedMs?: Spread;
    /** Sums over the runs. */
    sent: number;
    lost: number;
    failed: number;
    executedTwice: number;
  };
}

/** The old server's last line, at info level: how many handlers it ran in its life. */
function executedBy(server: Child): number {
  const executed = lastLogged(server, 'stopped')?.executed;
  if (typeof executed !== 'number') throw new Error(`${server.name} logged no "stopped" line with its count`);
  return executed;
}

function startServer(name: string, mode: SocketKind, socket: string): Child {
  // Info level: the stopped line carries the old server's execution count; still nothing per request.
  return start(name, process.execPath, udsipcServerArgs(mode, socket, 'info'));
}

/** Rejects if the server exits; marked handled, so it matters only while something races it. */
function exitBeforeListening(server: Child): Promise<never> {
  const exited = new Promise<never>((_resolve, reject) => {
    server.exited.then((code) =>
      reject(new Error(`${server.name} exited with ${code}: ${server.stderr().trim()}`)),
    );
  });
  exited.catch(() => {});
  return exited;
}

function noticed(summaries: LoadSummary[], liveAt: bigint): Pick<RestartRun, 'noticedMs'> {
  const times = summaries.flatMap((summary) =>
    summary.noticedAfterMarkNs === undefined ? [] : [ms(liveAt, BigInt(summary.noticedAfterMarkNs))],
  );
  return times.length === summaries.length ? { noticedMs: Math.max(...times) } : {};
}

function ms(from: bigint, to: bigint): number {
  return Math.round(Number(to - from) / 1_000) / 1_000;
}

/**
 * One restart: a server, `processes` load processes of `clientsPerProcess` clients each with
 * `window` echoes in flight; once every client has had replies, SIGTERM to the server (it answers
 * what it took, then closes), every client told to note its next reply, `downMs` of outage (long
 * enough for the clients' back-off to have grown past 100 ms), then a new server on the same path.
 * After the mark each lane only waits for the request it has outstanding (load-client.ts), or with
 * `afterRestart` 'full-load' goes on at full load (see RESTART_LOADS).
 *
 * "Live" is when the bench sees the new socket file appear, through its own inotify watch on the
 * directory, and a connect finds a process bound to it (the same event the clients wait on), or
 * the server's own "listening" log line if that is earlier (liveMoment). Each client's first reply
 * is timed in its own process on the same clock, CLOCK_MONOTONIC.
 */
export async function measureRestartRun(
  scratch: string,
  replyRoot: string,
  mode: SocketKind,
  afterRestart: RestartLoad,
  run: number,
  profile: BenchProfile['restart'],
): Promise<RestartRun> {
  const name = `${restartRowId(mode, afterRestart)}-${run}`;
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = join(dir, 's.sock');
  const servers: Child[] = [startServer(`udsipc-server (${name}, old)`, mode, socket)];
  let loads: LoadProcess[] = [];
  try {
    const old = servers[0]!;
    await waitForSocket(old, socket);
    const spec = {
      transport: mode,
      socket,
      clients: profile.clientsPerProcess,
      window: profile.window,
      keepLoad: afterRestart === 'full-load',
    };
    loads = await startLoad(name, spec, replyRoot, profile.processes);
    await waitForProgress(loads, profile.progress);

    const stoppedAt = process.hrtime.bigint();
    old.child.kill('SIGTERM');
    const code = await old.exited;
    if (code !== 0) throw new Error(`${old.name} exited with ${code} on SIGTERM: ${old.stderr().trim()}`);
    // Mark halfway through the outage: a client process left waiting for a CPU may still be reading
    // the old server's last replies just after its exit, and those must not count as the new one's.
    await sleep(profile.downMs / 2);
    await markAll(loads);
    await sleep(profile.downMs / 2);

    const live = watchForLiveSocket(socket);
    const fresh = startServer(`udsipc-server (${name}, new)`, mode, socket);
    servers.push(fresh);
    const seenAt = await Promise.race([live.at, exitBeforeListening(fresh)]).finally(live.stop);
    const liveAt = liveMoment(seenAt, await waitForLogged(fresh, 'listening'))!;
    await waitFor(loads, (load) => load.back, 'get a reply from the new server');
    const summaries = await stopLoad(loads);
    const stats = await serverStats(mode, socket, replyRoot);
    const outcome = loadOutcome(summaries, executedBy(old) + (stats.executedByType.echo ?? 0));

    const firstReplies = summaries
      .flatMap((summary) => summary.clients)
      .map((tally) => {
        if (tally.firstReplyAfterMarkNs === undefined)
          throw new Error(`client ${tally.clientId} never came back`);
        return ms(liveAt, BigInt(tally.firstReplyAfterMarkNs));
      });
    const sorted = Float64Array.from(firstReplies).sort();
    if (sorted[0]! < 0) {
      throw new Error(
        `a client's first reply after the mark came ${-sorted[0]!} ms before the new server listened`,
      );
    }
    return {
      run,
      firstReplyP50Ms: percentile(sorted, 50),
      firstReplyP99Ms: percentile(sorted, 99),
      firstReplyMaxMs: sorted[sorted.length - 1]!,
      outageMs: Math.round(ms(stoppedAt, liveAt)),
      ...noticed(summaries, liveAt),
      firstReplyMs: [...sorted],
      load: outcome,
    };
  } finally {
    await killLoad(loads);
    await Promise.all(servers.map((server) => stopChild(server)));
  }
}

export function describeRestartRun(sample: RestartRun): string {
  const figure = (value: number) => value.toFixed(1);
  return (
    `first reply p50 ${figure(sample.firstReplyP50Ms)} / p99 ${figure(sample.firstReplyP99Ms)} / ` +
    `max ${figure(sample.firstReplyMaxMs)} ms after listening` +
    (sample.noticedMs === undefined ? '' : ` (slowest process noticed at ${figure(sample.noticedMs)})`) +
    ` · outage ${sample.outageMs} ms · ` +
    describeOutcome(sample.load)
  );
}

export function summarizeRestart(runs: RestartRun[]): RestartRow['summary'] {
  const sum = (pick: (outcome: LoadOutcome) => number) =>
    runs.reduce((total, run) => total + pick(run.load), 0);
  return {
    firstReplyP50Ms: spread(runs.map((run) => run.firstReplyP50Ms)),
    firstReplyP99Ms: spread(runs.map((run) => run.firstReplyP99Ms)),
    firstReplyMaxMs: spread(runs.map((run) => run.firstReplyMaxMs)),
    outageMs: spread(runs.map((run) => run.outageMs)),
    noticedMs: spread(runs.flatMap((run) => (run.noticedMs === undefined ? [] : [run.noticedMs]))),
    sent: sum((outcome) => outcome.sent),
    lost: sum((outcome) => outcome.lost),
    failed: sum((outcome) => outcome.failed),
    executedTwice: sum((outcome) => outcome.executedTwice),
  };
}

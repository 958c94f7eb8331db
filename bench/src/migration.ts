import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CheckpointableServer, withCheckpointableServer } from './checkpointable-server.js';
import { describeOutcome, type LoadOutcome, loadOutcome } from './load-outcome.js';
import { killLoad, type LoadProcess, startLoad, stopLoad, waitForProgress } from './load-processes.js';
import { dumpServer, restoreServer } from './migrate-steps.js';
import type { BenchProfile, SocketKind } from './plan.js';
import { lastLoggedIn, liveMoment, monotonicOf } from './server-log.js';
import { serverStats } from './server-stats.js';
import { watchForLiveSocket } from './socket-watch.js';
import { type Spread, spread } from './stats.js';

/** One dump and restore: what udsipc-migrate printed, and under load what the clients went through. */
export interface MigrationRun {
  run: number;
  /** From the moment the server stopped answering (quiesce) to its first reply after restore. */
  pauseMs: number;
  /** From SIGUSR2 to the server holding no socket on its path. */
  quiesceMs: number;
  /** `criu dump` alone. */
  dumpMs: number;
  /** From the start of `criu restore` to the first reply (a ping of udsipc-migrate's own). */
  restoreToReplyMs: number;
  /**
   * pause − quiesce − dump − restore→reply: the hand-over between the two commands, mostly
   * `udsipc-migrate restore` starting (node, `criu check`) before it runs criu restore.
   */
  handoverMs: number;
  /**
   * From the restored server's socket going live (it binds its path again when resumed: the
   * bench's inotify sighting or the server's "resumed" line, the earlier) to that first reply (the
   * time udsipc-migrate took it, recovered from its pause and its record; ±1 ms): the ping's share
   * of restore→reply. The rest is criu restore itself, any retry while the server's pid is still
   * taken, and the resume up to the bind.
   */
  liveToReplyMs?: number;
  /** Loaded rows only. */
  load?: LoadOutcome;
}

export interface MigrationRow {
  mode: SocketKind;
  /** Clients keep echoes in flight through the dump and the restore. */
  loaded: boolean;
  label: string;
  /** Why the row was not measured (not root, no working criu, --quick). */
  skipped?: string;
  runs: MigrationRun[];
  failures: string[];
  summary: MigrationSummary;
}

export interface MigrationSummary {
  pauseMs?: Spread;
  quiesceMs?: Spread;
  dumpMs?: Spread;
  restoreToReplyMs?: Spread;
  handoverMs?: Spread;
  liveToReplyMs?: Spread;
  /** Loaded rows: sums over the runs. */
  load?: LoadTotals;
}

export type LoadTotals = Pick<
  LoadOutcome,
  'sent' | 'answered' | 'lost' | 'failed' | 'mismatched' | 'executed' | 'executedTwice'
>;

export function migrationLabel(mode: SocketKind, loaded: boolean): string {
  return loaded ? `${mode} under load` : mode;
}

/** Why live migration cannot be measured here, or undefined when it can. */
export function migrationUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (criu checkpoints other processes)';
  const check = spawnSync('criu', ['check'], { encoding: 'utf8' });
  if (check.error) {
    const code = (check.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'criu is not installed (scripts/install-criu.sh)' : `criu check: ${code}`;
  }
  if (check.status !== 0) {
    return `criu check failed: ${`${check.stdout}${check.stderr}`.trim().split('\n').at(-1) ?? check.status}`;
  }
  return undefined;
}

/** How long a restored socket may take to be seen once udsipc-migrate has had its reply. */
const LIVE_GRACE_MS = 1_000;

/** `udsipc-migrate dump --json`, then at once `udsipc-migrate restore --json`. */
async function dumpAndRestore(
  server: CheckpointableServer,
  images: string,
): Promise<Omit<MigrationRun, 'run' | 'load'>> {
  const dump = await dumpServer(server.pid, images);
  if (!dump.quiesced) throw new Error('udsipc-migrate dumped without quiescing the server');
  // criu gives the server back its own pid: wait until the dumped one is reaped. A zombie keeps its
  // pid until its parent waits for it (wait(2)); we are the parent, so that is at once. A server
  // restored before has been adopted (criu restore -d), by PID 1 unless there is a subreaper, and
  // is reaped whenever that process gets to it: tests/e2e's later cycles wait on that.
  await server.exited;
  // Quiesced, the server removed its socket file: the next one at the path is the restored server's.
  const live = watchForLiveSocket(server.socket);
  try {
    const { pauseMs, restoreToReplyMs, repliedAtMs } = await restoreServer(images);
    const seenAt = await Promise.race([live.at, sleep(LIVE_GRACE_MS).then(() => undefined)]);
    const liveAt = liveMoment(seenAt, lastLoggedIn(readFileSync(server.log, 'utf8'), 'resumed'));
    const liveToReplyMs =
      liveAt === undefined ? undefined : Math.round(Number(monotonicOf(repliedAtMs) - liveAt) / 1e6);
    return {
      pauseMs,
      quiesceMs: dump.quiesceMs,
      dumpMs: dump.dumpMs,
      restoreToReplyMs,
      handoverMs: pauseMs - dump.quiesceMs - dump.dumpMs - restoreToReplyMs,
      ...(liveToReplyMs === undefined ? {} : { liveToReplyMs }),
    };
  } finally {
    live.stop();
  }
}

/**
 * One migration of a fresh server (withCheckpointableServer). Idle: nothing but the migration.
 * Under load: `processes` load processes keep `window` echoes in flight per client from before the
 * dump to after the restore. Progress, not time, paces it: every client must have had `progress`
 * replies before the dump and `progress` more after the restore; then the load stops gracefully
 * and the restored server's count of echo executions is compared with the requests sent.
 */
export async function measureMigrationRun(
  scratch: string,
  replyRoot: string,
  mode: SocketKind,
  run: number,
  load: BenchProfile['migrationLoad'] | undefined,
): Promise<MigrationRun> {
  const name = `mig-${load ? 'load-' : ''}${mode}-${run}`;
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withCheckpointableServer(dir, mode, async (server) => {
    if (!load) return { run, ...(await dumpAndRestore(server, join(dir, 'images'))) };
    let loads: LoadProcess[] = [];
    try {
      const spec = {
        transport: mode,
        socket: server.socket,
        clients: load.clientsPerProcess,
        window: load.window,
      };
      loads = await startLoad(name, spec, replyRoot, load.processes);
      await waitForProgress(loads, load.progress);
      const migration = await dumpAndRestore(server, join(dir, 'images'));
      await waitForProgress(loads, load.progress);
      const summaries = await stopLoad(loads);
      const stats = await serverStats(mode, server.socket, replyRoot);
      return { run, ...migration, load: loadOutcome(summaries, stats.executedByType.echo ?? 0) };
    } finally {
      await killLoad(loads);
    }
  });
}

export function describeMigrationRun(sample: MigrationRun): string {
  return [
    `pause ${sample.pauseMs} ms (quiesce ${sample.quiesceMs}, dump ${sample.dumpMs}, hand-over ${sample.handoverMs})`,
    `restore→reply ${sample.restoreToReplyMs} ms` +
      (sample.liveToReplyMs === undefined
        ? ''
        : ` (${sample.liveToReplyMs} of it after the socket was live)`),
    sample.load ? describeOutcome(sample.load) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function loadTotals(runs: MigrationRun[]): LoadTotals | undefined {
  const outcomes = runs.flatMap((run) => (run.load ? [run.load] : []));
  if (outcomes.length === 0) return undefined;
  const sum = (pick: (outcome: LoadOutcome) => number) =>
    outcomes.reduce((total, outcome) => total + pick(outcome), 0);
  return {
    sent: sum((outcome) => outcome.sent),
    answered: sum((outcome) => outcome.answered),
    lost: sum((outcome) => outcome.lost),
    failed: sum((outcome) => outcome.failed),
    mismatched: sum((outcome) => outcome.mismatched),
    executed: sum((outcome) => outcome.executed),
    executedTwice: sum((outcome) => outcome.executedTwice),
  };
}

export function summarizeMigration(runs: MigrationRun[]): MigrationSummary {
  const of = (pick: (run: MigrationRun) => number | undefined) =>
    spread(runs.map(pick).filter((value): value is number => value !== undefined));
  const load = loadTotals(runs);
  return {
    pauseMs: of((run) => run.pauseMs),
    quiesceMs: of((run) => run.quiesceMs),
    dumpMs: of((run) => run.dumpMs),
    restoreToReplyMs: of((run) => run.restoreToReplyMs),
    handoverMs: of((run) => run.handoverMs),
    liveToReplyMs: of((run) => run.liveToReplyMs),
    ...(load ? { load } : {}),
  };
}

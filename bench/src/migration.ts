import { spawn, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeSocket } from '@udsipc/transport';
import type { SocketKind } from './plan.js';
import { lastJsonLine, outputOf, sleep, start, trackPid, untrackPid } from './processes.js';
import { type Spread, spread } from './stats.js';
import { MIGRATE_CLI, SERVER_CLI } from './targets/udsipc.js';

/** What `udsipc-migrate restore --json` prints. */
export interface MigrationRun {
  run: number;
  /** From the moment the server stopped answering (quiesce or dump) to its first reply after restore. */
  pauseMs: number;
  /** From the start of `criu restore` to the first reply. */
  restoreToReplyMs: number;
}

export interface MigrationRow {
  mode: SocketKind;
  /** Why the row was not measured (not root, no working criu, --quick). */
  skipped?: string;
  runs: MigrationRun[];
  failures: string[];
  summary: { pauseMs?: Spread; restoreToReplyMs?: Spread };
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

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function killAndWait(pid: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + 3_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(10);
    if (!isAlive(pid)) return;
  }
}

async function waitForLiveSocket(path: string, pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (lstatSync(path).isSocket() && probeSocket(path) === 'live') return;
    } catch {
      // Not there yet.
    }
    if (!isAlive(pid)) throw new Error(`udsipc-server ${pid} exited before listening`);
    if (Date.now() > deadline) throw new Error(`no live socket at ${path} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * One migration: a udsipc-server started as a checkpointable daemon (own session, output to a file,
 * io_uring off, like tests/e2e's migration harness), `udsipc-migrate dump --json`, then at once
 * `udsipc-migrate restore --json`, whose {"pauseMs","restoreToReplyMs"} is the row.
 */
export async function measureMigrationRun(
  scratch: string,
  mode: SocketKind,
  run: number,
): Promise<MigrationRun> {
  const dir = join(scratch, `migration-${mode}-${run}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = join(dir, 's.sock');
  const images = join(dir, 'images');
  const log = openSync(join(dir, 'server.log'), 'a');
  const server = spawn(
    process.execPath,
    [SERVER_CLI, '--transport', mode, '--socket', socket, '--log-format', 'json', '--log-level', 'warn'],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, UV_USE_IO_URING: '0' } },
  );
  closeSync(log);
  const pid = server.pid!;
  trackPid(pid, `udsipc-server (migration ${mode})`);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    await waitForLiveSocket(socket, pid);
    const dump = start('udsipc-migrate dump', process.execPath, [
      MIGRATE_CLI,
      'dump',
      '--pid',
      String(pid),
      '--dir',
      images,
      '--json',
    ]);
    await outputOf(dump, 60_000);
    // criu gives the server back its own pid: wait until the dumped one is reaped.
    await exited;
    const restore = start('udsipc-migrate restore', process.execPath, [
      MIGRATE_CLI,
      'restore',
      '--dir',
      images,
      '--json',
    ]);
    const result = lastJsonLine(await outputOf(restore, 60_000)) as Omit<MigrationRun, 'run'>;
    return { run, pauseMs: result.pauseMs, restoreToReplyMs: result.restoreToReplyMs };
  } finally {
    // The restored server is no child of ours (criu restores it detached): kill it by pid.
    await killAndWait(pid);
    untrackPid(pid);
  }
}

export function summarizeMigration(runs: MigrationRun[]): MigrationRow['summary'] {
  return {
    pauseMs: spread(runs.map((run) => run.pauseMs)),
    restoreToReplyMs: spread(runs.map((run) => run.restoreToReplyMs)),
  };
}

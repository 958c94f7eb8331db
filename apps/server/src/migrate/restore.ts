import { existsSync } from 'node:fs';
import { connectClient } from '@udsipc/node';
import { QUIESCE_SIGNAL } from '../quiesce-toggle.js';
import { type CheckpointRecord, readCheckpointRecord } from './checkpoint-record.js';
import { assertCriuWorks, criuLogTail, runCriu } from './criu.js';
import { MigrateError } from './migrate-error.js';
import { isAlive } from './process-info.js';

export interface RestoreResult {
  pid: number;
  /** From the moment the server stopped answering (quiesce or dump) to its first reply after restore. */
  pauseMs: number;
  /** From the start of `criu restore` to the first reply. */
  restoreToReplyMs: number;
}

const RESTORE_ATTEMPTS = 20;

/** How long a restore waits for the dumped process's zombie to be reaped before trying anyway. */
const REAP_WAIT_MS = 30_000;

/** Whether /proc still has `pid`, a zombie included: criu cannot have that pid back until it is gone. */
function pidTaken(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/**
 * criu must give the server back its own pids (main and every thread). Right after a dump they can
 * still be held by the dumped process's zombie until its parent reaps it: a server restored before
 * has init (or whatever runs as pid 1) for a parent, which may take a second or two. So the restore
 * waits for the pid to be free, watching /proc, instead of failing and backing off blindly; a
 * restore that still finds a pid taken ("File exists") is retried.
 */
async function restoreWithRetry(directory: string, pid: number, shellJob: boolean): Promise<void> {
  const reapDeadline = Date.now() + REAP_WAIT_MS;
  while (pidTaken(pid) && Date.now() < reapDeadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const args = ['restore', '-D', directory, '-d', '-o', 'restore.log', '--ext-unix-sk'];
  if (shellJob) args.push('--shell-job');
  for (let attempt = 1; ; attempt++) {
    const restore = await runCriu(args);
    if (restore.status === 0) return;
    const why = criuLogTail(directory, 'restore.log') || restore.output.trim();
    if (!/File exists|EEXIST|-17/.test(why) || attempt >= RESTORE_ATTEMPTS) {
      // Say why criu cannot work here when that is the reason (checked only now: a `criu check`
      // before every restore would lengthen every pause).
      assertCriuWorks();
      throw new MigrateError('RESTORE_FAILED', `criu restore from ${directory} failed: ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500)));
  }
}

/** Pings until the restored server answers; the time of that first reply ends the pause. */
async function firstReply(record: CheckpointRecord, timeoutMs: number): Promise<number> {
  const { transport, socket } = record;
  const client = await connectClient({
    transport,
    ...(transport === 'nats' ? { natsUrl: record.natsUrl, subject: record.subject } : { path: socket }),
    timeoutMs: 200,
    retries: Math.ceil(timeoutMs / 200),
  });
  try {
    await client.request('ping', { sentAt: Date.now() });
    return Date.now();
  } catch (error) {
    throw new MigrateError(
      'NOT_ANSWERING',
      `restored server did not answer a ping on ${transport === 'nats' ? record.subject : socket}: ${(error as Error).message}`,
    );
  } finally {
    await client.close();
  }
}

/** The second half: `criu restore` the checkpoint, resume it if it was quiesced, and wait for its first reply. */
export async function restoreServer(directory: string, answerTimeoutMs = 10_000): Promise<RestoreResult> {
  const record = readCheckpointRecord(directory);
  if (isAlive(record.pid)) {
    throw new MigrateError(
      'RESTORE_FAILED',
      `pid ${record.pid} is running: the checkpoint in ${directory} was restored already, or its server was never stopped`,
    );
  }
  const restoreStarted = Date.now();
  await restoreWithRetry(directory, record.pid, record.shellJob);
  if (record.quiesced && isAlive(record.pid)) process.kill(record.pid, QUIESCE_SIGNAL);
  const answeredAt = await firstReply(record, answerTimeoutMs);
  return {
    pid: record.pid,
    pauseMs: answeredAt - record.unreachableSince,
    restoreToReplyMs: answeredAt - restoreStarted,
  };
}

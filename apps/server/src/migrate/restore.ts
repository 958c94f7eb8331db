import { connectClient } from '@udsipc/transport';
import { QUIESCE_SIGNAL } from '../quiesce-toggle.js';
import { readCheckpointRecord } from './checkpoint-record.js';
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

/**
 * criu must give the server back its own pids (main and every thread). Right after a dump they can
 * still be held by the dumped process's zombie until its parent reaps it, so a restore that finds a
 * pid taken ("File exists") is retried with back-off.
 */
async function restoreWithRetry(directory: string, shellJob: boolean): Promise<void> {
  const args = ['restore', '-D', directory, '-d', '-o', 'restore.log', '--ext-unix-sk'];
  if (shellJob) args.push('--shell-job');
  for (let attempt = 1; ; attempt++) {
    const restore = await runCriu(args);
    if (restore.status === 0) return;
    const why = criuLogTail(directory, 'restore.log') || restore.output.trim();
    if (!/File exists|EEXIST|-17/.test(why) || attempt >= RESTORE_ATTEMPTS) {
      throw new MigrateError('RESTORE_FAILED', `criu restore from ${directory} failed: ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500)));
  }
}

/** Pings until the restored server answers; the time of that first reply ends the pause. */
async function firstReply(transport: 'dgram' | 'stream', socket: string, timeoutMs: number): Promise<number> {
  const client = await connectClient({
    transport,
    path: socket,
    timeoutMs: 200,
    retries: Math.ceil(timeoutMs / 200),
  });
  try {
    await client.request('ping', { sentAt: Date.now() });
    return Date.now();
  } catch (error) {
    throw new MigrateError(
      'NOT_ANSWERING',
      `restored server did not answer a ping on ${socket}: ${(error as Error).message}`,
    );
  } finally {
    await client.close();
  }
}

/** The second half: `criu restore` the checkpoint, resume it if it was quiesced, and wait for its first reply. */
export async function restoreServer(directory: string, answerTimeoutMs = 10_000): Promise<RestoreResult> {
  const record = readCheckpointRecord(directory);
  assertCriuWorks();
  if (isAlive(record.pid)) {
    throw new MigrateError(
      'RESTORE_FAILED',
      `pid ${record.pid} is running: the checkpoint in ${directory} was restored already, or its server was never stopped`,
    );
  }
  const restoreStarted = Date.now();
  await restoreWithRetry(directory, record.shellJob);
  if (record.quiesced && isAlive(record.pid)) process.kill(record.pid, QUIESCE_SIGNAL);
  const answeredAt = await firstReply(record.transport, record.socket, answerTimeoutMs);
  return {
    pid: record.pid,
    pauseMs: answeredAt - record.unreachableSince,
    restoreToReplyMs: answeredAt - restoreStarted,
  };
}

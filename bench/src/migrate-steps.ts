import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJsonLine, outputOf, start } from './processes.js';
import { MIGRATE_CLI } from './targets/udsipc.js';

/** What `udsipc-migrate dump --json` prints. */
export interface DumpReport {
  quiesced: boolean;
  /** From SIGUSR2 to the server holding no socket on its path (replies delivered, socket closed). */
  quiesceMs: number;
  /** `criu dump` alone. */
  dumpMs: number;
}

/** What `udsipc-migrate restore --json` prints, and when the first reply came. */
export interface RestoreReport {
  /** From the moment the server stopped answering (quiesce) to its first reply after restore. */
  pauseMs: number;
  /** From the start of `criu restore` to the first reply. */
  restoreToReplyMs: number;
  /** Date.now() at that reply, as udsipc-migrate took it: when it stopped answering, plus the pause. */
  repliedAtMs: number;
}

/**
 * When the server stopped answering (Date.now()), from the record udsipc-migrate dump leaves beside
 * criu's images (udsipc-checkpoint.json, apps/server/src/migrate/checkpoint-record.ts).
 */
function unreachableSince(images: string): number {
  const record = JSON.parse(readFileSync(join(images, 'udsipc-checkpoint.json'), 'utf8')) as {
    unreachableSince?: unknown;
  };
  if (typeof record.unreachableSince !== 'number')
    throw new Error(`${images}: no unreachableSince in its record`);
  return record.unreachableSince;
}

const MIGRATE_TIMEOUT_MS = 60_000;

export async function dumpServer(pid: number, images: string): Promise<DumpReport> {
  const dump = start('udsipc-migrate dump', process.execPath, [
    MIGRATE_CLI,
    'dump',
    '--pid',
    String(pid),
    '--dir',
    images,
    '--json',
  ]);
  const report = lastJsonLine(await outputOf(dump, MIGRATE_TIMEOUT_MS)) as DumpReport;
  return { quiesced: report.quiesced, quiesceMs: report.quiesceMs, dumpMs: report.dumpMs };
}

export async function restoreServer(images: string): Promise<RestoreReport> {
  const restore = start('udsipc-migrate restore', process.execPath, [
    MIGRATE_CLI,
    'restore',
    '--dir',
    images,
    '--json',
  ]);
  const report = lastJsonLine(await outputOf(restore, MIGRATE_TIMEOUT_MS)) as RestoreReport;
  return {
    pauseMs: report.pauseMs,
    restoreToReplyMs: report.restoreToReplyMs,
    repliedAtMs: unreachableSince(images) + report.pauseMs,
  };
}

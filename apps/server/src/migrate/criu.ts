import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MigrateError } from './migrate-error.js';

export interface CriuRun {
  status: number | null;
  output: string;
}

/** Runs criu and collects what it said; never throws for a non-zero exit. */
export function runCriu(args: string[]): Promise<CriuRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('criu', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new MigrateError('CRIU_MISSING', 'criu is not installed (see scripts/install-criu.sh)')
          : error,
      ),
    );
    child.once('close', (status) => resolve({ status, output }));
  });
}

/** Refuses early, with the reason, when criu is missing or cannot work on this machine. */
export function assertCriuWorks(): void {
  const check = spawnSync('criu', ['check'], { encoding: 'utf8' });
  if (check.error) {
    const missing = (check.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MigrateError(
      missing ? 'CRIU_MISSING' : 'CRIU_CHECK_FAILED',
      missing ? 'criu is not installed (see scripts/install-criu.sh)' : check.error.message,
    );
  }
  if (check.status !== 0) {
    const said = `${check.stdout}${check.stderr}`.trim().split('\n').filter(Boolean);
    throw new MigrateError(
      'CRIU_CHECK_FAILED',
      `criu check failed: ${said.at(-1) ?? `exit ${check.status}`}`,
    );
  }
}

/** The last lines of a criu log, where it says why it failed. */
export function criuLogTail(directory: string, logName: string, lines = 6): string {
  try {
    const errors = readFileSync(join(directory, logName), 'utf8')
      .split('\n')
      .filter((line) => /Error|error|fail/.test(line));
    return errors.slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

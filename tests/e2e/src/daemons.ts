import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeSocket } from '@udsipc/transport-dgram';
import { type Running, spawnNode, spawnProcess } from '../../../scripts/test-support/process.mjs';
import { serverTakesConnections } from '../../../scripts/test-support/socket-state.mjs';

const require = createRequire(import.meta.url);

/**
 * How long a wait for a process to start or answer may take before it is called a hang. Not a
 * speed check: a busy machine takes its time, and a test only fails if nothing happens at all.
 */
export const HANG_GUARD_MS = 120_000;

/** The built entry points, as a user runs them. */
export const SERVER_CLI = join(dirname(require.resolve('@udsipc/server/package.json')), 'dist', 'cli.js');
export const MIGRATE_CLI = join(
  dirname(require.resolve('@udsipc/server/package.json')),
  'dist',
  'migrate-cli.js',
);
export const CLIENT_CLI = join(dirname(require.resolve('@udsipc/client/package.json')), 'dist', 'cli.js');

export type { Running };

/** Spawns a process and collects its output; `exited` resolves with its exit code (null if killed by a signal). */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  return spawnProcess(command, args, { env: { ...process.env, ...env } });
}

export function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  return spawnNode(script, args, { env: { ...process.env, ...env } });
}

/** Resolves once `predicate` holds for the output so far, or rejects after `timeoutMs`. */
export async function waitForOutput(
  running: Running,
  predicate: (stdout: string, stderr: string) => boolean,
  timeoutMs = HANG_GUARD_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(running.stdout(), running.stderr())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for output; stdout: ${running.stdout()} stderr: ${running.stderr()}`,
      );
    }
    if (running.child.exitCode !== null) {
      throw new Error(`process exited with ${running.child.exitCode}: ${running.stderr()}`);
    }
    await sleep(20);
  }
}

export async function stop(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  return running.exited;
}

export { sleep };

/**
 * Resolves once a live server is bound at `path` and takes connections: a stale file left by a killed
 * one does not count, nor a stream socket bound but not listening yet (takesConnections).
 */
export async function waitForSocket(path: string, timeoutMs = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (serverTakesConnections(path, probeSocket)) return;
    if (Date.now() > deadline) throw new Error(`no live socket at ${path} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

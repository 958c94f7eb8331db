import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach } from 'vitest';
import { type Running, runProcess, spawnNode } from '../../../scripts/test-support/process.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';

export const fixture = join(import.meta.dirname, 'fixtures', 'echo-server.mjs');

export { makeTempDir };

/** A fixture server process (the shared process helper's `Running`). */
export type ServerProcess = Running;

/** Starts the fixture server as a real process and waits until it listens (its READY line), or fails. */
export async function startServer(
  transport: TransportName,
  path: string,
  executionLog = '',
  codec = 'auto',
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const server = spawnNode(fixture, [transport, path, executionLog, codec], {
    env: { ...process.env, ...env },
    name: 'fixture server',
  });
  await server.waitForLine();
  return server;
}

/** Starts the fixture expecting it to refuse to start; resolves with its exit code and stderr. */
export async function startServerExpectingFailure(
  transport: TransportName,
  path: string,
): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runProcess(process.execPath, [fixture, transport, path]);
  return { code, stderr };
}

export async function stopServer(
  server: ServerProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

export function executionCounts(logPath: string): Map<string, number> {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    const id = line.slice(line.indexOf(' ') + 1);
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** For a log written by servers started with GENERATION=0, 1, 2 ...: the generations that ran each id. */
export function executionGenerations(logPath: string): Map<string, number[]> {
  const generations = new Map<string, number[]>();
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space === -1) continue;
    const id = line.slice(space + 1);
    const list = generations.get(id) ?? [];
    list.push(Number(line.slice(0, space)));
    generations.set(id, list);
  }
  return generations;
}

export { sleep };

/** A private temp directory per test, with the server's socket path and execution log in it. */
export interface ServerWorkspace {
  dir: string;
  path: string;
  log: string;
}

/**
 * Registers beforeEach/afterEach hooks that give each test a fresh 0700 temp directory (removed
 * after it) and return it through the object, whose fields change per test.
 */
export function useServerWorkspace(): ServerWorkspace {
  const workspace: ServerWorkspace = { dir: '', path: '', log: '' };
  let cleanup = () => {};
  beforeEach(() => {
    const made = makeTempDir('udsipc-t-');
    cleanup = made.cleanup;
    Object.assign(workspace, {
      dir: made.dir,
      path: join(made.dir, 'server.sock'),
      log: join(made.dir, 'executions.log'),
    });
  });
  afterEach(() => cleanup());
  return workspace;
}

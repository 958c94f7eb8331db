import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPLY_SOCKET_PATTERN, type TransportName } from '@udsipc/protocol';
import { probeSocket } from '@udsipc/transport-dgram';
import { type Running, spawnNode as spawnScript } from '../../../scripts/test-support/process.mjs';
import { serverTakesConnections } from '../../../scripts/test-support/socket-state.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';

const APP = join(import.meta.dirname, '..');
export const REPO = join(APP, '..', '..');
/** The built binary, exactly what `udsipc-client` runs. */
export const CLIENT_CLI = join(APP, 'dist', 'cli.js');
/** The real daemon, udsipc-server, built by `turbo run build`. */
export const SERVER_CLI = join(REPO, 'apps', 'server', 'dist', 'cli.js');
export const REFUSING_SERVER = join(import.meta.dirname, 'fixtures', 'refusing-server.mjs');

export { sleep };

export interface Workspace {
  dir: string;
  /** UDSIPC_REPLY_DIR for every client of the test. */
  replies: string;
  socket: string;
  cleanup(): void;
}

export function makeWorkspace(): Workspace {
  const { dir, cleanup } = makeTempDir('udsipc-client-');
  return { dir, replies: join(dir, 'replies'), socket: join(dir, 'server.sock'), cleanup };
}

/** Reply sockets present in a reply directory. */
export function replySockets(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).filter((name) => REPLY_SOCKET_PATTERN.test(name));
}

export type { Running };

export interface SpawnOptions {
  /** false: the child gets `env` and nothing else of this process's environment. */
  inheritEnv?: boolean;
  cwd?: string;
}

export function spawnNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: SpawnOptions = {},
): Running {
  // Inherited UDSIPC_* settings would change what a test means: each test sets its own.
  const base =
    options.inheritEnv === false
      ? {}
      : Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('UDSIPC_')));
  return spawnScript(script, args, { env: { ...base, ...env }, cwd: options.cwd });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Non-empty stdout lines. */
  lines: string[];
}

/** Runs `udsipc-client ...args` to completion. */
export async function client(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  const running = spawnNode(CLIENT_CLI, args, env);
  const code = await running.exited;
  const stdout = running.stdout();
  return { code, stdout, stderr: running.stderr(), lines: stdout.split('\n').filter((line) => line !== '') };
}

export function spawnClient(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  return spawnNode(CLIENT_CLI, args, env);
}

/** Stdout lines of a running process, parsed as JSON. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function waitFor(
  what: string,
  predicate: () => boolean,
  timeoutMs = 10_000,
  running?: Running,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (running && running.child.exitCode !== null) {
      throw new Error(`${what}: process exited with ${running.child.exitCode}: ${running.stderr()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Resolves once a live server is bound at `path` and takes connections: a stale file left by a killed
 * one does not count, nor a stream socket bound but not listening yet (takesConnections).
 */
export function waitForSocket(path: string, running?: Running): Promise<void> {
  return waitFor(
    `a live socket at ${path}`,
    () => serverTakesConnections(path, probeSocket),
    10_000,
    running,
  );
}

/** Starts the real udsipc-server (or another server script taking `<transport> <socket>`) and waits until it listens. */
export async function startServer(
  transport: TransportName,
  socket: string,
  script?: string,
): Promise<Running> {
  const server = script
    ? spawnNode(script, [transport, socket])
    : spawnNode(SERVER_CLI, ['--transport', transport, '--socket', socket, '--log-level', 'warn']);
  await waitForSocket(socket, server);
  return server;
}

export async function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    // SIGKILL also ends a server a test left stopped (SIGSTOP).
    server.child.kill('SIGKILL');
  }
  await server.exited;
}

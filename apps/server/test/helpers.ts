import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { Changes } from '../../../scripts/test-support/deferred.mjs';
import { type Running, runProcess, spawnNode } from '../../../scripts/test-support/process.mjs';
import { makeTempDir as makeSharedTempDir } from '../../../scripts/test-support/temp-dir.mjs';

export const APP_DIR = join(import.meta.dirname, '..');
export const CLI = join(APP_DIR, 'dist', 'cli.js');
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as { version: string }
).version;

/** A private (0700) temp dir, as the socket-file checks require of a socket's parent. */
export const makeTempDir = (prefix = 'udsipc-srv-') => makeSharedTempDir(prefix);

/**
 * A test-owned stand-in for systemd's notification socket: a bound datagram socket that collects
 * what the server sends to $NOTIFY_SOCKET.
 */
export class NotifyListener {
  readonly messages: string[] = [];
  private readonly socket: DatagramSocket;
  private readonly changes = new Changes();

  constructor(readonly path: string) {
    this.socket = new DatagramSocket((message) => {
      this.messages.push(message.toString('utf8'));
      this.changes.wake();
    });
    const failure = this.socket.bind(path);
    if (failure) throw new Error(`cannot bind notify socket ${path}: ${failure}`);
  }

  /** Resolves with the first message holding the line `assignment` (e.g. READY=1); rejects once `exited` settles without it. */
  async waitFor(assignment: string, exited?: Promise<unknown>): Promise<string> {
    let gone = false;
    void exited?.then(() => {
      gone = true;
      this.changes.wake();
    });
    for (;;) {
      const found = this.messages.find((message) => message.split('\n').includes(assignment));
      if (found !== undefined) return found;
      if (gone) throw new Error(`server exited before sending ${assignment}`);
      await this.changes.wait();
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A spawned server (shared process helper: `stdout()`, `stderr()`, `waitForLine`, `exited` ...) and its notify socket. */
export interface ServerProcess extends Running {
  /** Like waitForLine, for --log-format json: the first record matching. */
  waitForRecord(matches: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  notify: NotifyListener;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Path of the CLI entry to run (default: this app's dist/cli.js). */
  cli?: string;
  uid?: number;
  gid?: number;
  /** Start from an empty environment instead of the test's own (default true). */
  inheritEnv?: boolean;
}

let notifySerial = 0;

/** Environment for a spawned server: the test's own, minus anything that would configure it behind the test's back. */
function serverEnv(extra: Record<string, string | undefined> = {}, inherit = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(inherit ? process.env : {})) {
    if (!key.startsWith('UDSIPC_') && key !== 'NOTIFY_SOCKET') env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawns the CLI with its own notify socket in `dir`; does not wait for anything. */
export function spawnServer(dir: string, args: string[], options: SpawnOptions = {}): ServerProcess {
  const notify = new NotifyListener(join(dir, `notify-${++notifySerial}.sock`));
  const running = spawnNode(options.cli ?? CLI, args, {
    cwd: options.cwd,
    env: serverEnv({ NOTIFY_SOCKET: notify.path, ...options.env }, options.inheritEnv),
    uid: options.uid,
    gid: options.gid,
    name: 'server',
  });
  const waitForRecord = async (matches: (record: Record<string, unknown>) => boolean) =>
    JSON.parse(
      await running.waitForLine(
        (line) => line.startsWith('{') && matches(JSON.parse(line) as Record<string, unknown>),
      ),
    ) as Record<string, unknown>;
  return { ...running, waitForRecord, notify };
}

/** Spawns the CLI and waits for READY=1 on its notify socket; rejects with its stderr if it exits first. */
export async function startServer(
  dir: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const server = spawnServer(dir, args, options);
  try {
    await server.notify.waitFor('READY=1', server.exited);
  } catch (error) {
    await server.exited;
    server.notify.close();
    throw new Error(`${(error as Error).message}; stderr: ${server.stderr()}`);
  }
  return server;
}

/** Runs the CLI to completion (for usage errors, --help ...). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [CLI, ...args], { env: serverEnv(env) });
}

/** Sends a signal (unless already gone) and waits for the exit code; the notify socket stays open. */
export async function stopServer(
  server: ServerProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

/** The JSON log lines a server wrote so far (with --log-format json). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatagramSocket } from '@udsipc/transport-dgram';
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
  private waiters: Array<() => void> = [];

  constructor(readonly path: string) {
    this.socket = new DatagramSocket((message) => {
      this.messages.push(message.toString('utf8'));
      for (const wake of this.waiters.splice(0)) wake();
    });
    const failure = this.socket.bind(path);
    if (failure) throw new Error(`cannot bind notify socket ${path}: ${failure}`);
  }

  /** Resolves with the first message holding the line `assignment` (e.g. READY=1); rejects once `exited` settles without it. */
  async waitFor(assignment: string, exited?: Promise<unknown>): Promise<string> {
    let gone = false;
    void exited?.then(() => {
      gone = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    for (;;) {
      const found = this.messages.find((message) => message.split('\n').includes(assignment));
      if (found !== undefined) return found;
      if (gone) throw new Error(`server exited before sending ${assignment}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.close();
  }
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout so far (all of it once `exited` has settled). */
  stdout(): string;
  stderr(): string;
  /** The first complete stdout line matching, as soon as it is read; rejects if the process exits first. */
  waitForLine(matches: (line: string) => boolean): Promise<string>;
  /** Like waitForLine, for --log-format json: the first record matching. */
  waitForRecord(matches: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal), once stdout and stderr are drained. */
  exited: Promise<number | null>;
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
  const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
    cwd: options.cwd,
    env: serverEnv({ NOTIFY_SOCKET: notify.path, ...options.env }, options.inheritEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  let stdout = '';
  let stderr = '';
  let gone = false;
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    const complete = stdout.split('\n').slice(0, -1);
    lines.push(...complete.slice(lines.length));
    wakeAll();
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  // 'close' comes after the exit and after both pipes are drained: the output is then complete.
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      gone = true;
      resolve(code);
      wakeAll();
    });
  });
  const waitForLine = async (matches: (line: string) => boolean): Promise<string> => {
    for (let checked = 0; ; ) {
      for (; checked < lines.length; checked++) if (matches(lines[checked]!)) return lines[checked]!;
      if (gone)
        throw new Error(`server exited without the expected line; stdout: ${stdout} stderr: ${stderr}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    }
  };
  const waitForRecord = async (matches: (record: Record<string, unknown>) => boolean) =>
    JSON.parse(
      await waitForLine(
        (line) => line.startsWith('{') && matches(JSON.parse(line) as Record<string, unknown>),
      ),
    ) as Record<string, unknown>;
  return { child, stdout: () => stdout, stderr: () => stderr, waitForLine, waitForRecord, exited, notify };
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
  const child = spawn(process.execPath, [CLI, ...args], {
    env: serverEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
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

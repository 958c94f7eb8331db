import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransportName } from '@udsipc/protocol';
import { CLIENT_CLI, node, type Running, SERVER_CLI, sleep, stop, waitForSocket } from './daemons.js';

export interface DetachedServer {
  pid: number;
  log: string;
  /** Resolves when the process we spawned exits (after a dump or kill); a restored server is no child of ours. */
  exited: Promise<void>;
}

/**
 * Starts udsipc-server the way a checkpointable server runs: its own session (setsid), output to
 * a file opened for append (criu restores the file at its path), no pipes to us, and libuv's
 * io_uring off (criu cannot dump io_uring descriptors).
 */
export async function startDetachedServer(
  transport: TransportName,
  socket: string,
  log: string,
): Promise<DetachedServer> {
  const fd = openSync(log, 'a');
  const child = spawn(
    process.execPath,
    [SERVER_CLI, '--transport', transport, '--socket', socket, '--log-format', 'json'],
    {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, UV_USE_IO_URING: '0' },
    },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForSocket(socket);
  return { pid: child.pid!, log, exited };
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

export async function killAndWait(
  pid: number,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 5_000,
): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(10);
}

export interface Summary {
  sent: number;
  replied: number;
  failed: number;
  retried: number;
}

/** A `udsipc-client run --interval 5 --json`: the seed's client loop, sending without waiting for replies. */
export function startRunClient(transport: TransportName, socket: string, replyDir: string): Running {
  return node(
    CLIENT_CLI,
    ['run', '--transport', transport, '--socket', socket, '--interval', '5', '--json'],
    {
      UDSIPC_REPLY_DIR: replyDir,
    },
  );
}

export async function stopRunClient(client: Running): Promise<Summary> {
  const code = await stop(client, 'SIGTERM');
  const lines = client.stdout().trim().split('\n');
  const last = JSON.parse(lines.at(-1)!) as { summary?: Summary };
  if (!last.summary) throw new Error(`no summary line (exit ${code}): ${lines.at(-1)} ${client.stderr()}`);
  return last.summary;
}

export interface ServerStats {
  executed: number;
  executedByType: Record<string, number>;
  resendsAnsweredFromMemory: number;
  requests: number;
  sendFailuresByCode: Record<string, number>;
  errorsByCode: Record<string, number>;
}

export async function serverStats(
  transport: TransportName,
  socket: string,
  replyDir: string,
): Promise<ServerStats> {
  const stats = node(CLIENT_CLI, ['stats', '--transport', transport, '--socket', socket, '--json'], {
    UDSIPC_REPLY_DIR: replyDir,
  });
  const code = await stats.exited;
  if (code !== 0) throw new Error(`stats failed (${code}): ${stats.stderr()}`);
  return JSON.parse(stats.stdout().trim().split('\n').at(-1)!) as ServerStats;
}

/** Why CRIU cannot run here, or undefined when `criu check` passes. */
export function criuUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'CRIU needs root and this test runs as another user';
  const check = spawnSync('criu', ['check'], { encoding: 'utf8' });
  if (check.error)
    return `criu is not installed (${(check.error as NodeJS.ErrnoException).code}); run scripts/install-criu.sh as root`;
  if (check.status !== 0) {
    return `criu check failed: ${`${check.stdout}${check.stderr}`.trim().split('\n').at(-1)}`;
  }
  return undefined;
}

/** Lines of a `--json` run client that report a reply. */
export function repliesSoFar(client: Running): number {
  let count = 0;
  for (const line of client.stdout().split('\n')) if (line.startsWith('{"seq"')) count++;
  return count;
}

/** Resolves once every client has printed `more` replies beyond what it had when called: progress, not time. */
export async function waitForMoreReplies(
  clients: Running[],
  more: number,
  count = repliesSoFar,
): Promise<void> {
  const targets = clients.map((client) => count(client) + more);
  while (clients.some((client, index) => count(client) < targets[index]!)) {
    const exited = clients.find((client) => client.child.exitCode !== null);
    if (exited) throw new Error(`client exited early: ${exited.stdout().slice(-500)} ${exited.stderr()}`);
    await sleep(20);
  }
}

const ECHO_LOAD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'echo-load.mjs');

/** A client keeping 64 echoes in flight (tests/e2e/src/fixtures/echo-load.mjs). */
export function startEchoLoad(transport: TransportName, socket: string, replyDir: string): Running {
  return node(ECHO_LOAD, [transport, socket, replyDir]);
}

/** Replies an echo-load client has reported so far (it reports every 100). */
export function echoLoadAnswered(client: Running): number {
  const lines = client.stdout().trim().split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!;
    if (line.startsWith('{"answered"')) return (JSON.parse(line) as { answered: number }).answered;
  }
  return 0;
}

export interface EchoLoadSummary {
  clientId: string;
  sent: number;
  answered: number;
  failed: number;
  mismatched: number;
  failures: string[];
  retried: number;
}

export async function stopEchoLoad(client: Running): Promise<EchoLoadSummary> {
  const code = await stop(client, 'SIGTERM');
  const last = client.stdout().trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{"summary"'))
    throw new Error(`no summary (exit ${code}): ${last} ${client.stderr()}`);
  return (JSON.parse(last) as { summary: EchoLoadSummary }).summary;
}

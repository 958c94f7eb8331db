import { readdirSync, readFileSync } from 'node:fs';
import { connectClient } from '@udsipc/node';
import type { StatsReply, TransportName } from '@udsipc/protocol';
import { CLIENT_CLI, HANG_GUARD_MS, node, type Running, run, SERVER_CLI, sleep, stop } from './daemons.js';

/** One line of the server's `--log-format json` output. */
export type LogRecord = Record<string, unknown> & { level: number; event?: string; msg?: string };

export interface JsonServer {
  readonly running: Running;
  readonly pid: number;
  readonly path: string;
  /** Every complete log line so far, parsed. */
  records(): LogRecord[];
  waitForRecord(predicate: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function parseRecords(stdout: string): LogRecord[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord);
}

/**
 * Starts `udsipc-server --log-format json` and waits for its `listening` line. `wrap` runs it under
 * another program that execs it (e.g. `setpriv --regid=...`), so the pid is still the server's.
 */
export async function startJsonServer(
  transport: TransportName,
  path: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  wrap: readonly string[] = [],
): Promise<JsonServer> {
  const serverArgs = [
    SERVER_CLI,
    '--transport',
    transport,
    '--socket',
    path,
    '--log-format',
    'json',
    ...args,
  ];
  const running =
    wrap.length === 0
      ? node(serverArgs[0]!, serverArgs.slice(1), env)
      : run(wrap[0]!, [...wrap.slice(1), process.execPath, ...serverArgs], env);
  return jsonServerOf(running, path);
}

/** A running `udsipc-server --log-format json`, once its `listening` line is out. */
export async function jsonServerOf(running: Running, path: string): Promise<JsonServer> {
  const server: JsonServer = {
    running,
    pid: running.child.pid!,
    path,
    records: () => parseRecords(running.stdout()),
    async waitForRecord(predicate, timeoutMs = HANG_GUARD_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = parseRecords(running.stdout()).find(predicate);
        if (found) return found;
        if (running.child.exitCode !== null) {
          throw new Error(`server exited with ${running.child.exitCode}: ${running.stderr()}`);
        }
        if (Date.now() > deadline) {
          throw new Error(`no such log line after ${timeoutMs} ms; log: ${running.stdout().slice(-2_000)}`);
        }
        await sleep(20);
      }
    },
    stop: () => stop(running, 'SIGTERM'),
  };
  await server.waitForRecord((record) => record.event === 'listening');
  return server;
}

/** Resident and peak resident memory of a process, in KiB (/proc/<pid>/status VmRSS, VmHWM). */
export function memoryOf(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Open file descriptors of a process. */
export function fdCountOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

/** The server's counters, asked for by a short-lived in-test client. */
export async function statsOf(
  transport: TransportName,
  path: string,
  replyDirectory: string,
): Promise<StatsReply> {
  const client = await connectClient({ transport, path, replyDirectory, timeoutMs: 2_000, retries: 60 });
  try {
    return await client.request('stats', {});
  } finally {
    await client.close();
  }
}

export interface RunSummary {
  sent: number;
  replied: number;
  failed: number;
  retried: number;
}

/** A well-behaved `udsipc-client run --json` beside the hostile peers: its own process, its own reply directory. */
export function startWellBehaved(
  transport: TransportName,
  path: string,
  replyDirectory: string,
  intervalMs = 2,
  extraFlags: readonly string[] = [],
): Running {
  return node(
    CLIENT_CLI,
    [
      'run',
      '--transport',
      transport,
      '--socket',
      path,
      '--interval',
      String(intervalMs),
      '--json',
      ...extraFlags,
    ],
    {
      UDSIPC_REPLY_DIR: replyDirectory,
    },
  );
}

/** Stops the run client with SIGTERM (or `signal`) and returns its summary line, plus the worst round trip it saw. */
export async function stopWellBehaved(
  client: Running,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<RunSummary & { maxRttMs: number; p99RttMs: number }> {
  const code = await stop(client, signal);
  const lines = client.stdout().trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as { summary?: RunSummary; rttUs?: number });
  const summary = records.at(-1)?.summary;
  if (!summary) throw new Error(`no summary (exit ${code}): ${lines.at(-1)} ${client.stderr()}`);
  const rtts = records.flatMap((record) => (record.rttUs === undefined ? [] : [record.rttUs / 1000]));
  return { ...summary, maxRttMs: Math.max(0, ...rtts), p99RttMs: percentile(rtts, 99) };
}

/** The p-th percentile (nearest rank) of some samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface PingSummary {
  count: number;
  minUs: number | null;
  p50Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
  sent: number;
  failed: number;
}

/** `udsipc-client ping --json`: one request at a time, each round trip measured alone. */
export function startPing(
  transport: TransportName,
  path: string,
  replyDirectory: string,
  count: number,
  intervalMs: number,
  extraFlags: readonly string[] = [],
): Running {
  return node(
    CLIENT_CLI,
    [
      'ping',
      '--transport',
      transport,
      '--socket',
      path,
      '--count',
      String(count),
      '--interval',
      String(intervalMs),
      '--json',
      ...extraFlags,
    ],
    { UDSIPC_REPLY_DIR: replyDirectory },
  );
}

export async function pingSummary(ping: Running): Promise<PingSummary> {
  const code = await ping.exited;
  const last = ping.stdout().trim().split('\n').at(-1) ?? '';
  const summary = (JSON.parse(last || '{}') as { summary?: PingSummary }).summary;
  if (!summary) throw new Error(`ping gave no summary (exit ${code}): ${last} ${ping.stderr()}`);
  return summary;
}

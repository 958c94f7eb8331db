import { mkdirSync, readlinkSync } from 'node:fs';
import { parseConfig } from '../config.js';
import { QUIESCE_SIGNAL } from '../quiesce-toggle.js';
import { writeCheckpointRecord } from './checkpoint-record.js';
import { assertCriuWorks, criuLogTail, runCriu } from './criu.js';
import { MigrateError } from './migrate-error.js';
import {
  isAlive,
  type ProcessInfo,
  readProcessInfo,
  socketsOnPathHeldBy,
  tcpSocketsHeldBy,
  udsipcServerArguments,
} from './process-info.js';

export interface DumpResult {
  pid: number;
  transport: string;
  quiesced: boolean;
  quiesceMs: number;
  dumpMs: number;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/**
 * A server serving a socket passed by socket activation cannot be migrated: the socket is shared
 * with its activator (systemd), outside the process tree criu dumps, and a quiesced server could
 * not get it back after a restore (closing it loses it; binding the path again fails while the
 * activator holds it). Refused before the server is touched. A restart loses nothing there: the
 * activator keeps the socket, and what queues in it is answered by the next server.
 * /proc/<pid>/environ is the environment the server started with, so the variables it cleared
 * once read still show.
 */
function refuseActivatedServer(info: ProcessInfo): void {
  if (info.env.LISTEN_PID !== String(info.pid) || !info.env.LISTEN_FDS) return;
  throw new MigrateError(
    'SOCKET_ACTIVATED',
    `pid ${info.pid} serves a socket passed by its activator (LISTEN_FDS=${info.env.LISTEN_FDS}); criu cannot checkpoint a socket shared with a process outside the dump, so restart the service instead: requests queued in the socket meanwhile are answered`,
  );
}

/**
 * The first half of a migration: prove the pid is a udsipc-server, quiesce it, then `criu dump` it
 * into `directory`. Quiesced, a server holds no socket on its path: criu cannot dump half of a
 * stream connection, and a datagram socket's queue cannot be restored reliably while clients
 * send (see DatagramServerTransport.quiesce). On failure a quiesced server is resumed, so a failed
 * dump leaves it serving.
 */
export async function dumpServer(
  pid: number,
  directory: string,
  quiesceTimeoutMs = 10_000,
): Promise<DumpResult> {
  const info = readProcessInfo(pid);
  const args = udsipcServerArguments(info);
  const invocation = parseConfig(args, info.env, readlinkSync(`/proc/${pid}/cwd`));
  if (invocation.action !== 'run') throw new MigrateError('NOT_UDSIPC_SERVER', `pid ${pid} is not serving`);
  const { config } = invocation;
  refuseActivatedServer(info);
  assertCriuWorks();
  mkdirSync(directory, { recursive: true });

  const unreachableSince = Date.now();
  process.kill(pid, QUIESCE_SIGNAL);
  // Quiesced, a socket-mode server holds no socket on its path, and a NATS-mode server no TCP
  // connection at all (it closed its link to NATS; it connects again when resumed).
  const nats = config.transport === 'nats';
  const held = () => (nats ? tcpSocketsHeldBy(pid) : socketsOnPathHeldBy(pid, config.socket));
  const idle = await waitUntil(() => held() === 0, quiesceTimeoutMs);
  if (!idle) {
    process.kill(pid, QUIESCE_SIGNAL);
    const what = nats ? `a TCP connection (to ${config.natsUrl})` : `sockets on ${config.socket}`;
    throw new MigrateError('QUIESCE_TIMEOUT', `pid ${pid} still holds ${what} after ${quiesceTimeoutMs} ms`);
  }
  const quiesceMs = Date.now() - unreachableSince;
  writeCheckpointRecord(directory, {
    pid,
    transport: config.transport,
    socket: config.socket,
    ...(nats ? { natsUrl: config.natsUrl, subject: config.subject } : {}),
    codec: config.codec,
    quiesced: true,
    shellJob: !info.sessionLeader,
    unreachableSince,
  });
  const dumpStarted = Date.now();
  const criuArgs = ['dump', '-t', String(pid), '-D', directory, '-o', 'dump.log', '--ext-unix-sk'];
  if (!info.sessionLeader) criuArgs.push('--shell-job');
  const dump = await runCriu(criuArgs);
  if (dump.status !== 0) {
    if (isAlive(pid)) process.kill(pid, QUIESCE_SIGNAL);
    const why = criuLogTail(directory, 'dump.log') || dump.output.trim();
    throw new MigrateError('DUMP_FAILED', `criu dump of pid ${pid} failed: ${why}`);
  }
  return { pid, transport: config.transport, quiesced: true, quiesceMs, dumpMs: Date.now() - dumpStarted };
}

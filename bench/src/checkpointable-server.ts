import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SocketKind } from './plan.js';
import { isLiveSocket, trackPid, untrackPid } from './processes.js';
import { udsipcServerArgs } from './targets/udsipc.js';

/** A udsipc-server that criu can checkpoint; after a restore it is nobody's child, known by pid only. */
export interface CheckpointableServer {
  pid: number;
  socket: string;
  /** Its output, JSON lines at info level (start, quiesce, resume: nothing per request). */
  log: string;
  /** Resolves when the process we spawned exits (after its dump); a restored one is watched by pid. */
  exited: Promise<void>;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function killAndWait(pid: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + 3_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(10);
    if (!isAlive(pid)) return;
  }
}

async function waitForLiveSocket(path: string, pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isLiveSocket(path)) return;
    if (!isAlive(pid)) throw new Error(`udsipc-server ${pid} exited before listening`);
    if (Date.now() > deadline) throw new Error(`no live socket at ${path} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * Runs `use` with a udsipc-server started as a checkpointable daemon (own session, output to a
 * file opened for append, io_uring off, like tests/e2e's migration harness: criu cannot dump a
 * pipe to us or io_uring descriptors), listening at `dir`/s.sock. The server is killed by pid
 * afterwards, whether it is the one we spawned or the one criu restored.
 */
export async function withCheckpointableServer<T>(
  dir: string,
  mode: SocketKind,
  use: (server: CheckpointableServer) => Promise<T>,
): Promise<T> {
  const socket = join(dir, 's.sock');
  const log = join(dir, 'server.log');
  const output = openSync(log, 'a');
  const child = spawn(process.execPath, udsipcServerArgs(mode, socket, 'info'), {
    detached: true,
    stdio: ['ignore', output, output],
    env: { ...process.env, UV_USE_IO_URING: '0' },
  });
  closeSync(output);
  const pid = child.pid!;
  trackPid(pid, `udsipc-server (migration ${mode})`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForLiveSocket(socket, pid);
    return await use({ pid, socket, log, exited });
  } finally {
    // criu gives a restored server back its own pid.
    await killAndWait(pid);
    untrackPid(pid);
  }
}

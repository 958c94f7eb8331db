import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MigrateError } from './migrate-error.js';

export interface ProcessInfo {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  /** True when the process leads its own session: criu then needs no --shell-job. */
  sessionLeader: boolean;
}

function readProc(pid: number, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    throw new MigrateError('NO_SUCH_PROCESS', `no process with pid ${pid}`);
  }
}

export function readProcessInfo(pid: number): ProcessInfo {
  const argv = readProc(pid, 'cmdline').split('\0').filter(Boolean);
  const env: Record<string, string> = {};
  for (const entry of readProc(pid, 'environ').split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  // Fields after the parenthesised command name: state ppid pgrp session ...
  const stat = readProc(pid, 'stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, argv, env, sessionLeader: Number(fields[3]) === pid };
}

function packageNameOf(script: string): string | undefined {
  let directory = dirname(script);
  for (let depth = 0; depth < 6; depth++) {
    try {
      return (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string }).name;
    } catch {
      directory = dirname(directory);
    }
  }
  return undefined;
}

/**
 * The flags the server was started with, after proving it is a udsipc-server: a node process whose
 * script is the @udsipc/server package's CLI (found by its package.json, wherever it is installed).
 */
export function udsipcServerArguments(info: ProcessInfo): string[] {
  const scriptIndex = info.argv.findIndex((arg, index) => index > 0 && !arg.startsWith('-'));
  const script = scriptIndex > 0 ? info.argv[scriptIndex]! : '';
  let resolved = script;
  try {
    resolved = realpathSync(join(readlinkSync(`/proc/${info.pid}/cwd`), script));
  } catch {
    try {
      resolved = realpathSync(script);
    } catch {
      // Left as given: the package check below refuses it.
    }
  }
  if (!resolved.endsWith('cli.js') || packageNameOf(resolved) !== '@udsipc/server') {
    throw new MigrateError(
      'NOT_UDSIPC_SERVER',
      `pid ${info.pid} is not a udsipc-server (${info.argv.join(' ')})`,
    );
  }
  return info.argv.slice(scriptIndex + 1);
}

/** The inodes of the sockets `pid` holds open. */
function socketInodesOf(pid: number): Set<string> {
  const held = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return held;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) held.add(inode);
    } catch {
      // Closed while we looked.
    }
  }
  return held;
}

/**
 * TCP sockets `pid` holds, in any state (a NATS-mode server quiesced for a checkpoint holds none:
 * criu refuses an established TCP connection unless told --tcp-established).
 */
export function tcpSocketsHeldBy(pid: number): number {
  const held = socketInodesOf(pid);
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    for (const line of text.split('\n').slice(1)) {
      if (held.has(line.trim().split(/\s+/)[9] ?? '')) count++;
    }
  }
  return count;
}

/**
 * Sockets the process holds on `socketPath`: a stream listener and every connection it accepted
 * (they carry the listener's path), or the bound datagram socket. A quiesced server holds none.
 * Other sockets are not counted.
 */
export function socketsOnPathHeldBy(pid: number, socketPath: string): number {
  const held = socketInodesOf(pid);
  if (held.size === 0) return 0;
  let count = 0;
  // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path.
  for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (held.has(columns[6] ?? '') && columns[7] === socketPath) count++;
  }
  return count;
}

/** Alive means not gone and not a zombie waiting for its parent to collect it. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

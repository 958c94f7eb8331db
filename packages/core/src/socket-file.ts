import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPLY_SOCKET_PATTERN, socketModeSchema, validateSocketPath } from '@udsipc/protocol';
import { TransportError } from './errors.js';

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

/**
 * Refuses a socket path whose parent directory is missing, not a directory, or writable by others
 * without the sticky bit (anyone could then replace our socket file with their own).
 */
export function checkParentDirectory(path: string): void {
  const parent = dirname(path);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(parent);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      throw new TransportError('PARENT_MISSING', `${path}: parent directory ${parent} does not exist`, {
        path,
      });
    }
    if (errorCode(error) === 'EACCES') {
      throw new TransportError('PERMISSION_DENIED', `${path}: cannot reach parent directory ${parent}`, {
        path,
        errno: 'EACCES',
      });
    }
    throw error;
  }
  if (!stats.isDirectory()) {
    throw new TransportError('PARENT_NOT_DIRECTORY', `${path}: ${parent} is not a directory`, { path });
  }
  const writableByOthers = (stats.mode & 0o002) !== 0;
  const sticky = (stats.mode & 0o1000) !== 0;
  if (writableByOthers && !sticky) {
    throw new TransportError(
      'PARENT_UNSAFE',
      `${path}: parent directory ${parent} is writable by others without the sticky bit (mode ${(stats.mode & 0o7777).toString(8)})`,
      { path },
    );
  }
}

/**
 * Whether a process is bound at a socket path, answered by an adapter with its own kind of socket
 * (the datagram adapter's answers for both kinds). `stale` means the file is left over from a
 * process that is gone (ECONNREFUSED) or has just been removed.
 */
export type SocketLiveness = 'live' | 'stale';
export type SocketProbe = (path: string) => SocketLiveness | Promise<SocketLiveness>;
/** A probe that answers at once, for cleanup paths that cannot wait (close, sweeps). */
export type SyncSocketProbe = (path: string) => SocketLiveness;

/**
 * Makes `path` ready to bind: validated, parent checked, and a stale socket file removed. A live
 * socket, a symlink or any other kind of file is refused, never deleted.
 */
export async function prepareSocketPath(path: string, probe: SocketProbe): Promise<void> {
  validateSocketPath(path);
  checkParentDirectory(path);
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw new TransportError('PATH_IS_SYMLINK', `${path}: is a symbolic link; refusing to bind through it`, {
      path,
    });
  }
  if (!stats.isSocket()) {
    throw new TransportError(
      'PATH_NOT_SOCKET',
      `${path}: exists and is not a socket; refusing to replace it`,
      {
        path,
      },
    );
  }
  if ((await probe(path)) === 'live') {
    throw new TransportError('SOCKET_IN_USE', `${path}: a live server is bound there`, { path });
  }
  unlinkSync(path);
}

/** Maps a bind failure to a typed error naming the path. */
export function bindFailure(path: string, errno: string): TransportError {
  if (errno === 'EADDRINUSE') {
    return new TransportError('SOCKET_IN_USE', `${path}: a live server is bound there`, { path, errno });
  }
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS') {
    return new TransportError('PERMISSION_DENIED', `${path}: permission denied (${errno})`, { path, errno });
  }
  return new TransportError('SOCKET_ERROR', `${path}: bind failed (${errno})`, { path, errno });
}

/**
 * Runs a synchronous bind with a umask that lets no one but the owner at the new socket file, so
 * it is never reachable with looser permissions than asked for, then sets the requested mode.
 */
export function bindWithMode<T>(path: string, mode: number, bind: () => T): T {
  const previous = process.umask(0o177);
  let result: T;
  try {
    result = bind();
  } finally {
    process.umask(previous);
  }
  try {
    chmodSync(path, mode);
  } catch (error) {
    // A failed bind creates no file; the caller reports that failure (EACCES ...), not this ENOENT.
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  return result;
}

/**
 * Removes a socket file after its socket was closed, unless someone is bound there now (a
 * successor server, or a restored one): the same probe that decides whether a path is stale.
 */
export function removeIfStale(path: string, probe: SyncSocketProbe): void {
  try {
    if (!lstatSync(path).isSocket() || probe(path) === 'live') return;
    unlinkSync(path);
  } catch {
    // Already removed (by a sweep, an operator, or a second close): nothing left to do.
  }
}

/**
 * Creates (or checks) a directory of the current user's that no one else can list or write: the
 * home of reply sockets. Made 0700; a client whose server runs as another user adds search
 * permission (0711, see openToServer in the datagram client), which is kept. A directory of ours
 * that others could read or write is tightened back to 0700.
 */
export function ensurePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const stats = lstatSync(directory);
  if (!stats.isDirectory()) {
    throw new TransportError('PARENT_NOT_DIRECTORY', `${directory} is not a directory`, { path: directory });
  }
  const uid = process.getuid?.() ?? stats.uid;
  if (stats.uid !== uid) {
    throw new TransportError(
      'PARENT_UNSAFE',
      `${directory} belongs to uid ${stats.uid}, not to us (uid ${uid})`,
      {
        path: directory,
      },
    );
  }
  if ((stats.mode & 0o066) !== 0) chmodSync(directory, 0o700);
}

/** Whether a process with this pid exists (EPERM: it does, and belongs to someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Removes reply sockets left by clients that died without cleaning up (kill -9). Only files named
 * like reply sockets, whose owner pid (in the name) is gone, and only once a refused connect
 * proves them stale: a live client's socket is never touched. Skipping the sockets of running
 * pids keeps this cheap when many clients share the directory (probing every socket at every open
 * made opening 250 clients take over a second); a socket whose pid was reused is left for later.
 */
export function sweepStaleReplySockets(directory: string, probe: SyncSocketProbe): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  // Each client leaves two sockets and a process may run hundreds: ask about each pid once.
  const running = new Map<number, boolean>();
  for (const name of names) {
    if (!REPLY_SOCKET_PATTERN.test(name)) continue;
    const pid = Number(name.split('-')[1]);
    if (pid === process.pid) continue;
    let alive = running.get(pid);
    if (alive === undefined) {
      alive = processExists(pid);
      running.set(pid, alive);
    }
    if (alive) continue;
    const path = join(directory, name);
    try {
      if (!lstatSync(path).isSocket()) continue;
      if (probe(path) === 'stale') {
        unlinkSync(path);
        removed++;
      }
    } catch {
      // Raced with its owner's own cleanup or another sweeper: nothing to do.
    }
  }
  return removed;
}

/** A mode as the user wrote it: octal text as given, a number in octal (0o400), anything else as is. */
function shownMode(mode: string | number): string {
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0
    ? `0o${mode.toString(8)}`
    : String(mode);
}

/**
 * Checks a socket file mode option against the one mode schema of @udsipc/protocol (the server's
 * `--mode` uses the same one), so the library and the CLI cannot disagree about what is allowed.
 */
export function parseSocketMode(mode: string | number): number {
  const result = socketModeSchema.safeParse(mode);
  if (result.success) return result.data;
  const reason = result.error.issues[0]?.message ?? 'is not a valid mode';
  throw new TransportError('INVALID_OPTION', `socket mode ${reason}, got ${shownMode(mode)}`);
}

import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isLiveSocket } from './processes.js';

export interface SocketWatch {
  /** process.hrtime.bigint() when the socket at the path was first seen live. */
  at: Promise<bigint>;
  stop: () => void;
}

/**
 * Notes the moment a server's socket appears at `path` and a process is bound to it: an inotify
 * watch on its directory (the same event udsipc clients wait for, see @udsipc/core's
 * ServerWatch), timed on entry to the callback, before the checks. bind(2) of a UNIX socket path
 * creates its inode like mknod (net/unix/af_unix.c: unix_bind_bsd -> vfs_mknod), which inotify
 * reports on the directory as IN_CREATE; node's listen() binds and listens in one synchronous
 * step, so the file and the listener appear together.
 */
export function watchForLiveSocket(path: string, timeoutMs = 30_000): SocketWatch {
  const name = basename(path);
  let settle: { resolve: (at: bigint) => void; reject: (error: Error) => void } | undefined;
  const at = new Promise<bigint>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const watcher = watch(dirname(path), (_event, file) => {
    const now = process.hrtime.bigint();
    if ((file === null || file === name) && isLiveSocket(path)) {
      settle?.resolve(now);
      stop();
    }
  });
  const timer = setTimeout(() => {
    settle?.reject(new Error(`no live socket appeared at ${path} within ${timeoutMs} ms`));
    stop();
  }, timeoutMs);
  function stop(): void {
    watcher.close();
    clearTimeout(timer);
  }
  return { at, stop };
}

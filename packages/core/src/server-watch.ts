import { type FSWatcher, lstatSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * The socket file at `path` as inode and mode, or undefined when there is none. The mode counts:
 * a server binds under a 0177 umask and then sets the mode it was given, so a client of another
 * user can only connect after that second change.
 */
function socketIdentity(path: string): string | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isSocket() ? `${stats.ino}:${stats.mode}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tells a client the moment a server's socket file appears anew: a restarted server, or one that
 * CRIU restored, binds a new socket file (a new inode) at the same path. Waiting clients then resend
 * at once instead of sleeping out their back-off, and they poll no harder while the server is away:
 * this is one inotify watch on the directory (libuv shares it among every client of the process
 * watching the same directory), not a timer.
 *
 * Where the directory cannot be watched (no permission, no inotify left) it does nothing, and
 * clients fall back to their time-outs and back-off.
 */
export class ServerWatch {
  private watcher: FSWatcher | undefined;
  private last: string | undefined;

  constructor(
    private readonly path: string,
    private readonly onAppeared: () => void,
  ) {}

  start(): void {
    if (this.watcher) return;
    this.last = socketIdentity(this.path);
    const name = basename(this.path);
    try {
      // persistent: false, so a watch never keeps a process alive on its own.
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.check();
      });
      this.watcher.on('error', () => this.stop());
    } catch {
      this.watcher = undefined;
    }
  }

  private check(): void {
    const identity = socketIdentity(this.path);
    if (identity === this.last) return;
    this.last = identity;
    if (identity !== undefined) this.onAppeared();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

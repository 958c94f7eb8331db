import { FFI_UNAVAILABLE, loadLibc } from './libc.js';
import { F_GETFL, F_SETFL, O_CLOEXEC, O_NONBLOCK } from './linux.js';

/**
 * Puts the socket open at `inherited` in the place of descriptor `target`, then closes `inherited`:
 * for a library that creates its own socket and cannot be given one (unix-dgram), the inherited
 * socket becomes the one it polls. Returns undefined, or the errno name of the call that failed.
 *
 * dup3(2) closes what `target` held and makes `target` refer to the inherited open file, close-on-
 * exec. It copies no status flags, so O_NONBLOCK is set on it (libuv never blocks on a read, and
 * systemd hands sockets over as they were made). The caller must do this in the same synchronous
 * run as creating `target`'s socket: libuv registers a new poll watcher with epoll only when the
 * loop next polls, so it then watches the inherited socket. Done later, epoll would still hold the
 * replaced, closed socket (an epoll entry belongs to the open file, not the number) and the
 * inherited socket's datagrams would never be read.
 */
export function adoptDescriptor(inherited: number, target: number): string | undefined {
  const libc = loadLibc();
  if (!libc) return FFI_UNAVAILABLE;
  if (inherited === target) return 'EINVAL';
  if (libc.dup3(inherited, target, O_CLOEXEC) < 0) return libc.errno();
  const flags = libc.fcntlGet(target, F_GETFL);
  if (flags < 0 || libc.fcntlSet(target, F_SETFL, flags | O_NONBLOCK) < 0) return libc.errno();
  libc.close(inherited);
  return undefined;
}

import { FFI_UNAVAILABLE, loadLibc } from './libc.js';
import { F_DUPFD_CLOEXEC } from './linux.js';

/**
 * A second descriptor for the socket (or file) under `fd`, close-on-exec (fcntl F_DUPFD_CLOEXEC),
 * numbered 3 or above so it never lands where standard input, output or error belong: the same
 * socket, but a descriptor of its own (epoll watches each one apart). Answers the new descriptor,
 * or an errno name (FFI_UNAVAILABLE without the FFI). The caller closes it.
 */
export function duplicateDescriptor(fd: number): number | string {
  const libc = loadLibc();
  if (!libc) return FFI_UNAVAILABLE;
  const copy = libc.fcntlSet(fd, F_DUPFD_CLOEXEC, 3);
  return copy >= 0 ? copy : libc.errno();
}

import { FFI_UNAVAILABLE, loadLibc } from './libc.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM } from './linux.js';
import { sockaddrFor } from './socket-address.js';

/** A failed system call, by its errno name. */
export class SystemCallError extends Error {
  constructor(
    readonly syscall: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(`${syscall} ${path}: ${code}`);
    this.name = 'SystemCallError';
  }
}

/**
 * What a socket activator (systemd, or a test harness standing in for it) does before starting a
 * service: a UNIX socket bound at `path` (which must not exist), listening if it is a stream socket
 * (backlog `backlog`), close-on-exec (a spawn that hands it over as fd 3 dup2()s it, which clears
 * that flag in the child). Returns the descriptor; the caller closes it with closeDescriptor.
 */
export function openBoundSocket(path: string, kind: 'stream' | 'dgram', backlog = 511): number {
  const libc = loadLibc();
  if (!libc) throw new SystemCallError('socket', FFI_UNAVAILABLE, path);
  const { address, length } = sockaddrFor(path);
  const fd = libc.socket(AF_UNIX, (kind === 'stream' ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SystemCallError('socket', libc.errno(), path);
  const fail = (syscall: string): never => {
    const code = libc.errno();
    libc.close(fd);
    throw new SystemCallError(syscall, code, path);
  };
  if (libc.bind(fd, address, length) !== 0) fail('bind');
  if (kind === 'stream' && libc.listen(fd, backlog) !== 0) fail('listen');
  return fd;
}

/** close(2) of a descriptor this package opened or was handed. */
export function closeDescriptor(fd: number): void {
  loadLibc()?.close(fd);
}

import { FFI_UNAVAILABLE, loadLibc } from './libc.js';
import { SO_ACCEPTCONN, SO_TYPE, SOCK_DGRAM, SOCK_STREAM, SOCKADDR_UN_BYTES, SOL_SOCKET } from './linux.js';
import { pathOf } from './socket-address.js';

/** What a descriptor is, as the kernel answers for it. */
export interface SocketDescription {
  /** SO_TYPE: a stream or datagram socket, or another type (seqpacket, raw). */
  readonly kind: 'stream' | 'dgram' | 'other';
  /** The filesystem path it is bound at (getsockname); undefined if unbound, abstract or not AF_UNIX. */
  readonly path: string | undefined;
  /** SO_ACCEPTCONN: listen(2) was called on it. */
  readonly listening: boolean;
}

/**
 * Asks the kernel what `fd` is: the way to check a descriptor handed over by systemd before using
 * it. Returns the errno name instead when it cannot (EBADF: not open; ENOTSOCK: not a socket), or
 * FFI_UNAVAILABLE.
 */
export function describeSocket(fd: number): SocketDescription | string {
  const libc = loadLibc();
  if (!libc) return FFI_UNAVAILABLE;
  const int = Buffer.alloc(4);
  if (libc.getsockopt(fd, SOL_SOCKET, SO_TYPE, int, [4]) !== 0) return libc.errno();
  const type = int.readInt32LE(0);
  const kind = type === SOCK_STREAM ? 'stream' : type === SOCK_DGRAM ? 'dgram' : 'other';
  const accepting = Buffer.alloc(4);
  const listening =
    libc.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, accepting, [4]) === 0 && accepting.readInt32LE(0) !== 0;
  const address = Buffer.alloc(SOCKADDR_UN_BYTES);
  const length = [SOCKADDR_UN_BYTES];
  if (libc.getsockname(fd, address, length) !== 0) return libc.errno();
  return { kind, path: pathOf(address, Math.min(length[0] ?? 0, SOCKADDR_UN_BYTES)), listening };
}

import { FFI_UNAVAILABLE, loadLibc } from './libc.js';
import { SO_SNDBUF, SO_SNDBUFFORCE, SOL_SOCKET } from './linux.js';

/** What a socket's send buffer became: its size as the kernel reports it, and whether it was forced. */
export interface SendBuffer {
  readonly bytes: number;
  /** True when SO_SNDBUFFORCE took (CAP_NET_ADMIN), false when SO_SNDBUF was capped by wmem_max. */
  readonly forced: boolean;
}

function option(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value, 0);
  return buffer;
}

/**
 * Asks for a send buffer of `bytes` (the kernel doubles what it is given, for its bookkeeping):
 * SO_SNDBUFFORCE where the process may (CAP_NET_ADMIN), else SO_SNDBUF, which the kernel caps at
 * net.core.wmem_max; never lowers it. Answers what the socket has now, or an errno name
 * (FFI_UNAVAILABLE without the FFI).
 */
export function raiseSendBuffer(fd: number, bytes: number): SendBuffer | string {
  const libc = loadLibc();
  if (!libc) return FFI_UNAVAILABLE;
  const before = Buffer.alloc(4);
  if (libc.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, before, [4]) !== 0) return libc.errno();
  // Never lowers one set larger already (a socket activator's SendBuffer=, say).
  if (before.readInt32LE(0) >= 2 * bytes) return { bytes: before.readInt32LE(0), forced: false };
  const forced = libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, option(bytes), 4) === 0;
  if (!forced && libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, option(bytes), 4) !== 0) return libc.errno();
  const now = Buffer.alloc(4);
  if (libc.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, now, [4]) !== 0) return libc.errno();
  return { bytes: now.readInt32LE(0), forced };
}

import type { Server, Socket } from 'node:net';

/**
 * The descriptor under a connected `net.Socket` or a listening `net.Server`, or undefined before it
 * has one. It is libuv's (`_handle.fd`): Node exposes no public way to it, and the socket options
 * and duplicates Node lacks need it.
 */
export function descriptorOf(socket: Socket | Server): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

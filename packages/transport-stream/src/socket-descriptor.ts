import type { Socket } from 'node:net';

/**
 * The descriptor under a connected `net.Socket`, or undefined before it has one. It is libuv's
 * (`_handle.fd`): Node exposes no public way to it, and the socket options Node lacks need it.
 */
export function descriptorOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

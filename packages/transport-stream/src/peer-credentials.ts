import type { Socket } from 'node:net';
import { peerCredentials as credentialsOf, type PeerCredentials } from '@udsipc/sys';

export type { PeerCredentials };

/**
 * The credentials of the process at the other end of `socket` (SO_PEERCRED), or undefined when they
 * cannot be read (no descriptor yet, FFI unavailable). The descriptor is libuv's (`_handle.fd`):
 * Node exposes no public way to it.
 */
export function peerCredentials(socket: Socket): PeerCredentials | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  return credentialsOf(fd);
}

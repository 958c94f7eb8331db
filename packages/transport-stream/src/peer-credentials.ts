import type { Socket } from 'node:net';
import { peerCredentials as credentialsOf, type PeerCredentials } from '@udsipc/sys';
import { descriptorOf } from './socket-descriptor.js';

export type { PeerCredentials };

/**
 * The credentials of the process at the other end of `socket` (SO_PEERCRED), or undefined when they
 * cannot be read (no descriptor yet, FFI unavailable).
 */
export function peerCredentials(socket: Socket): PeerCredentials | undefined {
  const fd = descriptorOf(socket);
  return fd === undefined ? undefined : credentialsOf(fd);
}

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Owner } from '@udsipc/core/transport';

/** The process at the other end of a UNIX stream connection, as the kernel recorded it. */
export interface PeerCredentials extends Owner {
  readonly pid: number;
}

type GetPeerCred = (fd: number) => PeerCredentials | undefined;

// <sys/socket.h> on Linux: getsockopt(fd, SOL_SOCKET, SO_PEERCRED) fills a struct ucred
// { pid_t pid; uid_t uid; gid_t gid; } with the credentials the peer had at connect(2) (for the
// accepting side) or at listen(2) (for the connecting side): the kernel's word, not the peer's.
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const UCRED_BYTES = 12;

let getPeerCred: GetPeerCred | null | undefined;

/**
 * Node has no API for SO_PEERCRED (libuv issue 2255), so it is read through koffi, a maintained FFI
 * with prebuilt binaries, loaded on first use. Null when it cannot be loaded here.
 */
function binding(): GetPeerCred | null {
  if (getPeerCred !== undefined) return getPeerCred;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const ucred = koffi.struct('udsipc_ucred', { pid: 'int32', uid: 'uint32', gid: 'uint32' });
    const getsockopt = libc.func('getsockopt', 'int', [
      'int',
      'int',
      'int',
      koffi.out(koffi.pointer(ucred)),
      koffi.inout(koffi.pointer('uint32')),
    ]);
    getPeerCred = (fd) => {
      const out = {} as PeerCredentials;
      const length = [UCRED_BYTES];
      return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, length) === 0 ? { ...out } : undefined;
    };
  } catch {
    getPeerCred = null;
  }
  return getPeerCred;
}

/**
 * The credentials of the process at the other end of `socket`, or undefined when they cannot be
 * read (no descriptor yet, koffi unavailable). The descriptor is libuv's (`_handle.fd`): Node
 * exposes no public way to it.
 */
export function peerCredentials(socket: Socket): PeerCredentials | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  return binding()?.(fd) ?? undefined;
}

import { loadLibc } from './libc.js';
import { SO_PEERCRED, SOL_SOCKET } from './linux.js';

/** The process at the other end of a UNIX stream connection, as the kernel recorded it. */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields. */
const UCRED_BYTES = 12;
/** (uid_t)-1: no user at all. */
const NO_ID = 0xffff_ffff;

/**
 * getsockopt(fd, SOL_SOCKET, SO_PEERCRED): the credentials the peer had at connect(2) (read by the
 * accepting side) or at listen(2) (read by the connecting side): the kernel's word, not the peer's.
 * Undefined when they cannot be read (not a connected UNIX socket, FFI unavailable).
 */
export function peerCredentials(fd: number): PeerCredentials | undefined {
  const libc = loadLibc();
  if (!libc) return undefined;
  const ucred = Buffer.alloc(UCRED_BYTES);
  const length = [UCRED_BYTES];
  if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) !== 0 || length[0] !== UCRED_BYTES) {
    return undefined;
  }
  const credentials = { pid: ucred.readInt32LE(0), uid: ucred.readUInt32LE(4), gid: ucred.readUInt32LE(8) };
  // A socket with no peer (unconnected, a datagram socket) answers pid 0 and uid/gid (uid_t)-1.
  if (credentials.uid === NO_ID || credentials.gid === NO_ID) return undefined;
  return credentials;
}

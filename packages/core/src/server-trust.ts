/**
 * Whose servers a client talks to. The owner comes from the kernel, never from the server's word:
 * SO_PEERCRED of a stream connection (the process that called listen), or the owner of a datagram
 * server's socket file (whoever bound it; in a sticky or private directory no one else can
 * replace it). A server is trusted when its owner's uid or gid is listed.
 */
export interface ServerTrust {
  readonly uids: readonly number[];
  readonly gids: readonly number[];
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** By default: root's servers and the user's own, as for any file a user relies on. */
export function defaultServerTrust(): ServerTrust {
  const uid = process.getuid?.() ?? 0;
  return { uids: uid === 0 ? [0] : [0, uid], gids: [] };
}

export function trustsOwner(trust: ServerTrust, owner: Owner): boolean {
  return trust.uids.includes(owner.uid) || trust.gids.includes(owner.gid);
}

/** The stable code a transport reports, as a link failure, for a server it will not send to. */
export const SERVER_NOT_TRUSTED = 'SERVER_NOT_TRUSTED';

/**
 * The link-failure code a datagram transport reports when a trusted server of another user could
 * not reach the client's reply socket (a directory above it lets that user through neither as
 * group nor as other): its replies could never arrive, so nothing is sent.
 */
export const REPLY_UNREACHABLE = 'REPLY_UNREACHABLE';

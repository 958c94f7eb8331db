import { chmodSync, chownSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Owner } from '@udsipc/core/transport';

/** What a reply socket and its directory get so that a server of another user can send to it. */
export type ReplyAccess = 'own' | 'group' | 'other';

/**
 * Lets a trusted server of another user send to this client's reply socket, with no capability on
 * its side (before, it needed CAP_DAC_OVERRIDE, which bypasses every file permission on the host).
 *
 * sendto(2) on a UNIX socket path needs search permission on every directory of the path and write
 * permission on the socket file (unix(7)). So:
 * - the reply directory (ours, 0700) gets search permission for all (0711): still no one else may
 *   list it or create, remove or rename anything in it;
 * - the reply socket goes to the server's group, mode 0620, when this process may give a file that
 *   group (root, or a member of it: chown(2)); else it is 0622 (writable by every local user).
 * A socket bound by our own user, or by root (which reaches any file unless stripped of its
 * capabilities), needs neither: the socket stays 0600.
 *
 * What others can then do: send datagrams into the reply socket, which the client drops unread
 * unless the kernel reports them from the server's path (no one else can bind that path while the
 * server holds it, and its directory keeps anyone from replacing it); fill its queue
 * (net.unix.max_dgram_qlen, 10 here) until the client has read them, which delays replies (the
 * server retries EAGAIN) but loses none; and learn its name from /proc/net/unix, which lists every
 * bound path. They cannot read from it, remove it, or bind at its path.
 *
 * Returns the access given, or undefined when a directory above the reply directory lets the
 * server's user through neither as owner, group nor other ($XDG_RUNTIME_DIR is 0700): its replies
 * could never arrive.
 */
export function openReplySocketTo(server: Owner, replyPath: string): ReplyAccess | undefined {
  const uid = process.getuid?.() ?? 0;
  if (server.uid === uid || server.uid === 0) return 'own';
  const directory = dirname(replyPath);
  for (let above = dirname(directory); ; above = dirname(above)) {
    if (!searchable(above, server)) return undefined;
    if (above === dirname(above)) break;
  }
  const mode = lstatSync(directory).mode & 0o7777;
  if ((mode & 0o011) !== 0o011) chmodSync(directory, mode | 0o011);
  if (uid === 0 || process.getegid?.() === server.gid || process.getgroups?.().includes(server.gid)) {
    chownSync(replyPath, -1, server.gid);
    chmodSync(replyPath, 0o620);
    return 'group';
  }
  chmodSync(replyPath, 0o622);
  return 'other';
}

/**
 * Whether `server`'s user may pass through `directory`, as far as its owner and primary group tell:
 * a directory with no search bit for group or others stops every other user (supplementary groups
 * cannot be known from here, so a group search bit is taken as passable).
 */
function searchable(directory: string, server: Owner): boolean {
  try {
    const stats = lstatSync(directory);
    if (stats.uid === server.uid) return (stats.mode & 0o100) !== 0;
    return (stats.mode & 0o011) !== 0;
  } catch {
    return false;
  }
}

import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Caller } from '@udsipc/core/transport';

/**
 * Who sent a datagram, as far as the kernel lets us tell. unix-dgram gives no SCM_CREDENTIALS,
 * but the kernel reports the sender's bound path, and bind(2) made that file with the sender's
 * uid and gid. That names the sender only if no one else could have bound a file at that name:
 * so the directory must be writable by its owner alone (no group or other write bit, as a 0700
 * reply directory or $XDG_RUNTIME_DIR is) and owned by the same user as the file. In a shared
 * directory (the sticky /tmp, where the seed's client binds) the name could have been taken by
 * anyone once its first owner let go: the sender is unknown. lstat, so a planted symlink never
 * lends its target's owner. No pid: the file does not say which process bound it.
 */
export function senderIdentity(senderPath: string): Caller | undefined {
  try {
    const file = lstatSync(senderPath);
    const directory = lstatSync(dirname(senderPath));
    if (!file.isSocket() || !directory.isDirectory()) return undefined;
    if ((directory.mode & 0o022) !== 0 || directory.uid !== file.uid) return undefined;
    return { uid: file.uid, gid: file.gid };
  } catch {
    return undefined;
  }
}

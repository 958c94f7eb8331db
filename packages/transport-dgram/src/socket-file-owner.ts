import { lstatSync } from 'node:fs';
import type { Owner } from '@udsipc/core/transport';

/**
 * Who bound the socket file at `path`: its owner, as the kernel recorded it at bind(2). lstat, so
 * a symbolic link planted at the path names its own owner, not its target's. An errno name when
 * the file is gone.
 */
export function socketFileOwner(path: string): Owner | string {
  try {
    const { uid, gid } = lstatSync(path);
    return { uid, gid };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : 'ENOENT';
  }
}

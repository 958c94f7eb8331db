import { lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where this user's datagram clients bind their reply sockets when no directory is configured:
 * `$XDG_RUNTIME_DIR/udsipc` when that is set (the runtime directory is already the user's alone),
 * else a directory in the shared temp dir that no one else can pre-create or take.
 *
 * A fixed name there (`/tmp/udsipc-<uid>`) could be made first by any user, and then every client
 * of ours would refuse it (PARENT_UNSAFE) forever. So the name carries a random part: mkdtemp makes
 * `udsipc-<uid>-XXXXXX` atomically, mode 0700, with a name no one can guess. Later clients of the
 * same user reuse the first such directory that is a real directory owned by this user, so they
 * share one and the stale-socket sweep still finds what killed clients left; a directory of that
 * name owned by anyone else, or a symlink, is passed over, never used and never removed. In a
 * sticky temp dir (as /tmp is) no one else can remove or replace ours.
 */
export function userReplyDirectory(env: Environment = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && runtime.length > 0) return join(runtime, 'udsipc');
  const uid = process.getuid?.() ?? 0;
  const base = env.TMPDIR && env.TMPDIR.length > 0 ? env.TMPDIR : tmpdir();
  const prefix = `udsipc-${uid}-`;
  // A process that opens many clients (1,000 in the scale bench) scans the temp dir once, not per
  // client: the directory chosen is kept while it is still a directory of ours.
  const known = chosen.get(base);
  if (known !== undefined && isOwnDirectory(known, uid)) return known;
  const directory = ownedDirectory(base, prefix, uid) ?? mkdtempSync(join(base, prefix));
  chosen.set(base, directory);
  return directory;
}

/** The directory picked per temp dir by this process. */
const chosen = new Map<string, string>();

function isOwnDirectory(path: string, uid: number): boolean {
  try {
    const stats = lstatSync(path);
    return stats.isDirectory() && stats.uid === uid;
  } catch {
    return false;
  }
}

function ownedDirectory(base: string, prefix: string, uid: number): string | undefined {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(prefix));
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const path = join(base, name);
    if (isOwnDirectory(path, uid)) return path;
  }
  return undefined;
}

// What every package's tests share for scratch space: a private temp directory and its removal.
// Plain JavaScript beside deploy-app.mjs, so tests of any package can import it.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh directory under the system temp dir, mode 0700: the socket-file checks refuse a parent
 * others can write to, and reply sockets must be private.
 */
export function makeTempDir(prefix = 'udsipc-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

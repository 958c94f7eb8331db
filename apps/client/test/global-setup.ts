// The tests spawn the built CLI (dist/), never the sources: rebuild it first when a source file is
// newer than the build, so a test can never pass against a stale binary. They also need the real
// udsipc-server, built by `turbo run build` (this package's turbo.json orders it before `test`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SERVER_CLI } from './helpers.js';

const appDir = join(import.meta.dirname, '..');

/** [oldest, newest] modification time of the files under `dir` ending in `suffix`. */
function mtimes(dir: string, suffix: string): [number, number] {
  let oldest = Number.POSITIVE_INFINITY;
  let newest = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(suffix)) {
        const mtime = statSync(child).mtimeMs;
        oldest = Math.min(oldest, mtime);
        newest = Math.max(newest, mtime);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return [oldest === Number.POSITIVE_INFINITY ? 0 : oldest, newest];
}

export default function setup(): void {
  const [oldestBuilt] = mtimes(join(appDir, 'dist'), '.js');
  const [, newestSource] = mtimes(join(appDir, 'src'), '.ts');
  if (oldestBuilt < newestSource || statSync(join(appDir, 'package.json')).mtimeMs > oldestBuilt) {
    const tsc = createRequire(join(appDir, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: appDir, stdio: 'inherit' });
  }
  if (!existsSync(SERVER_CLI)) {
    throw new Error(`${SERVER_CLI} is missing: build the workspace first (pnpm exec turbo run build)`);
  }
}

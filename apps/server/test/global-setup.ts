// The tests spawn the built CLI (dist/), never the sources: rebuild it first when a source file
// is newer than the build, so a test can never pass against a stale binary.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const appDir = join(import.meta.dirname, '..');

function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(suffix)) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

function oldestMtime(dir: string, suffix: string): number {
  let oldest = Number.POSITIVE_INFINITY;
  try {
    for (const name of readdirSync(dir)) {
      if (name.endsWith(suffix)) oldest = Math.min(oldest, statSync(join(dir, name)).mtimeMs);
    }
  } catch {
    return 0;
  }
  return oldest === Number.POSITIVE_INFINITY ? 0 : oldest;
}

export default async function setup(): Promise<void> {
  const stale =
    oldestMtime(join(appDir, 'dist'), '.js') < newestMtime(join(appDir, 'src'), '.ts') ||
    statSync(join(appDir, 'package.json')).mtimeMs > oldestMtime(join(appDir, 'dist'), '.js');
  if (stale) {
    const tsc = createRequire(join(appDir, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: appDir, stdio: 'inherit' });
  }
  // The dependencies are built by `turbo run build` (the test task depends on it); say so plainly if not.
  const library = (await import('@udsipc/node')) as Record<string, unknown>;
  if (typeof library.createServer !== 'function') {
    throw new Error('@udsipc/node is not built (or is stale): run `pnpm exec turbo run build` first');
  }
}

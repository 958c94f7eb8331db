import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's own C ping-pong program; the build runs from dist/c/, the source stays in src/c/. */
export const PINGPONG_SOURCE = fileURLToPath(new URL('../../src/c/pingpong.c', import.meta.url));

export type CBuild = { ok: true; binary: string; compiler: string } | { ok: false; reason: string };

/** Compiles pingpong.c with `cc -O2` into `directory`, or says why it cannot. */
export function buildPingpong(directory: string): CBuild {
  if (!existsSync(PINGPONG_SOURCE)) return { ok: false, reason: `${PINGPONG_SOURCE} is missing` };
  const version = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return { ok: false, reason: 'no C compiler (cc) on this machine' };
  }
  const binary = join(directory, 'pingpong');
  const build = spawnSync('cc', ['-O2', '-o', binary, PINGPONG_SOURCE], { encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    return { ok: false, reason: `cc failed: ${(build.stderr || String(build.error)).trim().split('\n')[0]}` };
  }
  return { ok: true, binary, compiler: version.stdout.split('\n')[0]!.trim() };
}

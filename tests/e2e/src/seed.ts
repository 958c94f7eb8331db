import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SEED_PROGRAMS = [
  'ipc_tcp_server',
  'ipc_tcp_client',
  'ipc_udp_server',
  'ipc_udp_client',
] as const;
export type SeedProgram = (typeof SEED_PROGRAMS)[number];

/** The seed lives beside the repository, in ../shared/seed, and nowhere in it. */
export function seedDirectory(): string {
  return resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'seed');
}

/** Cuts each program's source out of the article: the ```cpp block whose header names the file. */
export function extractSeedSources(article: string): Map<SeedProgram, string> {
  const sources = new Map<SeedProgram, string>();
  for (const block of article.matchAll(/```cpp\n([\s\S]*?)```/g)) {
    const code = block[1]!;
    const name = /File Name: (\w+)\.cpp/.exec(code)?.[1];
    if (name && (SEED_PROGRAMS as readonly string[]).includes(name)) sources.set(name as SeedProgram, code);
  }
  return sources;
}

export type SeedBuild = { ok: true; binaries: Map<SeedProgram, string> } | { ok: false; reason: string };

/** Compiles the seed's four programs, unchanged, or says why it cannot. */
export function buildSeedPrograms(): SeedBuild {
  const directory = seedDirectory();
  if (!existsSync(directory)) return { ok: false, reason: `the seed folder ${directory} is not there` };
  const article = readdirSync(directory).find((name) => name.endsWith('.txt'));
  if (!article) return { ok: false, reason: `no article (*.txt) in ${directory}` };
  const compiler = spawnSync('g++', ['--version']);
  if (compiler.error || compiler.status !== 0)
    return { ok: false, reason: 'no C++ compiler (g++) on this machine' };
  const sources = extractSeedSources(readFileSync(join(directory, article), 'utf8'));
  if (sources.size !== SEED_PROGRAMS.length) {
    return { ok: false, reason: `found ${sources.size} of the 4 seed programs in ${article}` };
  }
  const out = mkdtempSync(join(tmpdir(), 'udsipc-seed-'));
  const binaries = new Map<SeedProgram, string>();
  for (const [name, code] of sources) {
    const source = join(out, `${name}.cpp`);
    writeFileSync(source, code);
    execFileSync('g++', ['-O2', '-o', join(out, name), source], { stdio: 'pipe' });
    binaries.set(name, join(out, name));
  }
  return { ok: true, binaries };
}

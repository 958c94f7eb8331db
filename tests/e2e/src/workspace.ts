// The workspace as the structure tests read it: its packages (from pnpm-workspace.yaml), their
// package.json "exports" maps traced back to the source files, and every import a source file
// writes. Shared by import-graph, layer-rules and package-manifests tests.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface Manifest {
  name: string;
  private?: boolean;
  main?: string;
  module?: string;
  types?: string;
  sideEffects?: unknown;
  bin?: string | Record<string, string>;
  files?: string[];
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** One subpath of a package's "exports" map, and where it leads. */
export interface ExportEntry {
  /** `.` or `./transport` ... */
  subpath: string;
  /** What an importer writes: `@udsipc/core` or `@udsipc/core/transport`. */
  specifier: string;
  /** The map's value for the subpath, as written (a path, or an object of conditions). */
  value: unknown;
  /** The runtime target (`import`, `default`, `node` or `require` condition, or the plain string). */
  runtime: string | undefined;
  /** The source file the runtime target is built from (`./dist/mod.js` → src/mod.ts), when there is one. */
  source: string | undefined;
}

export interface WorkspacePackage {
  name: string;
  /** Absolute directory. */
  dir: string;
  /** Directory relative to the workspace root, with forward slashes: `packages/core`. */
  path: string;
  manifest: Manifest;
  exports: ExportEntry[];
}

/** The `packages:` globs of pnpm-workspace.yaml, as written. */
export function workspaceGlobs(root = ROOT): string[] {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs: string[] = [];
  let inPackages = false;
  for (const line of text.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages) continue;
    const item = /^\s+-\s+(['"]?)([^'"#]+?)\1\s*(?:#.*)?$/.exec(line);
    if (item) globs.push(item[2]!);
    else if (/^\S/.test(line)) inPackages = false;
  }
  return globs;
}

/** Directories a glob names: literal segments and `*` (one directory level); anything else is refused. */
function expandGlob(root: string, glob: string): string[] {
  if (glob.startsWith('!') || glob.includes('**') || /[?[\]{}]/.test(glob)) {
    throw new Error(
      `pnpm-workspace.yaml: pattern ${glob} is beyond what this test reads; teach workspace.ts`,
    );
  }
  let directories = [root];
  for (const segment of glob.replace(/\/$/, '').split('/')) {
    const pattern = new RegExp(`^${segment.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    directories = directories.flatMap((directory) =>
      segment.includes('*')
        ? existsSync(directory)
          ? readdirSync(directory)
              .filter((name) => pattern.test(name) && !name.startsWith('.'))
              .map((name) => join(directory, name))
          : []
        : [join(directory, segment)],
    );
  }
  return directories.filter((directory) => existsSync(join(directory, 'package.json')));
}

/** The value a set of conditions resolves to at run time (nested conditions followed). */
function runtimeTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const conditions = value as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default', 'require']) {
    if (condition in conditions) return runtimeTarget(conditions[condition]);
  }
  return undefined;
}

const BUILT = /\.(?:d\.)?([cm]?)(?:js|ts)$/;

/** The source file a built target comes from: `./dist/x/y.js` (or `.d.ts`) → `src/x/y.ts`; a `./src/...` target is itself. */
export function sourceOfTarget(dir: string, target: string): string | undefined {
  if (!BUILT.test(target)) return undefined;
  const path = target.replace(/^\.\//, '');
  const fromDist = path.startsWith('dist/') ? `src/${path.slice('dist/'.length)}` : path;
  const source = join(dir, fromDist.replace(BUILT, '.$1ts'));
  return existsSync(source) ? source : undefined;
}

function exportEntries(name: string, dir: string, exportsField: unknown): ExportEntry[] {
  if (exportsField === undefined) return [];
  const map =
    typeof exportsField === 'string' ||
    (typeof exportsField === 'object' &&
      exportsField !== null &&
      !Object.keys(exportsField).some((key) => key.startsWith('.')))
      ? { '.': exportsField }
      : (exportsField as Record<string, unknown>);
  return Object.entries(map).map(([subpath, value]) => {
    const runtime = runtimeTarget(value);
    return {
      subpath,
      specifier: subpath === '.' ? name : `${name}/${subpath.slice(2)}`,
      value,
      runtime,
      source: runtime === undefined ? undefined : sourceOfTarget(dir, runtime),
    };
  });
}

/** Every package of the workspace, found through pnpm-workspace.yaml's globs. */
export function workspacePackages(root = ROOT): WorkspacePackage[] {
  const found = new Map<string, WorkspacePackage>();
  for (const glob of workspaceGlobs(root)) {
    for (const dir of expandGlob(root, glob)) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      found.set(dir, {
        name: manifest.name,
        dir,
        path: relative(root, dir).split(sep).join('/'),
        manifest,
        exports: exportEntries(manifest.name, dir, manifest.exports),
      });
    }
  }
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The package a file belongs to: the one whose directory holds it most closely. */
export function packageOf(file: string, packages: readonly WorkspacePackage[]): WorkspacePackage | undefined {
  let best: WorkspacePackage | undefined;
  for (const candidate of packages) {
    if (file.startsWith(`${candidate.dir}${sep}`) && (!best || candidate.dir.length > best.dir.length)) {
      best = candidate;
    }
  }
  return best;
}

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
const SKIPPED = new Set(['node_modules', 'dist', '.turbo', 'coverage']);

/** The source files (TypeScript and JavaScript, no declarations) under a directory, build output left out. */
export function sourcesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      if (SKIPPED.has(name)) return [];
      if (statSync(path).isDirectory()) return sourcesUnder(path);
      return SOURCE.test(name) && !DECLARATION.test(name) ? [path] : [];
    });
}

export type ImportKind = 'static' | 'dynamic' | 'resolve';

/** One specifier a file names: imported, re-exported, required, imported dynamically, or only resolved. */
export interface ImportRef {
  specifier: string;
  line: number;
  /** `resolve`: located (require.resolve, import.meta.resolve), not loaded. */
  kind: ImportKind;
}

const PATTERNS: ReadonlyArray<readonly [RegExp, ImportKind]> = [
  // import x from '...', import type {...} from '...', export {...} from '...', export * from '...'
  [/(?:^|\n)[ \t]*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"\n]+)['"]/g, 'static'],
  // import '...': for its side effects
  [/(?:^|\n)[ \t]*import\s*['"]([^'"\n]+)['"]/g, 'static'],
  [/\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'dynamic'],
  [/(?<![.\w])require\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'static'],
  [/\b(?:require|import\.meta)\.resolve\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'resolve'],
];

/** Every specifier a source text names, with its line. Lines that start inside a string count too. */
export function importsIn(text: string): ImportRef[] {
  const found: ImportRef[] = [];
  for (const [pattern, kind] of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const at = match.index + match[0].indexOf(match[1]!);
      found.push({ specifier: match[1]!, line: text.slice(0, at).split('\n').length, kind });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

export function importsOf(file: string): ImportRef[] {
  return importsIn(readFileSync(file, 'utf8'));
}

/** Where a relative specifier written for the built output (`./x.js`) points in the sources. */
export function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** A Node.js built-in as `node:name` (`net` and `node:net` alike), else undefined. */
export function builtinOf(specifier: string): string | undefined {
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:')) return `node:${bare}`;
  return BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0]!) ? `node:${bare}` : undefined;
}

/** A workspace specifier (`@udsipc/x`, `@udsipc/x/sub`) and the export entry it names, if it names one. */
export function resolveWorkspaceSpecifier(
  specifier: string,
  packages: readonly WorkspacePackage[],
): { pkg: WorkspacePackage; entry: ExportEntry | undefined } | undefined {
  const pkg = packages.find((candidate) => candidate.name === packageNameOf(specifier));
  if (!pkg) return undefined;
  return { pkg, entry: pkg.exports.find((entry) => entry.specifier === specifier) };
}

// What the package.json files promise, checked: every publishable package in packages/* declares
// itself free of side effects (bundlers may drop what is not imported), lists "types" first in every
// set of export conditions (TypeScript takes the first condition that matches), and exports only
// files that exist: each built target comes from a source file, and is there once the package is
// built. Barrels name what they export (no `export *`, no `export type *`), so a package's API is
// what its barrel says and nothing leaks from a module by accident. The daemons in apps/* export
// nothing but their package.json.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ROOT,
  sourceOfTarget,
  sourcesUnder,
  type WorkspacePackage,
  workspacePackages,
} from '../src/workspace.js';

const packages = workspacePackages();
const publishable = packages.filter(
  (pkg) => pkg.path.startsWith('packages/') && pkg.manifest.private !== true,
);
const apps = packages.filter((pkg) => pkg.path.startsWith('apps/'));

/** Every object of conditions in an "exports" value, nested ones included, with where it sits. */
function conditionObjects(value: unknown, where: string): Array<{ where: string; conditions: string[] }> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const entries = Object.entries(value as Record<string, unknown>);
  return [
    { where, conditions: entries.map(([key]) => key) },
    ...entries.flatMap(([key, nested]) => conditionObjects(nested, `${where}.${key}`)),
  ];
}

/** Every path an "exports" value leads to, with its condition path. */
function targets(value: unknown, where: string): Array<{ where: string; target: string }> {
  if (typeof value === 'string') return [{ where, target: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, nested]) =>
    targets(nested, `${where}.${key}`),
  );
}

/** Why an export target is not a file the package ships, or undefined when it is. */
function missingTarget(pkg: WorkspacePackage, target: string): string | undefined {
  if (!target.startsWith('./')) return `${target} does not start with ./`;
  if (!target.startsWith('./dist/')) return existsSync(join(pkg.dir, target)) ? undefined : 'no such file';
  if (!sourceOfTarget(pkg.dir, target)) return 'no source file under src/ builds it';
  const built = existsSync(join(pkg.dir, 'dist'));
  return built && !existsSync(join(pkg.dir, target)) ? 'not in dist/ after the build' : undefined;
}

/** Lines that re-export a whole module: `export * from`, `export * as x from`, `export type * from`. */
function wholeModuleExports(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) =>
      /^\s*export\s+(?:type\s+)?\*/.test(line)
        ? [`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`]
        : [],
    );
}

describe('the package.json of every publishable package', () => {
  it('finds the packages (a check of nothing proves nothing)', () => {
    expect(publishable.map((pkg) => pkg.path)).toEqual(
      expect.arrayContaining([
        'packages/core',
        'packages/node',
        'packages/protocol',
        'packages/transport-dgram',
        'packages/transport-nats',
        'packages/transport-stream',
      ]),
    );
    expect(apps.map((pkg) => pkg.path)).toEqual(expect.arrayContaining(['apps/client', 'apps/server']));
  });

  it.each(publishable.map((pkg) => [pkg.path, pkg] as const))('%s says "sideEffects": false', (_, pkg) => {
    expect(pkg.manifest.sideEffects).toBe(false);
  });

  it.each(publishable.map((pkg) => [pkg.path, pkg] as const))(
    '%s lists "types" first in every set of export conditions',
    (_, pkg) => {
      expect(pkg.manifest.exports).toBeDefined();
      const wrong = pkg.exports
        .flatMap((entry) => conditionObjects(entry.value, `exports["${entry.subpath}"]`))
        .filter(({ conditions }) => conditions[0] !== 'types')
        .map(({ where, conditions }) => `${where}: ${conditions.join(', ')}`);
      expect(wrong).toEqual([]);
    },
  );

  it.each(publishable.map((pkg) => [pkg.path, pkg] as const))(
    '%s exports only files that exist (a source file for each built one)',
    (_, pkg) => {
      const missing = pkg.exports
        .flatMap((entry) => targets(entry.value, `exports["${entry.subpath}"]`))
        .flatMap(({ where, target }) => {
          const why = missingTarget(pkg, target);
          return why ? [`${where} = ${target}: ${why}`] : [];
        });
      expect(missing).toEqual([]);
    },
  );

  it.each(publishable.map((pkg) => [pkg.path, pkg] as const))(
    '%s points "main" and "types" where exports["."] does, for tools that read no "exports"',
    (_, pkg) => {
      const root = pkg.exports.find((entry) => entry.subpath === '.');
      expect(root).toBeDefined();
      const conditions = root!.value as Record<string, unknown>;
      expect({ main: pkg.manifest.main, types: pkg.manifest.types }).toEqual({
        main: root!.runtime,
        types: conditions.types,
      });
    },
  );

  it.each(publishable.map((pkg) => [pkg.path, pkg] as const))(
    '%s ships the files its "files" lists',
    (_, pkg) => {
      const built = existsSync(join(pkg.dir, 'dist'));
      const missing = (pkg.manifest.files ?? []).filter(
        (file) => !(file === 'dist' && !built) && !existsSync(join(pkg.dir, file)),
      );
      expect(missing).toEqual([]);
    },
  );
});

describe('the daemons in apps/*', () => {
  it.each(apps.map((pkg) => [pkg.path, pkg] as const))('%s exports nothing but ./package.json', (_, pkg) => {
    const { exports, main, module, types } = pkg.manifest;
    expect({ exports, main, module, types }).toEqual({
      exports: { './package.json': './package.json' },
      main: undefined,
      module: undefined,
      types: undefined,
    });
  });
});

describe('barrels', () => {
  const trees = packages.filter((pkg) => pkg.path.startsWith('packages/') || pkg.path.startsWith('apps/'));

  it('name what they export: no `export *` or `export type *` in packages/*/src or apps/*/src', () => {
    const files = trees.flatMap((pkg) => sourcesUnder(join(pkg.dir, 'src')));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(wholeModuleExports)).toEqual([]);
  });
});

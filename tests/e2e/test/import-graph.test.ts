// The repository's import graph, read from the sources: no module may import itself through a
// chain of others. A cycle makes load order matter and hides a layer that knows too much. Type-only
// imports count too: they tie the modules' designs together all the same. Every package the
// workspace lists (pnpm-workspace.yaml's globs) is read, and `@udsipc/x` or `@udsipc/x/sub` is
// followed through x's package.json "exports" map to the source file it is built from.
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importsOf,
  packageNameOf,
  ROOT,
  resolveRelative,
  resolveWorkspaceSpecifier,
  sourcesUnder,
  type WorkspacePackage,
  workspacePackages,
} from '../src/workspace.js';

/** Where an import leads in the sources: a relative path to its file, `@udsipc/x[/sub]` through x's "exports" map. */
function resolveImport(from: string, specifier: string, packages: readonly WorkspacePackage[]) {
  if (specifier.startsWith('.')) return resolveRelative(from, specifier);
  return resolveWorkspaceSpecifier(specifier, packages)?.entry?.source;
}

/** Every source file of every workspace package's src tree, and the source files it imports. */
function importGraph(packages = workspacePackages()): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of packages.flatMap((pkg) => sourcesUnder(join(pkg.dir, 'src')))) {
    const targets: string[] = [];
    for (const { specifier, kind } of importsOf(file)) {
      if (kind === 'resolve') continue; // located, not loaded
      const target = resolveImport(file, specifier, packages);
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Workspace specifiers the sources import that lead to no source file: edges the graph would miss. */
function unresolvedWorkspaceImports(packages = workspacePackages()): string[] {
  const names = new Set(packages.map((pkg) => pkg.name));
  const missing: string[] = [];
  for (const file of packages.flatMap((pkg) => sourcesUnder(join(pkg.dir, 'src')))) {
    for (const { specifier, line, kind } of importsOf(file)) {
      const workspace = names.has(packageNameOf(specifier));
      if (kind === 'resolve' || !workspace || resolveImport(file, specifier, packages)) continue;
      missing.push(`${relative(ROOT, file)}:${line} ${specifier}`);
    }
  }
  return missing;
}

/** Tarjan's strongly connected components: every component of more than one module is a cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    lowlinks.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node)!, lowlinks.get(next)!));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node)!, indices.get(next)!));
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(ROOT, member));
      } while (member !== node);
      const selfImport = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfImport) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe('the import graph of the sources', () => {
  it('finds every workspace package through pnpm-workspace.yaml', () => {
    const paths = workspacePackages().map((pkg) => pkg.path);
    for (const expected of ['packages/protocol', 'packages/core', 'apps/server', 'bench', 'tests/e2e']) {
      expect(paths).toContain(expected);
    }
  });

  it('follows a workspace import through its package.json "exports" map to the source file', () => {
    const packages = workspacePackages();
    const source = (specifier: string) => {
      const file = resolveWorkspaceSpecifier(specifier, packages)?.entry?.source;
      return file && relative(ROOT, file);
    };
    expect(source('@udsipc/core')).toBe('packages/core/src/mod.ts');
    expect(source('@udsipc/core/transport')).toBe('packages/core/src/transport-kit.ts');
    expect(source('@udsipc/core/internal')).toBeUndefined();
  });

  it('resolves every workspace import of the sources (an edge it cannot follow is an edge it cannot check)', () => {
    expect(unresolvedWorkspaceImports()).toEqual([]);
  });

  it('reads every source tree (a test that finds no files would prove nothing)', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    const edges = [...graph.values()].reduce((total, targets) => total + targets.length, 0);
    expect(edges).toBeGreaterThan(graph.size);
  });

  it('has no cycle, across files or packages', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(cycles(graph).map((component) => component.length)).toEqual([3]);
  });
});

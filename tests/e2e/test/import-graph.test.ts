// The repository's import graph, read from the sources: no module may import itself through a
// chain of others. A cycle makes load order matter and hides a layer that knows too much. Type-only
// imports count too: they tie the modules' designs together all the same.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
/** Every source tree of the workspace, and where a workspace package's name leads. */
const TREES = ['packages/protocol', 'packages/transport', 'apps/server', 'apps/client', 'bench', 'tests/e2e'];
const SOURCE = /\.(?:ts|mts|mjs)$/;
const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourcesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `@udsipc/x` to that package's entry source, from its package.json name. */
function workspaceEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const tree of TREES) {
    const manifest = join(ROOT, tree, 'package.json');
    const entry = join(ROOT, tree, 'src', 'index.ts');
    if (existsSync(manifest) && existsSync(entry)) {
      entries.set((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, entry);
    }
  }
  return entries;
}

/** Where a relative specifier written for the built output (`./x.js`) points in the sources. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    join(base, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function importGraph(): Map<string, string[]> {
  const packages = workspaceEntries();
  const graph = new Map<string, string[]>();
  for (const file of TREES.flatMap((tree) => sourcesUnder(join(ROOT, tree, 'src')))) {
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2]!;
      const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : packages.get(specifier);
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
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

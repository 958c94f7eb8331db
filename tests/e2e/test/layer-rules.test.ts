// One layer a package: what each workspace package may import, checked on every source file of the
// workspace (src and tests), import by import, so a forbidden one is reported with its file and line.
//
// The layers, bottom up: @udsipc/protocol (the wire contract) <- @udsipc/core (request/reply over a
// transport interface, no socket code) <- the adapters @udsipc/transport-stream,
// @udsipc/transport-dgram (one socket library each, built on the core's `./transport` subpath and
// @udsipc/sys, the system calls Node lacks, only) and @udsipc/transport-nats (nats.js, on the
// core's `./transport` subpath only)
// <- @udsipc/node (the assembly) <- the daemons apps/server and apps/client, the bench and the
// end-to-end tests, which use the packages' public barrels only.
//
// Rules for every file:
// - a relative import stays inside its own package (a src file inside its package's src/);
//   test files may also import the shared helpers in scripts/test-support/;
// - `@udsipc/x[/sub]` must be a subpath x's package.json "exports" (apps export nothing but
//   ./package.json, so nothing of theirs can be imported; require.resolve of their package.json,
//   to find a bin, is allowed);
// - every package imported is declared in package.json: src files use `dependencies` (what an
//   installed package has), test files also `devDependencies` and the workspace root's tooling;
// - a src file imports only the workspace specifiers of its row in LAYERS, and none of its
//   forbidden modules.
//
// Test files (everything of a package outside src/: test/, fixtures, configs; all of tests/*) may
// import their own package's src and test helpers, their own package by name, and the extra
// specifiers of their row: adapters' tests use the core's public errors, and the stream adapter's
// tests build datagram peers with @udsipc/transport-dgram (the dgram adapter's tests build stream
// peers with node:net instead: importing @udsipc/transport-stream would make the two adapters
// depend on each other). The core's and protocol's tests must run without sockets.
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtinOf,
  type ImportRef,
  importsIn,
  type Manifest,
  packageNameOf,
  packageOf,
  ROOT,
  resolveRelative,
  resolveWorkspaceSpecifier,
  sourcesUnder,
  type WorkspacePackage,
  workspacePackages,
} from '../src/workspace.js';

/** Socket code: the core and the layers around the adapters import none of it. */
const SOCKET_CODE = ['node:net', 'node:dgram', 'unix-dgram'];
/** The packages' public barrels: what the daemons, the bench and the end-to-end tests build on. */
const PUBLIC_BARRELS = [
  '@udsipc/protocol',
  '@udsipc/core',
  '@udsipc/transport-stream',
  '@udsipc/transport-dgram',
  '@udsipc/transport-nats',
  '@udsipc/node',
  '@udsipc/cli-options',
  '@udsipc/sys',
];

interface LayerRule {
  /** What the layer is, said in a failure. */
  layer: string;
  /** Workspace specifiers (a package's `.`, or `package/subpath`) its src files may import. */
  src: readonly string[];
  /** What its test files may import besides src's list and their own package. */
  tests: readonly string[];
  /** Built-ins and npm modules its src files must not import, declared or not. */
  srcForbids: readonly string[];
  /** The same for its test files. */
  testsForbid: readonly string[];
}

/** The rule table: package -> allowed workspace specifiers and forbidden modules. */
const LAYERS: Record<string, LayerRule> = {
  '@udsipc/protocol': {
    layer: 'the wire contract: schemas, codecs, paths, limits',
    src: [],
    tests: [],
    srcForbids: SOCKET_CODE,
    testsForbid: SOCKET_CODE,
  },
  '@udsipc/core': {
    layer: 'request/reply over the transport interface; it imports no socket code',
    src: ['@udsipc/protocol'],
    tests: [],
    srcForbids: SOCKET_CODE,
    testsForbid: SOCKET_CODE,
  },
  '@udsipc/sys': {
    layer: 'the Linux system calls Node has no API for, through koffi; no socket library, no udsipc layer',
    src: [],
    tests: [],
    srcForbids: SOCKET_CODE,
    testsForbid: [],
  },
  '@udsipc/transport-stream': {
    layer: "the node:net adapter, built on the core's ./transport subpath and @udsipc/sys only",
    src: ['@udsipc/protocol', '@udsipc/core/transport', '@udsipc/sys'],
    tests: ['@udsipc/core', '@udsipc/transport-dgram'],
    srcForbids: ['unix-dgram'],
    testsForbid: ['unix-dgram'],
  },
  '@udsipc/transport-dgram': {
    layer: "the unix-dgram adapter, built on the core's ./transport subpath and @udsipc/sys only",
    src: ['@udsipc/protocol', '@udsipc/core/transport', '@udsipc/sys'],
    tests: ['@udsipc/core'],
    srcForbids: ['node:net'],
    testsForbid: [],
  },
  '@udsipc/transport-nats': {
    layer: "the NATS adapter (nats.js), built on the core's ./transport subpath only",
    src: ['@udsipc/protocol', '@udsipc/core/transport'],
    tests: ['@udsipc/core'],
    srcForbids: SOCKET_CODE,
    testsForbid: [],
  },
  '@udsipc/node': {
    layer: "the assembly of the core's public API and the adapters; the adapters own the sockets",
    src: [
      '@udsipc/protocol',
      '@udsipc/core',
      '@udsipc/transport-stream',
      '@udsipc/transport-dgram',
      '@udsipc/transport-nats',
    ],
    tests: [],
    srcForbids: SOCKET_CODE,
    testsForbid: [],
  },
  '@udsipc/cli-options': {
    layer: "the daemons' command-line options: one table, parsing, precedence, help",
    src: ['@udsipc/protocol'],
    tests: [],
    srcForbids: SOCKET_CODE,
    testsForbid: SOCKET_CODE,
  },
  '@udsipc/server': {
    layer: "a deployable daemon: packages' public barrels only",
    src: PUBLIC_BARRELS,
    tests: [],
    srcForbids: [],
    testsForbid: [],
  },
  '@udsipc/client': {
    layer: "a deployable daemon: packages' public barrels only",
    src: PUBLIC_BARRELS,
    tests: [],
    srcForbids: [],
    testsForbid: [],
  },
  '@udsipc/bench': {
    layer: "the benchmark: packages' public barrels only, never an app's modules",
    src: PUBLIC_BARRELS,
    tests: [],
    srcForbids: [],
    testsForbid: [],
  },
  '@udsipc/e2e': {
    layer: "the end-to-end tests: packages' public barrels only, never an app's modules",
    src: PUBLIC_BARRELS,
    tests: PUBLIC_BARRELS,
    srcForbids: [],
    testsForbid: [],
  },
};

const TEST_SUPPORT = join(ROOT, 'scripts', 'test-support');
const ROOT_MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

const inside = (file: string, directory: string) => file.startsWith(`${directory}${sep}`);

/** Whether a file is held to its package's src rules: under src/, except in tests/* (whose src is test support). */
function isSrcFile(file: string, pkg: WorkspacePackage): boolean {
  return inside(file, join(pkg.dir, 'src')) && !pkg.path.startsWith('tests/');
}

function declared(pkg: WorkspacePackage, name: string, src: boolean): boolean {
  const { dependencies, peerDependencies, optionalDependencies, devDependencies } = pkg.manifest;
  const sets = src
    ? [dependencies, peerDependencies, optionalDependencies]
    : [dependencies, peerDependencies, optionalDependencies, devDependencies, ROOT_MANIFEST.devDependencies];
  return sets.some((set) => set !== undefined && Object.hasOwn(set, name));
}

/** Why one import breaks a rule, or undefined when it keeps them all. */
function breach(
  file: string,
  ref: ImportRef,
  pkg: WorkspacePackage,
  packages: readonly WorkspacePackage[],
): string | undefined {
  const rule = LAYERS[pkg.name];
  if (!rule) return `${pkg.name} has no row in LAYERS: give it one`;
  const src = isSrcFile(file, pkg);
  const { specifier } = ref;

  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = resolveRelative(file, specifier);
    if (!target) return 'points at no file';
    if (src) {
      return inside(target, join(pkg.dir, 'src'))
        ? undefined
        : `leaves ${pkg.path}/src: a src file imports other packages by name, never by path`;
    }
    if (inside(target, pkg.dir) || inside(target, TEST_SUPPORT)) return undefined;
    return `leaves ${pkg.path}: tests import their own package's files and scripts/test-support only`;
  }

  const forbidden = src ? rule.srcForbids : rule.testsForbid;
  const builtin = builtinOf(specifier);
  if (builtin) {
    return forbidden.includes(builtin)
      ? `${pkg.name} (${rule.layer}) must not import ${builtin}${src ? '' : ', not even in its tests'}`
      : undefined;
  }

  const name = packageNameOf(specifier);
  if (forbidden.includes(name)) {
    return `${pkg.name} (${rule.layer}) must not import ${name}${src ? '' : ', not even in its tests'}`;
  }
  const workspace = resolveWorkspaceSpecifier(specifier, packages);
  if (workspace) {
    if (!workspace.entry) {
      const exported = workspace.pkg.exports.map((entry) => entry.specifier).join(', ') || 'nothing';
      return `${specifier} is not exported by ${workspace.pkg.path}/package.json (it exports ${exported})`;
    }
    const self = workspace.pkg === pkg;
    const undeclared =
      !self && !declared(pkg, name, src)
        ? `${name} is not declared in ${pkg.path}/package.json ${src ? '"dependencies"' : 'dependencies or devDependencies'}`
        : undefined;
    if (ref.kind === 'resolve') return undeclared; // located (a bin, a package.json), not loaded
    if (src && !rule.src.includes(specifier)) {
      return `${pkg.name}'s src (${rule.layer}) may import ${rule.src.join(', ') || 'no workspace package'}, not ${specifier}`;
    }
    if (!src && !self && !rule.src.includes(specifier) && !rule.tests.includes(specifier)) {
      const allowed = [...rule.src, ...rule.tests].join(', ') || 'no other workspace package';
      return `${pkg.name}'s tests may import ${allowed} and ${pkg.name} itself, not ${specifier}`;
    }
    return undeclared;
  }
  if (specifier.startsWith('@udsipc/')) return `${name} is no workspace package`;
  if (!declared(pkg, name, src)) {
    return `${name} is not declared in ${pkg.path}/package.json ${src ? '"dependencies"' : 'or the workspace root'}`;
  }
  return undefined;
}

/** Every broken rule in one file's text, as `path:line: 'specifier': why`. */
function violationsIn(file: string, text: string, packages: readonly WorkspacePackage[]): string[] {
  const pkg = packageOf(file, packages);
  if (!pkg) return [`${relative(ROOT, file)}: belongs to no workspace package`];
  return importsIn(text).flatMap((ref) => {
    const why = breach(file, ref, pkg, packages);
    return why ? [`${relative(ROOT, file)}:${ref.line}: '${ref.specifier}': ${why}`] : [];
  });
}

/** Every source file of every workspace package: src, tests, fixtures, configs. */
function workspaceSources(packages: readonly WorkspacePackage[]): string[] {
  return packages.flatMap((pkg) => sourcesUnder(pkg.dir).filter((file) => packageOf(file, packages) === pkg));
}

describe('one layer a package: what each package imports', () => {
  const packages = workspacePackages();

  it('has a row for every workspace package, naming only what packages export', () => {
    expect(Object.keys(LAYERS).sort()).toEqual(packages.map((pkg) => pkg.name).sort());
    const exported = new Set(packages.flatMap((pkg) => pkg.exports.map((entry) => entry.specifier)));
    const named = Object.values(LAYERS).flatMap((rule) => [...rule.src, ...rule.tests]);
    expect(named.filter((specifier) => !exported.has(specifier))).toEqual([]);
  });

  it('reads every source file (a check that reads nothing proves nothing)', () => {
    const files = workspaceSources(packages);
    expect(files.length).toBeGreaterThan(150);
    const imports = files.reduce((total, file) => total + importsIn(readFileSync(file, 'utf8')).length, 0);
    expect(imports).toBeGreaterThan(files.length * 2);
  });

  it('finds no forbidden import in any src or test file', () => {
    const found = workspaceSources(packages).flatMap((file) =>
      violationsIn(file, readFileSync(file, 'utf8'), packages),
    );
    expect(found).toEqual([]);
  });

  describe('the check itself can fail', () => {
    const at = (path: string) => join(ROOT, path);
    const check = (path: string, line: string) => violationsIn(at(path), `${line}\n`, packages);

    it.each([
      ['packages/core/src/probe.ts', "import { connect } from 'node:net';", 'must not import node:net'],
      ['packages/core/src/probe.ts', "import type { Socket } from 'net';", 'must not import node:net'],
      ['packages/core/src/probe.ts', "import unixDgram from 'unix-dgram';", 'must not import unix-dgram'],
      ['packages/core/src/probe.ts', "export { X } from '@udsipc/transport-dgram';", 'not @udsipc/transport'],
      ['packages/core/test/probe.test.ts', "import { X } from '@udsipc/transport-stream';", 'not @udsipc'],
      [
        'packages/core/test/probe.test.ts',
        "import { createServer } from 'node:net';",
        'not even in its tests',
      ],
      ['packages/transport-stream/src/probe.ts', "import { X } from '@udsipc/core';", 'not @udsipc/core'],
      ['packages/transport-stream/src/probe.ts', "import unixDgram from 'unix-dgram';", 'unix-dgram'],
      ['packages/transport-dgram/src/probe.ts', "import { connect } from 'node:net';", 'node:net'],
      ['packages/node/src/probe.ts', "import { Burst } from '@udsipc/core/transport';", 'not @udsipc/core/'],
      ['packages/node/src/probe.ts', "import { createServer } from 'node:net';", 'node:net'],
      ['apps/server/src/probe.ts', "import { Burst } from '@udsipc/core/transport';", 'not @udsipc/core/'],
      [
        'apps/server/src/probe.ts',
        "import { RpcServer } from '../../../packages/core/src/mod.js';",
        'leaves',
      ],
      ['apps/client/test/probe.test.ts', "import { main } from '../../server/src/cli.js';", 'leaves'],
      ['bench/src/probe.ts', "import { parse } from '@udsipc/server';", 'not exported'],
      ['bench/src/probe.ts', 'const cli = await import\u0028"@udsipc/client/dist/cli.js");', 'not exported'],
      ['tests/e2e/src/probe.ts', "import { X } from '@udsipc/core/transport';", 'not @udsipc/core/'],
      ['packages/node/src/probe.ts', "import { z } from 'zod';", 'not declared'],
      ['packages/core/src/probe.ts', "import { sleep } from './nowhere.js';", 'points at no file'],
    ])('%s: %s', (path, line, why) => {
      const found = check(path, line);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}:1: '`));
      expect(found[0]).toContain(why);
    });

    it.each([
      [
        'packages/transport-stream/test/probe.test.ts',
        "import { DatagramSocket } from '@udsipc/transport-dgram';",
      ],
      ['packages/transport-dgram/test/probe.test.ts', "import { createServer } from 'node:net';"],
      [
        'packages/node/test/probe.test.ts',
        "import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';",
      ],
      ['bench/src/probe.ts', "const bin = require.resolve('@udsipc/server/package.json');"],
      ['packages/core/test/probe.test.ts', "import { Burst } from '@udsipc/core/transport';"],
    ])('allows %s: %s', (path, line) => {
      expect(check(path, line)).toEqual([]);
    });
  });
});

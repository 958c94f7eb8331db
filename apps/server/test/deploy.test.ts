// `pnpm deploy` must give a folder that runs with plain `node`: nothing from the workspace, the
// native unix-dgram addon built inside it.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { connectClient, type RpcClient } from '@udsipc/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_DIR,
  makeTempDir,
  PACKAGE_VERSION,
  type ServerProcess,
  startServer,
  stopServer,
} from './helpers.js';

const WORKSPACE_ROOT = join(APP_DIR, '..', '..');

/** pnpm as the test was started with it (npm_execpath under `pnpm test`), else the one on PATH. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c?js|mjs)$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  }
  return ['pnpm', []];
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Every symlink under `root`, so the test can prove none of them leads out of it. */
function symlinksUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) found.push(path);
      else if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

/**
 * pnpm 10's legacy deploy also writes `<workspace root>/<target path>/node_modules/.bin` (pnpm
 * issues 10981 and 11246): remove that stray tree, and the directories it created, from the checkout.
 */
function removeStrayDeployTree(target: string): void {
  const stray = join(WORKSPACE_ROOT, target);
  if (!existsSync(join(stray, 'node_modules'))) return;
  rmSync(stray, { recursive: true, force: true });
  for (let dir = dirname(stray); dir.startsWith(`${WORKSPACE_ROOT}/`); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty: it was there before
    }
  }
}

describe('pnpm --filter @udsipc/server deploy --prod', () => {
  let dir: string;
  let cleanup: () => void;
  let deployed: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('udsipc-deploy-'));
    deployed = join(dir, 'deployed');
    const [command, prefix] = pnpmCommand();
    const result = await run(
      command,
      [...prefix, '--filter', '@udsipc/server', 'deploy', '--prod', '--prefer-offline', deployed],
      WORKSPACE_ROOT,
    );
    removeStrayDeployTree(deployed);
    if (result.code !== 0) throw new Error(`pnpm deploy failed (${result.code}):\n${result.output}`);
  }, 120_000);

  afterAll(async () => {
    if (server) {
      await stopServer(server, 'SIGKILL');
      server.notify.close();
    }
    cleanup();
  });

  it('holds the built CLI, the deploy files and a built unix-dgram, and nothing that points outside', () => {
    expect(existsSync(join(deployed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-server.service'))).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-server.env'))).toBe(true);
    expect(existsSync(join(deployed, 'node_modules', 'vitest'))).toBe(false);
    const transport = realpathSync(join(deployed, 'node_modules', '@udsipc', 'transport'));
    const unixDgram = realpathSync(join(dirname(transport), '..', 'unix-dgram'));
    expect(existsSync(join(unixDgram, 'build', 'Release', 'unix_dgram.node'))).toBe(true);
    const outside = symlinksUnder(deployed).filter((link) => {
      const target = realpathSync(link);
      return relative(deployed, target).startsWith('..');
    });
    expect(outside.map((link) => `${link} -> ${readlinkSync(link)}`)).toEqual([]);
    expect(relative(deployed, unixDgram).startsWith('..')).toBe(false);
    expect(lstatSync(join(deployed, 'node_modules', 'pino')).isSymbolicLink()).toBe(true);
  });

  it('runs with plain node from outside the repository and answers requests', async () => {
    const path = join(dir, 'd.sock');
    // Nothing of the workspace: no inherited environment, a PATH of system directories only.
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir };
    server = await startServer(dir, ['--transport', 'dgram', '--socket', path, '--log-format', 'json'], {
      cli: join(deployed, 'dist', 'cli.js'),
      cwd: dir,
      env,
      inheritEnv: false,
    });
    const client = (await connectClient({
      transport: 'dgram',
      path,
      replyDirectory: join(dir, 'r'),
    })) as RpcClient;
    try {
      await expect(client.request('echo', { text: 'deployed' })).resolves.toEqual({ text: 'deployed' });
      await expect(client.request('ping', {})).resolves.toMatchObject({ pid: server.child.pid });
    } finally {
      await client.close();
    }
    expect(await stopServer(server)).toBe(0);
    expect(server.stderr()).toBe('');
  });

  it('reports the deployed version', async () => {
    const { code, output } = await run(
      process.execPath,
      [join(deployed, 'dist', 'cli.js'), '--version'],
      dir,
    );
    expect(code).toBe(0);
    expect(output).toBe(`${PACKAGE_VERSION}\n`);
  });
});

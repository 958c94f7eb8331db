// `pnpm --filter @udsipc/client deploy --prod <dir>` must give a folder that runs with plain
// `node` and nothing else from the workspace, with the native unix-dgram addon built inside it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ACK_TEXT, type TransportName } from '@udsipc/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeWorkspace,
  REPO,
  replySockets,
  type SpawnOptions,
  spawnNode,
  startServer,
  stopServer,
  type Workspace,
} from './helpers.js';

/** pnpm as the test was started with it (npm_execpath under `pnpm test`), else the one on PATH. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c?js|mjs)$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  }
  return ['pnpm', []];
}

function execute(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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
 * pnpm 10's legacy deploy may also write `<workspace root>/<target path>/node_modules/.bin` (pnpm
 * issues 10981 and 11246): remove that stray tree, and the directories it created, from the checkout.
 */
function removeStrayDeployTree(target: string): void {
  const stray = join(REPO, target);
  if (!existsSync(join(stray, 'node_modules'))) return;
  rmSync(stray, { recursive: true, force: true });
  for (let dir = dirname(stray); dir.startsWith(`${REPO}/`); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty: it was there before
    }
  }
}

describe('pnpm --filter @udsipc/client deploy --prod', () => {
  let ws: Workspace;
  let deployed: string;
  let cli: string;
  /** Nothing of the workspace: no inherited environment, a PATH of system directories only. */
  let bareEnv: NodeJS.ProcessEnv;
  let bare: SpawnOptions;

  beforeAll(async () => {
    ws = makeWorkspace();
    deployed = join(ws.dir, 'udsipc-client');
    cli = join(deployed, 'dist', 'cli.js');
    bareEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws.dir, UDSIPC_REPLY_DIR: ws.replies };
    bare = { inheritEnv: false, cwd: ws.dir };
    const [command, prefix] = pnpmCommand();
    const result = await execute(
      command,
      [...prefix, '--filter', '@udsipc/client', 'deploy', '--prod', '--prefer-offline', deployed],
      { cwd: REPO },
    );
    removeStrayDeployTree(deployed);
    if (result.code !== 0) {
      throw new Error(`pnpm deploy failed (${result.code}):\n${result.stdout}${result.stderr}`);
    }
  }, 120_000);

  afterAll(() => ws.cleanup());

  it('holds the built CLI, the deploy files and a built unix-dgram, and no link out of the folder', () => {
    expect(existsSync(cli)).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-client.service'))).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-client.env'))).toBe(true);
    expect(existsSync(join(deployed, 'node_modules', 'vitest'))).toBe(false);
    const transport = realpathSync(join(deployed, 'node_modules', '@udsipc', 'transport'));
    const unixDgram = realpathSync(join(dirname(transport), '..', 'unix-dgram'));
    expect(relative(deployed, unixDgram).startsWith('..')).toBe(false);
    expect(existsSync(join(unixDgram, 'build', 'Release', 'unix_dgram.node'))).toBe(true);
    const outside = symlinksUnder(deployed).filter((link) =>
      relative(deployed, realpathSync(link)).startsWith('..'),
    );
    expect(outside.map((link) => `${link} -> ${readlinkSync(link)}`)).toEqual([]);
  });

  it('reports its version with plain node, run from outside the repository', async () => {
    const result = await execute(process.execPath, [cli, '--version'], { cwd: ws.dir, env: bareEnv });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each(['dgram', 'stream'] as TransportName[])('talks to a server over %s', async (transport) => {
    const socket = join(ws.dir, `${transport}.sock`);
    const server = await startServer(transport, socket);
    try {
      const send = spawnNode(
        cli,
        ['send', 'deployed', '--transport', transport, '--socket', socket],
        bareEnv,
        bare,
      );
      expect(await send.exited).toBe(0);
      expect(send.stdout()).toBe(`reply: ${ACK_TEXT}\n`);
      const bench = spawnNode(
        cli,
        ['bench', '--count', '200', '--window', '8', '--json', '--transport', transport, '--socket', socket],
        bareEnv,
        bare,
      );
      expect(await bench.exited).toBe(0);
      expect(JSON.parse(bench.stdout().trim().split('\n').at(-1)!)).toMatchObject({ count: 200, errors: 0 });
      expect(replySockets(ws.replies)).toEqual([]);
    } finally {
      await stopServer(server);
    }
  });
});

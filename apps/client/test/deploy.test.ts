// `pnpm --filter @udsipc/client deploy --prod <dir>` must give a folder that runs with plain
// `node` and nothing else from the workspace, with the native unix-dgram addon built inside it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ACK_TEXT, type TransportName } from '@udsipc/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployApp, deployedUnixDgram, linksLeaving } from '../../../scripts/test-support/deploy-app.mjs';
import {
  makeWorkspace,
  replySockets,
  type SpawnOptions,
  spawnNode,
  startServer,
  stopServer,
  type Workspace,
} from './helpers.js';

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
    await deployApp('@udsipc/client', deployed);
  }, 120_000);

  afterAll(() => ws.cleanup());

  it('holds the built CLI, the deploy files and a built unix-dgram, and no link out of the folder', () => {
    expect(existsSync(cli)).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-client.service'))).toBe(true);
    expect(existsSync(join(deployed, 'deploy', 'udsipc-client.env'))).toBe(true);
    expect(existsSync(join(deployed, 'node_modules', 'vitest'))).toBe(false);
    const unixDgram = deployedUnixDgram(deployed);
    expect(relative(deployed, unixDgram).startsWith('..')).toBe(false);
    expect(existsSync(join(unixDgram, 'build', 'Release', 'unix_dgram.node'))).toBe(true);
    expect(linksLeaving(deployed)).toEqual([]);
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

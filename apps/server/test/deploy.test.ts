// `pnpm deploy` must give a folder that runs with plain `node`: nothing from the workspace, the
// native unix-dgram addon built inside it.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectClient, type RpcClient } from '@udsipc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployApp, deployedUnixDgram, linksLeaving } from '../../../scripts/test-support/deploy-app.mjs';
import { makeTempDir, PACKAGE_VERSION, type ServerProcess, startServer, stopServer } from './helpers.js';

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

describe('pnpm --filter @udsipc/server deploy --prod', () => {
  let dir: string;
  let cleanup: () => void;
  let deployed: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('udsipc-deploy-'));
    deployed = join(dir, 'deployed');
    await deployApp('@udsipc/server', deployed);
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
    const unixDgram = deployedUnixDgram(deployed);
    expect(existsSync(join(unixDgram, 'build', 'Release', 'unix_dgram.node'))).toBe(true);
    expect(linksLeaving(deployed)).toEqual([]);
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

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATE_CLI, node, type Running, SERVER_CLI, stop, waitForSocket } from '../src/daemons.js';
import { makeTempDir } from '../src/temp-dir.js';

/** A PATH with no criu on it: the command must say so, not fail somewhere later. */
const NO_CRIU = { PATH: '/nonexistent' };

async function migrate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = node(MIGRATE_CLI, args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('udsipc-migrate refuses clearly', () => {
  const { dir, cleanup } = makeTempDir();
  let server: Running;

  beforeAll(async () => {
    server = node(SERVER_CLI, ['--socket', join(dir, 's.sock')]);
    await waitForSocket(join(dir, 's.sock'));
  });
  afterAll(async () => {
    await stop(server);
    cleanup();
  });

  it('usage errors exit 2 with the reason', async () => {
    expect((await migrate([])).code).toBe(2);
    const noPid = await migrate(['dump', '--dir', dir]);
    expect(noPid.code).toBe(2);
    expect(noPid.stderr).toContain('--pid');
    expect((await migrate(['restore'])).stderr).toContain('--dir');
    expect((await migrate(['teleport', '--dir', dir])).stderr).toContain('unknown command: teleport');
    const help = await migrate(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('udsipc-migrate dump --pid PID --dir DIR');
  });

  it('a pid that is not a udsipc-server: NOT_UDSIPC_SERVER, and a pid that does not exist: NO_SUCH_PROCESS', async () => {
    const notOurs = await migrate(['dump', '--pid', String(process.pid), '--dir', join(dir, 'a')]);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toMatch(/^udsipc-migrate: NOT_UDSIPC_SERVER: pid \d+ is not a udsipc-server/);
    const gone = await migrate(['dump', '--pid', '4194303', '--dir', join(dir, 'b')]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^udsipc-migrate: NO_SUCH_PROCESS: no process with pid 4194303/);
  });

  it('criu missing: CRIU_MISSING, for dump and for restore, and the server keeps serving', async () => {
    const dump = await migrate(['dump', '--pid', String(server.child.pid), '--dir', join(dir, 'c')], NO_CRIU);
    expect(dump.code).toBe(1);
    expect(dump.stderr).toMatch(/^udsipc-migrate: CRIU_MISSING: criu is not installed/);
    expect(server.child.exitCode).toBeNull();
    const images = join(dir, 'images');
    mkdirSync(images);
    writeFileSync(
      join(images, 'udsipc-checkpoint.json'),
      JSON.stringify({
        pid: 4194303,
        transport: 'dgram',
        socket: join(dir, 's.sock'),
        codec: 'auto',
        quiesced: false,
        shellJob: false,
        unreachableSince: Date.now(),
      }),
    );
    const restore = await migrate(['restore', '--dir', images], NO_CRIU);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/^udsipc-migrate: CRIU_MISSING/);
  });

  it('criu whose check fails: CRIU_CHECK_FAILED with what criu said', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A stand-in for Debian 12's criu 3.17 on this kernel.
    writeFileSync(
      join(bin, 'criu'),
      '#!/bin/sh\necho "Error: Unexpected rt vDSO area bounds" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    const dump = await migrate(['dump', '--pid', String(server.child.pid), '--dir', join(dir, 'd')], {
      PATH: bin,
    });
    expect(dump.code).toBe(1);
    expect(dump.stderr).toMatch(/^udsipc-migrate: CRIU_CHECK_FAILED: criu check failed: .*vDSO/);
    expect(server.child.exitCode).toBeNull();
  });

  it('a directory without a checkpoint: NO_CHECKPOINT', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const restore = await migrate(['restore', '--dir', empty]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/^udsipc-migrate: NO_CHECKPOINT: .* holds no udsipc checkpoint/);
  });
});

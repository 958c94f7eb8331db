// The stream probe decides whether a socket file may be replaced without loading the datagram
// addon (only this test loads it, to bind a datagram socket): a live socket of either kind is live, only a file whose process is gone is stale.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import { probeStreamSocket } from '../src/probe-socket.js';

describe('probeStreamSocket (stream connect)', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('udsipc-stream-probe-');
  });
  afterEach(() => temp.cleanup());

  it('calls a listening stream socket live, and its file stale once its process is gone', async () => {
    const path = join(temp.dir, 's.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    expect(await probeStreamSocket(path)).toBe('live');
    await new Promise((resolve) => server.close(resolve));
    expect(await probeStreamSocket(path)).toBe('stale');
    // A process killed with -9 leaves its socket file: refused, so stale.
    const killed = join(temp.dir, 'killed.sock');
    const child = spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(killed)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(child.signal).toBe('SIGKILL');
    expect(await probeStreamSocket(killed)).toBe('stale');
  });

  it('calls a bound datagram socket live (EPROTOTYPE), and a missing path stale', async () => {
    const path = join(temp.dir, 'd.sock');
    const socket = new DatagramSocket(() => {});
    expect(socket.bind(path)).toBeUndefined();
    try {
      expect(await probeStreamSocket(path)).toBe('live');
    } finally {
      socket.close();
    }
    expect(await probeStreamSocket(join(temp.dir, 'missing.sock'))).toBe('stale');
  });
});

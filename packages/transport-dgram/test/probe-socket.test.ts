// The datagram probe decides whether a socket file may be replaced: it must call a live socket of
// either kind live, and only a file whose process is gone stale.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import { DatagramSocket } from '../src/dgram-socket.js';
import { probeSocket } from '../src/probe-socket.js';

describe('probeSocket (datagram connect)', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('udsipc-dgram-probe-');
  });
  afterEach(() => temp.cleanup());

  it('calls a bound datagram socket live, and its file stale once the socket is closed', () => {
    const path = join(temp.dir, 'd.sock');
    const socket = new DatagramSocket(() => {});
    expect(socket.bind(path)).toBeUndefined();
    expect(probeSocket(path)).toBe('live');
    // Closing does not remove the file: the leftover a kill -9 leaves behind.
    socket.close();
    expect(probeSocket(path)).toBe('stale');
  });

  it('calls a listening stream socket live (EPROTOTYPE), and a missing path stale', async () => {
    const path = join(temp.dir, 's.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(probeSocket(path)).toBe('live');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(probeSocket(join(temp.dir, 'missing.sock'))).toBe('stale');
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDescriptor, openBoundSocket } from '@udsipc/sys';
import { probeSocket } from '@udsipc/transport-dgram';
import { describe, expect, it } from 'vitest';
import { serverTakesConnections, takesConnections } from '../../../scripts/test-support/socket-state.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';

// The test support's wait for a server asks the kernel's socket table, never a connection: these
// are the states it must tell apart.
describe('takesConnections (test support)', () => {
  it('is true for a listening stream socket and a bound datagram socket, false once closed or never bound', () => {
    const { dir, cleanup } = makeTempDir('udsipc-state-');
    try {
      const stream = join(dir, 'stream.sock');
      const dgram = join(dir, 'dgram.sock');
      expect(takesConnections(stream)).toBe(false);
      const streamFd = openBoundSocket(stream, 'stream');
      const dgramFd = openBoundSocket(dgram, 'dgram');
      expect(takesConnections(stream)).toBe(true);
      expect(takesConnections(dgram)).toBe(true);
      expect(takesConnections(join(dir, 'stream.soc'))).toBe(false);
      closeDescriptor(streamFd);
      closeDescriptor(dgramFd);
      // The files stay behind, as a killed server's do; nothing is bound to them any more.
      expect(takesConnections(stream)).toBe(false);
      expect(takesConnections(dgram)).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('serverTakesConnections: a live socket file that takes connections; not a stale file, not a plain file', () => {
    const { dir, cleanup } = makeTempDir('udsipc-state-');
    try {
      const stream = join(dir, 'stream.sock');
      const dgram = join(dir, 'dgram.sock');
      const plain = join(dir, 'plain.sock');
      writeFileSync(plain, '');
      const streamFd = openBoundSocket(stream, 'stream');
      const dgramFd = openBoundSocket(dgram, 'dgram');
      expect(serverTakesConnections(stream, probeSocket)).toBe(true);
      expect(serverTakesConnections(dgram, probeSocket)).toBe(true);
      expect(serverTakesConnections(plain, probeSocket)).toBe(false);
      expect(serverTakesConnections(join(dir, 'none.sock'), probeSocket)).toBe(false);
      closeDescriptor(streamFd);
      closeDescriptor(dgramFd);
      expect(serverTakesConnections(stream, probeSocket)).toBe(false);
      expect(serverTakesConnections(dgram, probeSocket)).toBe(false);
    } finally {
      cleanup();
    }
  });
});

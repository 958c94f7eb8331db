import { rmSync } from 'node:fs';
import {
  DEFAULT_DATAGRAM_SOCKET_PATH,
  DEFAULT_STREAM_SOCKET_PATH,
  type SocketTransportName,
} from '@udsipc/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_CLI, node, run, SERVER_CLI, stop, waitForOutput, waitForSocket } from '../src/daemons.js';
import { buildSeedPrograms, type SeedBuild } from '../src/seed.js';

// The seed's programs hard-code their paths in /tmp, as udsipc's defaults do; these tests use them as they are.
const seed: SeedBuild = buildSeedPrograms();
if (!seed.ok) console.log(`SKIPPED: seed interop: ${seed.reason}`);

const seedPaths: Record<SocketTransportName, { server: string; client: string; label: string }> = {
  dgram: { server: DEFAULT_DATAGRAM_SOCKET_PATH, client: '/tmp/ipc_udp_client.sock', label: 'udp' },
  stream: { server: DEFAULT_STREAM_SOCKET_PATH, client: '/tmp/ipc_tcp_client.sock', label: 'tcp' },
};

function clearSeedPaths(): void {
  for (const paths of Object.values(seedPaths)) {
    rmSync(paths.server, { force: true });
    rmSync(paths.client, { force: true });
  }
}

describe.skipIf(!seed.ok).each(['dgram', 'stream'] as const)("the seed's C programs over %s", (transport) => {
  const binaries = seed.ok ? seed.binaries : new Map();
  const paths = seedPaths[transport];

  beforeAll(clearSeedPaths);
  afterAll(clearSeedPaths);

  it("the seed's unchanged C client is answered by udsipc-server (codec auto)", async () => {
    const server = node(SERVER_CLI, ['--transport', transport]);
    try {
      await waitForSocket(paths.server);
      const client = run(binaries.get(`ipc_${paths.label}_client`)!, []);
      await waitForOutput(client, (stdout) => stdout.split('OK,I got it!').length > 2, 8_000);
      await stop(client, 'SIGKILL');
      const stats = node(CLIENT_CLI, ['stats', '--transport', transport, '--json']);
      expect(await stats.exited).toBe(0);
      const counters = JSON.parse(stats.stdout().trim().split('\n').pop()!);
      expect(counters.requests).toBeGreaterThanOrEqual(2);
      expect(counters.errorsByCode).toEqual({});
    } finally {
      expect(await stop(server)).toBe(0);
    }
  }, 20_000);

  it("udsipc-client --codec cstring is answered by the seed's unchanged C server", async () => {
    const server = run(binaries.get(`ipc_${paths.label}_server`)!, []);
    try {
      await waitForSocket(paths.server);
      const client = node(CLIENT_CLI, [
        'send',
        'How are you !!!',
        '--transport',
        transport,
        '--codec',
        'cstring',
        '--timeout',
        '5000',
        '--json',
      ]);
      expect(await client.exited).toBe(0);
      expect(JSON.parse(client.stdout().trim().split('\n').pop()!)).toEqual({ text: 'OK,I got it!' });
      await waitForOutput(server, (stdout) => stdout.includes('recv a msg'));
      expect(server.stdout()).toContain('How are you !!!');
    } finally {
      await stop(server, 'SIGKILL');
    }
  }, 20_000);
});

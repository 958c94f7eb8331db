// A stream server takes a burst of waiting connections several to a turn of its event loop, not one
// to a turn (accept-listeners.ts): real sockets in a temp dir, the connections made by a real child
// process while this process's loop is held, so that all of them wait in the listener's backlog.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { holdLoopUntil } from '../../../scripts/test-support/hold-loop.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import { StreamServerTransport } from '../src/stream-server.js';

const BURST_CLIENT = fileURLToPath(new URL('./fixtures/connect-burst.mjs', import.meta.url));
const CONNECTIONS = 40;

describe('stream server: a burst of connections', () => {
  let cleanup: (() => void) | undefined;
  let server: StreamServerTransport | undefined;
  afterEach(async () => {
    await server?.close(100);
    server = undefined;
    cleanup?.();
  });

  /**
   * Starts an echo server taking `acceptsPerTurn`, then, from inside one callback: starts the child
   * that opens CONNECTIONS at once, holds the loop until the kernel has queued them all, and answers
   * how many the server had accepted by the check phase of that same turn (after one poll).
   */
  async function firstTurnAfterBurst(
    acceptsPerTurn: number,
  ): Promise<{ firstTurn: number; replies: Promise<number> }> {
    const temp = makeTempDir('udsipc-accept-');
    cleanup = temp.cleanup;
    const path = join(temp.dir, 's.sock');
    const marker = join(temp.dir, 'connected');
    server = new StreamServerTransport({ path, codec: 'json', acceptsPerTurn });
    const listening = server;
    await listening.listen(
      (frame, _codec, peer) => peer.send(frame),
      () => {},
    );
    let output = '';
    let replies!: Promise<number>;
    const firstTurn = await new Promise<number>((resolve, reject) => {
      setTimeout(() => {
        try {
          const child = spawn(process.execPath, [BURST_CLIENT, path, String(CONNECTIONS), marker], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
          });
          replies = new Promise<number>((settle) =>
            child.once('exit', () =>
              settle(output ? (JSON.parse(output) as { replies: number }).replies : 0),
            ),
          );
          holdLoopUntil(() => existsSync(marker), 30_000);
          setImmediate(() => resolve(listening.openConnections()));
        } catch (error) {
          reject(error);
        }
      }, 0);
    });
    return { firstTurn, replies };
  }

  it('takes up to acceptsPerTurn connections in one turn of a held loop, and answers every one', async () => {
    const { firstTurn, replies } = await firstTurnAfterBurst(16);
    expect(firstTurn).toBeGreaterThanOrEqual(16);
    expect(await replies).toBe(CONNECTIONS);
  });

  it('with acceptsPerTurn 1 takes one connection a turn: libuv (1.45 and later) accepts once per readiness', async () => {
    const { firstTurn, replies } = await firstTurnAfterBurst(1);
    expect(firstTurn).toBe(1);
    expect(await replies).toBe(CONNECTIONS);
  });
});

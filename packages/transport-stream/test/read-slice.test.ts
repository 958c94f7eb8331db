// How much a stream server reads from one connection before the others get a turn
// (stream-server.ts, READ_SLICE_BYTES): a frame still arriving is gathered in the turns libuv gives
// it, while a connection full of small requests still yields. Real sockets in a temp dir; the bytes
// are written by a real child while this process's loop is held, so all of them wait in the kernel
// when the server starts reading, and each frame's turn of the event loop is counted.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { holdLoopUntil } from '../../../scripts/test-support/hold-loop.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import { StreamServerTransport } from '../src/stream-server.js';

const WRITER = fileURLToPath(new URL('./fixtures/write-frames.mjs', import.meta.url));

interface Delivered {
  /** Check phases passed since the loop was let go. */
  turn: number;
  /** The frame's index in what the child wrote (its body starts with it). */
  index: number;
  bytes: number;
}

describe('stream server: reading one connection', () => {
  let cleanup: (() => void) | undefined;
  let server: StreamServerTransport | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill();
    child = undefined;
    await server?.close(100);
    server = undefined;
    cleanup?.();
  });

  /** Has a child write frames of these body sizes in one write, then lets the server read them all. */
  async function deliveries(sizes: readonly number[]): Promise<Delivered[]> {
    const temp = makeTempDir('udsipc-slice-');
    cleanup = temp.cleanup;
    const path = join(temp.dir, 's.sock');
    const marker = join(temp.dir, 'written');
    const delivered: Delivered[] = [];
    let turn = 0;
    server = new StreamServerTransport({ path, codec: 'json' });
    await server.listen(
      (frame) => {
        const index = Number(/^"(\d+):/.exec(frame.toString('latin1', 0, 16))?.[1] ?? -1);
        delivered.push({ turn, index, bytes: frame.length });
      },
      () => {},
    );
    child = spawn(process.execPath, [WRITER, path, marker, sizes.join(',')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        try {
          holdLoopUntil(() => existsSync(marker), 30_000);
        } catch (error) {
          reject(error);
          return;
        }
        const tick = () => {
          turn += 1;
          if (delivered.length === sizes.length) resolve();
          else if (turn > 100_000)
            reject(new Error(`${delivered.length} of ${sizes.length} frames delivered`));
          else setImmediate(tick);
        };
        setImmediate(tick);
      }, 0);
    });
    return delivered;
  }

  it('gathers a 128 KiB frame in the turn that reads its first bytes, not one 64 KiB chunk a turn', async () => {
    const delivered = await deliveries([100, 128 * 1024]);
    expect(delivered.map((frame) => [frame.index, frame.bytes])).toEqual([
      [0, 100],
      [1, 128 * 1024],
    ]);
    // The small frame came in the first chunk read, with the start of the large one.
    expect(delivered[1]!.turn).toBe(delivered[0]!.turn);
  });

  it('still lets other connections have a turn while one holds many small requests', async () => {
    const sizes = Array.from({ length: 128 }, () => 1024);
    const delivered = await deliveries(sizes);
    expect(delivered.map((frame) => frame.index)).toEqual(sizes.map((_, index) => index));
    expect(delivered.every((frame) => frame.bytes === 1024)).toBe(true);
    const firstTurn = delivered.filter((frame) => frame.turn === delivered[0]!.turn).length;
    // 64 KiB of whole frames, then a yield: not all 128 KiB in one turn.
    expect(firstTurn).toBeGreaterThanOrEqual(60);
    expect(firstTurn).toBeLessThan(sizes.length);
  });
});

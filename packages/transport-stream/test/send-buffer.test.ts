import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { raiseSendBuffer } from '@udsipc/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { enlargeSendBuffer, STREAM_SEND_BUFFER_BYTES } from '../src/send-buffer.js';
import { descriptorOf } from '../src/socket-descriptor.js';

/** The send buffer the kernel holds for a socket now (asking for 1 byte never lowers it). */
function sendBufferOf(socket: Socket): number {
  const fd = descriptorOf(socket);
  if (fd === undefined) throw new Error('socket has no descriptor');
  const now = raiseSendBuffer(fd, 1);
  if (typeof now === 'string') throw new Error(`getsockopt: ${now}`);
  return now.bytes;
}

describe('stream send buffer', () => {
  let dir: string | undefined;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Both ends of one real UNIX stream connection in a temp dir. */
  async function connectedPair(): Promise<{ client: Socket; accepted: Socket }> {
    dir = mkdtempSync(join(tmpdir(), 'udsipc-sndbuf-'));
    const path = join(dir, 's.sock');
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer((socket) => resolve(socket));
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    const client = connect(path);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const other = await accepted;
    sockets.push(client, other);
    return { client, accepted: other };
  }

  it('raises both ends of a connection to hold a 1 MiB message, as far as the kernel allows', async () => {
    const { client, accepted } = await connectedPair();
    const before = sendBufferOf(client);
    const granted = enlargeSendBuffer(client, STREAM_SEND_BUFFER_BYTES);
    const grantedAccepted = enlargeSendBuffer(accepted, STREAM_SEND_BUFFER_BYTES);
    for (const [socket, outcome] of [
      [client, granted],
      [accepted, grantedAccepted],
    ] as const) {
      if (typeof outcome !== 'object') throw new Error(`not raised: ${String(outcome)}`);
      // The kernel doubles what it is asked for; without CAP_NET_ADMIN it caps at net.core.wmem_max.
      if (outcome.forced) expect(outcome.bytes).toBe(2 * STREAM_SEND_BUFFER_BYTES);
      else expect(outcome.bytes).toBeGreaterThanOrEqual(before);
      expect(sendBufferOf(socket)).toBe(outcome.bytes);
    }
  });

  it('leaves the kernel default when asked for 0, and never lowers a larger buffer', async () => {
    const { client } = await connectedPair();
    const before = sendBufferOf(client);
    expect(enlargeSendBuffer(client, 0)).toBeUndefined();
    expect(sendBufferOf(client)).toBe(before);
    const granted = enlargeSendBuffer(client, STREAM_SEND_BUFFER_BYTES);
    if (typeof granted !== 'object') throw new Error(`not raised: ${String(granted)}`);
    const smaller = enlargeSendBuffer(client, 4096);
    expect(smaller).toEqual({ bytes: granted.bytes, forced: false });
    expect(sendBufferOf(client)).toBe(granted.bytes);
  });

  it('answers undefined for a socket with no descriptor yet', () => {
    expect(enlargeSendBuffer(new Socket(), STREAM_SEND_BUFFER_BYTES)).toBeUndefined();
  });
});

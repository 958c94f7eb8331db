import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { raiseSendBuffer } from '@udsipc/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { enlargeSendBuffer, STREAM_SEND_BUFFER_BYTES } from '../src/send-buffer.js';
import { descriptorOf } from '../src/socket-descriptor.js';
import { StreamClientTransport } from '../src/stream-client.js';
import { StreamServerTransport } from '../src/stream-server.js';

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

  /** The send buffers of this process's sockets now, by descriptor (asking for 1 byte lowers nothing). */
  function socketSendBuffers(): Map<number, number> {
    const buffers = new Map<number, number>();
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${name}`);
      } catch {
        continue;
      }
      if (!target.startsWith('socket:')) continue;
      const now = raiseSendBuffer(fd, 1);
      if (typeof now === 'object') buffers.set(fd, now.bytes);
    }
    return buffers;
  }

  it('is raised by the stream transports on the connections they make and accept', async () => {
    const { client, accepted } = await connectedPair();
    const plain = sendBufferOf(client);
    const granted = enlargeSendBuffer(accepted, STREAM_SEND_BUFFER_BYTES);
    if (typeof granted !== 'object') throw new Error(`not raised: ${String(granted)}`);
    if (granted.bytes <= plain) {
      console.log(
        `SKIPPED: the kernel grants no more than its default ${plain} here (net.core.wmem_max, no CAP_NET_ADMIN)`,
      );
      return;
    }
    const raised = () => [...socketSendBuffers().values()].filter((bytes) => bytes === granted.bytes).length;
    const before = raised();
    // The client transport, on a connection to the plain server of connectedPair's directory.
    const path = join(dir as string, 's.sock');
    const transport = new StreamClientTransport({ path, wire: 'json' });
    await transport.open(
      () => {},
      () => {},
    );
    expect(raised()).toBe(before + 1);
    await transport.close();
    // The server transport, on a connection a plain client makes to it.
    const served = new StreamServerTransport({ path: join(dir as string, 'served.sock'), codec: 'json' });
    await served.listen(
      () => {},
      () => {},
    );
    try {
      const plainClient = connect(join(dir as string, 'served.sock'));
      sockets.push(plainClient);
      await new Promise<void>((resolve) => plainClient.once('connect', () => resolve()));
      // The transport's accept runs in a turn of its own after the client's connect (5 s: a hang guard).
      for (let waited = 0; raised() === before && waited < 5_000; waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(raised()).toBe(before + 1);
      expect(sendBufferOf(plainClient)).toBe(plain);
    } finally {
      await served.close();
    }
  });
});

/** The fixture server, run as `nobody` with `bytes` asked for; resolves with its events once stopped. */
async function eventsOfServerAsNobody(dir: string, bytes: number, connections: number): Promise<unknown[]> {
  const path = join(dir, `as-nobody-${bytes}.sock`);
  const child = spawn(process.execPath, [FIXTURE, path, String(bytes)], {
    uid: NOBODY,
    gid: NOBODY,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const exited = once(child, 'exit');
  const listening = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        if (line === 'listening') resolve();
        else lines.push(line);
      }
    });
    void exited.then(([code]) => reject(new Error(`fixture server exited with ${String(code)}`)));
  });
  await listening;
  for (let i = 0; i < connections; i++) {
    const socket = connect(path);
    await once(socket, 'connect');
    // The server has accepted it once it has answered nothing and the connection stands: a byte
    // round trip is not needed, end() lets the server see the close after its accept.
    socket.end();
    await once(socket, 'close');
  }
  child.stdin.end();
  await exited;
  return lines.map((line) => JSON.parse(line) as unknown);
}

const FIXTURE = fileURLToPath(new URL('./fixtures/send-buffer-server.mjs', import.meta.url));
const NOBODY = 65534;

describe("the stream server says what its connections' send buffers came to", () => {
  const asRoot = process.getuid?.() === 0;
  if (!asRoot)
    console.warn('SKIPPED: the send-buffer warning test runs its server as nobody, which needs root');

  it.skipIf(!asRoot)(
    'once, for the first connection: raised as asked, or not raised where net.core.wmem_max holds it down',
    async (context) => {
      const probe = spawnSync(process.execPath, [FIXTURE, '--probe'], {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
      });
      if (probe.status !== 0) context.skip(`user nobody cannot run ${FIXTURE}: ${probe.stderr}`);
      const wmemMax = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8').trim());
      const dir = mkdtempSync(join(tmpdir(), 'udsipc-sndbuf-nobody-'));
      // Nobody's own directory: a server refuses one others may write in.
      chownSync(dir, NOBODY, NOBODY);
      try {
        // Without CAP_NET_ADMIN the kernel caps SO_SNDBUF at wmem_max (then doubles it).
        const over = await eventsOfServerAsNobody(dir, wmemMax + 4096, 2);
        expect(over).toEqual([{ type: 'send-buffer', socket: 'stream', bytes: 2 * wmemMax, raised: false }]);
        // Within wmem_max (or below what the socket has already: it is never lowered) it is raised.
        const under = Math.floor(wmemMax / 2);
        const within = await eventsOfServerAsNobody(dir, under, 2);
        expect(within).toHaveLength(1);
        expect(within[0]).toMatchObject({ type: 'send-buffer', socket: 'stream', raised: true });
        expect((within[0] as { bytes: number }).bytes).toBeGreaterThanOrEqual(2 * under);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

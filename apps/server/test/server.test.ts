import { lstatSync, statSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connectClient, RequestError, type RpcClient } from '@udsipc/node';
import {
  ACK_TEXT,
  CSTRING_RECORD_BYTES,
  decodeCString,
  encodeCString,
  type TransportName,
} from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  jsonLines,
  makeTempDir,
  type ServerProcess,
  spawnServer,
  startServer,
  stopServer,
} from './helpers.js';

const transports: TransportName[] = ['dgram', 'stream'];

/** One 1024-byte exchange exactly as the seed's C clients do it, over either socket type. */
async function seedExchange(transport: TransportName, serverPath: string, dir: string): Promise<Buffer> {
  const request = encodeCString('How are you !!!');
  if (transport === 'dgram') {
    return new Promise<Buffer>((resolve, reject) => {
      const socket = new DatagramSocket((message) => {
        socket.close();
        resolve(message);
      });
      const failure = socket.bind(join(dir, 'seed-client.sock')) ?? socket.sendTo(request, serverPath);
      if (failure !== undefined && failure !== 'ok') reject(new Error(`seed client: ${failure}`));
    });
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = netConnect(serverPath, () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      if (received.length >= CSTRING_RECORD_BYTES) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

describe.each(transports)('udsipc-server over %s', (transport) => {
  let dir: string;
  let cleanup: () => void;
  let path: string;
  const servers: ServerProcess[] = [];
  const clients: RpcClient[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    path = join(dir, 's.sock');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const server of servers.splice(0)) {
      await stopServer(server, 'SIGKILL');
      server.notify.close();
    }
    cleanup();
  });

  async function server(args: string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
    const started = await startServer(dir, ['--transport', transport, '--socket', path, ...args], { env });
    servers.push(started);
    return started;
  }

  async function client(options: { timeoutMs?: number; retries?: number } = {}): Promise<RpcClient> {
    const opened = await connectClient({ transport, path, replyDirectory: join(dir, 'replies'), ...options });
    clients.push(opened as RpcClient);
    return opened as RpcClient;
  }

  it('tells NOTIFY_SOCKET READY=1 once listening, then answers ack, echo, ping and stats', async () => {
    const s = await server();
    const ready = s.notify.messages.find((message) => message.startsWith('READY=1'));
    expect(ready).toBe(`READY=1\nSTATUS=serving ${transport} on ${path}`);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const c = await client();
    await expect(c.request('ack', { text: 'How are you !!!' })).resolves.toEqual({ text: ACK_TEXT });
    await expect(c.request('echo', { text: 'héllo' })).resolves.toEqual({ text: 'héllo' });
    const ping = await c.request('ping', { sentAt: Date.now() });
    expect(ping.pid).toBe(s.child.pid);
    expect(ping.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(ping.serverTime - Date.now())).toBeLessThan(5_000);
    const error = await c.request('echo', { text: 42 } as never).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).remoteCode).toBe('INVALID_PAYLOAD');

    const stats = await c.request('stats', {});
    expect(stats).toMatchObject({
      transport,
      codec: 'auto',
      requests: 5,
      executed: 4,
      replies: 4,
      errorsByCode: { INVALID_PAYLOAD: 1 },
      sendFailuresByCode: {},
      distinctClients: 1,
      openConnections: transport === 'stream' ? 1 : 0,
    });
    expect(stats.uptimeMs).toBeGreaterThan(0);
  });

  it("answers the seed's unchanged C client wire: a 1024-byte cstring in, 'OK,I got it!' out", async () => {
    await server();
    const reply = await seedExchange(transport, path, dir);
    expect(reply.length).toBe(CSTRING_RECORD_BYTES);
    expect(decodeCString(reply)).toBe(ACK_TEXT);
  });

  it('with --codec json, refuses the seed wire instead of answering it', async () => {
    const s = await server(['--codec', 'json', '--log-format', 'json']);
    if (transport === 'dgram') {
      // A datagram is answered in JSON, as an error: the seed client's text is not an envelope.
      const reply = await seedExchange(transport, path, dir);
      expect(JSON.parse(reply.toString('utf8'))).toMatchObject({ ok: false, error: { code: 'MALFORMED' } });
    } else {
      // On a stream the first bytes are read as a length header far over the limit: the connection is closed.
      const closed = await new Promise<string>((resolve) => {
        const socket = netConnect(path, () => socket.write(encodeCString('How are you !!!')));
        socket.on('data', () => resolve('data'));
        socket.on('close', () => resolve('closed'));
        socket.on('error', () => {});
      });
      expect(closed).toBe('closed');
    }
    await stopServer(s);
    const events = jsonLines(s.stdout()).map((line) => line.event);
    expect(events).toContain(transport === 'dgram' ? 'protocol-error' : 'framing-error');
  });

  it('on SIGTERM sends STOPPING=1, removes the socket and exits 0', async () => {
    const s = await server(['--log-format', 'json']);
    const c = await client();
    await expect(c.request('echo', { text: 'before' })).resolves.toEqual({ text: 'before' });
    expect(await stopServer(s, 'SIGTERM')).toBe(0);
    await s.notify.waitFor('STOPPING=1');
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
    const lines = jsonLines(s.stdout());
    expect(lines.find((line) => line.event === 'stopping')).toMatchObject({ signal: 'SIGTERM' });
    expect(lines.at(-1)).toMatchObject({ event: 'stopped', requests: 1, replies: 1 });
    expect(s.stderr()).toBe('');
  });

  it('on SIGINT stops the same way', async () => {
    const s = await server();
    expect(await stopServer(s, 'SIGINT')).toBe(0);
    await s.notify.waitFor('STOPPING=1');
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('a second server on the live path exits 1 with SOCKET_IN_USE, and the first keeps serving', async () => {
    const first = await server();
    const second = spawnServer(dir, ['--transport', transport, '--socket', path]);
    expect(await second.exited).toBe(1);
    second.notify.close();
    expect(second.stderr()).toBe(`udsipc-server: SOCKET_IN_USE: ${path}: a live server is bound there\n`);
    expect(second.notify.messages).toEqual([]);
    expect(statSync(path).isSocket()).toBe(true);
    const c = await client();
    await expect(c.request('ping', {})).resolves.toMatchObject({ pid: first.child.pid });
  });

  it('replaces a stale socket file left by a killed server', async () => {
    const killed = await server();
    expect(await stopServer(killed, 'SIGKILL')).toBe(null);
    expect(statSync(path).isSocket()).toBe(true);
    const next = await server();
    const c = await client();
    await expect(c.request('ping', {})).resolves.toMatchObject({ pid: next.child.pid });
  });
});

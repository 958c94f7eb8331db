import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  ACK_TEXT,
  DEFAULT_MAX_FRAME_BYTES,
  decodeJsonReply,
  encodeJson,
  frameHeader,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  type TransportName,
} from '@udsipc/protocol';
import { DatagramClientTransport, DatagramSocket } from '@udsipc/transport-dgram';
import { createInbox, connect as natsConnect } from 'nats';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type NatsServer,
  natsServerUnavailable,
  startNatsServer,
} from '../../../scripts/test-support/nats-server.mjs';
import {
  connectClient,
  createServerTransport,
  RequestError,
  type RpcClient,
  RpcServer,
  TransportError,
} from '../src/mod.js';
import {
  executionCounts,
  makeTempDir,
  type ServerProcess,
  sleep,
  startServer,
  startServerExpectingFailure,
  stopServer,
} from './helpers.js';

const natsMissing = natsServerUnavailable();
if (natsMissing) console.log(`SKIPPED: shared behaviour over nats: ${natsMissing}`);
const transports: TransportName[] = ['dgram', 'stream', ...(natsMissing ? [] : (['nats'] as const))];

describe.each(transports)('shared behaviour over %s', (transport) => {
  let dir: string;
  let cleanup: () => void;
  /** The socket path, or over NATS the subject (one per test). */
  let path: string;
  const servers: ServerProcess[] = [];
  const clients: RpcClient[] = [];
  /** What only a socket has (a file, a mode, a path length) is not asked of NATS. */
  const onSockets = it.runIf(transport !== 'nats');
  let nats: NatsServer | undefined;
  let natsDir: { dir: string; cleanup: () => void } | undefined;

  beforeAll(async () => {
    if (transport !== 'nats') return;
    natsDir = makeTempDir();
    nats = await startNatsServer(natsDir.dir);
  });
  afterAll(async () => {
    await nats?.stop();
    natsDir?.cleanup();
  });

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    chmodSync(dir, 0o700);
    path =
      transport === 'nats' ? `udsipc.test.${Math.random().toString(36).slice(2)}` : join(dir, 'server.sock');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => stopServer(server, 'SIGKILL')));
    cleanup();
  });

  async function server(log = ''): Promise<ServerProcess> {
    const started = await startServer(transport, path, log, 'auto', nats ? { NATS_URL: nats.url } : {});
    servers.push(started);
    return started;
  }

  async function client(options: { timeoutMs?: number; retries?: number } = {}): Promise<RpcClient> {
    const opened = await connectClient({
      transport,
      path,
      replyDirectory: join(dir, 'replies'),
      ...(nats ? { natsUrl: nats.url, subject: path } : {}),
      ...options,
    });
    clients.push(opened as RpcClient);
    return opened as RpcClient;
  }

  it('answers a request with its reply, and ack with the seed text', async () => {
    await server();
    const c = await client();
    await expect(c.request('echo', { text: 'hello' })).resolves.toEqual({ text: 'hello' });
    await expect(c.request('ack', { text: 'How are you !!!' })).resolves.toEqual({ text: ACK_TEXT });
    const exchange = await c.exchange('echo', { text: 'with details' });
    expect(exchange).toEqual({ id: `${c.clientId}:3`, attempts: 1, payload: { text: 'with details' } });
    // echo also returns binary data as it came, as an attachment (not JSON numbers, not base64).
    const bytes = Buffer.from([0, 1, 0x7b, 0xff]);
    await expect(c.request('echo', { text: 'bin', data: bytes })).resolves.toEqual({
      text: 'bin',
      data: bytes,
    });
  });

  // From 64 KiB of attachments a message is written from the sender's own bytes (gather-frame.ts):
  // a stream writev of header, JSON and the bytes where they are; NATS copies them into its one
  // payload. A datagram cannot hold that much (its TOO_LARGE is tested below).
  it.runIf(transport !== 'dgram')(
    'echoes large attachments byte for byte, 8 in flight, from 64 KiB (gathered, not copied) up',
    async () => {
      await server();
      const c = await client({ timeoutMs: 10_000 });
      const sizes = [64 * 1024 - 1, 64 * 1024, 200_000, 900 * 1024, 64 * 1024 + 7, 300_000, 1, 512 * 1024];
      const sent = sizes.map((size) => randomBytes(size));
      const copies = sent.map((bytes) => Buffer.from(bytes));
      const replies = await Promise.all(
        sent.map((data, n) => c.request('echo', { text: `blob ${n}`, data })),
      );
      replies.forEach((reply, n) => {
        expect((reply as { text: string }).text).toBe(`blob ${n}`);
        expect(Buffer.from((reply as { data: Uint8Array }).data).equals(copies[n]!)).toBe(true);
      });
      // The caller's buffers were read, never written.
      sent.forEach((bytes, n) => {
        expect(bytes.equals(copies[n]!)).toBe(true);
      });
    },
  );

  onSockets('creates the socket file with mode 0600 and removes it on SIGTERM', async () => {
    const s = await server();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await stopServer(s)).toBe(0);
    expect(() => lstatSync(path)).toThrow();
  });

  it('matches 1,000 concurrent requests from 20 clients to their replies', async () => {
    await server();
    const many = await Promise.all(Array.from({ length: 20 }, () => client()));
    const results = await Promise.all(
      many.flatMap((c, ci) =>
        Array.from({ length: 50 }, (_, ri) =>
          c
            .request('echo', { text: `client ${ci} request ${ri}` })
            .then((reply) => [ci, ri, reply.text] as const),
        ),
      ),
    );
    expect(results).toHaveLength(1000);
    for (const [ci, ri, text] of results) expect(text).toBe(`client ${ci} request ${ri}`);
  });

  it('refuses an oversize request before sending it', async () => {
    await server();
    const c = await client();
    const limit =
      transport === 'dgram'
        ? MAX_DATAGRAM_BYTES
        : transport === 'nats'
          ? NATS_MAX_PAYLOAD
          : DEFAULT_MAX_FRAME_BYTES;
    const error = await c.request('echo', { text: 'x'.repeat(limit) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('TOO_LARGE');
    expect(c.counters.sent).toBe(0);
    await expect(c.request('echo', { text: 'still fine' })).resolves.toEqual({ text: 'still fine' });
  });

  onSockets('replaces a stale socket file left by a killed server', async () => {
    const first = await server();
    await stopServer(first, 'SIGKILL');
    expect(lstatSync(path).isSocket()).toBe(true);
    await server();
    const c = await client();
    await expect(c.request('echo', { text: 'after stale' })).resolves.toEqual({ text: 'after stale' });
  });

  onSockets('does not steal a live socket: a second server exits and the first keeps serving', async () => {
    await server();
    const refused = await startServerExpectingFailure(transport, path);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SOCKET_IN_USE');
    const c = await client();
    await expect(c.request('echo', { text: 'first still here' })).resolves.toEqual({
      text: 'first still here',
    });
  });

  onSockets('refuses a symlink, a regular file, a missing directory and an unsafe directory', async () => {
    const target = join(dir, 'elsewhere.sock');
    symlinkSync(target, path);
    expect((await startServerExpectingFailure(transport, path)).stderr).toContain('PATH_IS_SYMLINK');
    const regular = join(dir, 'regular');
    writeFileSync(regular, 'keep me');
    expect((await startServerExpectingFailure(transport, regular)).stderr).toContain('PATH_NOT_SOCKET');
    expect((await startServerExpectingFailure(transport, join(dir, 'nope', 's.sock'))).stderr).toContain(
      'PARENT_MISSING',
    );
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((await startServerExpectingFailure(transport, join(open, 's.sock'))).stderr).toContain(
      'PARENT_UNSAFE',
    );
  });

  onSockets('rejects a path longer than 107 bytes', () => {
    const long = `/tmp/${'p'.repeat(103)}`;
    expect(() => createServerTransport({ transport, path: long })).toThrow(/108 bytes/);
    try {
      createServerTransport({ transport, path: long });
    } catch (error) {
      expect((error as ProtocolError).code).toBe('PATH_TOO_LONG');
    }
  });

  it('fails with SERVER_UNAVAILABLE when nobody ever answers, after (retries + 1) x timeout of trying', async () => {
    const c = await client({ timeoutMs: 100, retries: 2 });
    const started = Date.now();
    const error = await c.request('echo', { text: 'anyone?' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('SERVER_UNAVAILABLE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect((error as RequestError).attempts).toBeGreaterThan(3);
  });

  it('fails with TIMEOUT after its retries when the server is there but never answers', async () => {
    const s = await server();
    const c = await client({ timeoutMs: 100, retries: 2 });
    s.child.kill('SIGSTOP');
    try {
      const error = await c.request('echo', { text: 'frozen?' }).catch((e: unknown) => e);
      expect((error as RequestError).code).toBe('TIMEOUT');
      expect((error as RequestError).attempts).toBe(3);
    } finally {
      s.child.kill('SIGCONT');
    }
  });

  it('turns a handler throw into an error reply, and the server keeps serving', async () => {
    await server();
    const c = await client();
    const error = await c.request('echo', { text: 'throw' }).catch((e: unknown) => e);
    expect((error as RequestError).code).toBe('REMOTE_ERROR');
    expect((error as RequestError).remoteCode).toBe('HANDLER_ERROR');
    await expect(c.request('echo', { text: 'next' })).resolves.toEqual({ text: 'next' });
  });

  async function runLoad(c: RpcClient, count: number, window: number, pauseMs: number): Promise<string[]> {
    const texts: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        const reply = await c.request('echo', { text: `m${n}` });
        texts.push(reply.text);
        await sleep(pauseMs);
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    return texts;
  }

  function expectMidStream(c: RpcClient, count: number): void {
    expect(c.counters.sent).toBeGreaterThan(0);
    expect(c.counters.sent).toBeLessThan(count);
  }

  function expectAllOnce(log: string, c: RpcClient, count: number, texts: string[]): void {
    expect(texts.sort()).toEqual(Array.from({ length: count }, (_, n) => `m${n}`).sort());
    const counts = executionCounts(log);
    const mine = [...counts].filter(([id]) => id.startsWith(`${c.clientId}:`));
    expect(mine).toHaveLength(count);
    expect(mine.filter(([, times]) => times > 1)).toEqual([]);
  }

  it('loses nothing and executes nothing twice when the server is restarted gracefully mid-stream', async () => {
    const log = join(dir, 'executions.log');
    const first = await server(log);
    const c = await client();
    const load = runLoad(c, 300, 8, 10);
    await sleep(150);
    expectMidStream(c, 300);
    expect(await stopServer(first)).toBe(0);
    await sleep(100);
    await server(log);
    const texts = await load;
    expectAllOnce(log, c, 300, texts);
    expect(c.counters.failed).toBe(0);
  });

  it('loses nothing when the server is killed (-9) and restarted mid-stream; only replies lost in the kill re-execute', async () => {
    const log = join(dir, 'executions.log');
    const first = await server(log);
    const c = await client();
    const load = runLoad(c, 300, 8, 10);
    await sleep(150);
    expectMidStream(c, 300);
    await stopServer(first, 'SIGKILL');
    await sleep(100);
    await server(log);
    const texts = await load;
    expect(texts.sort()).toEqual(Array.from({ length: 300 }, (_, n) => `m${n}`).sort());
    const twice = [...executionCounts(log)].filter(([, times]) => times > 1);
    // At most the requests in flight at the moment of the kill: the documented at-least-once case.
    expect(twice.length).toBeLessThanOrEqual(8);
    expect(c.counters.failed).toBe(0);
  });

  it('loses nothing and executes nothing twice across SIGSTOP for 2 s and SIGCONT', async () => {
    const log = join(dir, 'executions.log');
    const s = await server(log);
    const c = await client();
    const load = runLoad(c, 300, 8, 10);
    await sleep(100);
    expectMidStream(c, 300);
    s.child.kill('SIGSTOP');
    await sleep(2_000);
    s.child.kill('SIGCONT');
    const texts = await load;
    expectAllOnce(log, c, 300, texts);
    expect(c.counters.retried).toBeGreaterThan(0);
    const stats = await c.request('stats', {});
    expect(stats.resendsAnsweredFromMemory).toBeGreaterThan(0);
  });

  it('does not run a request whose deadline passed while the server was frozen: DEADLINE_EXCEEDED, counted, resends not run either', async () => {
    const s = await server();
    const c = await client({ timeoutMs: 100, retries: 1_000 });
    await expect(c.request('echo', { text: 'before' })).resolves.toEqual({ text: 'before' });
    s.child.kill('SIGSTOP');
    // Sent (and resent every 100 ms) into the frozen server's queue; its client stops waiting at the
    // deadline, whatever retries it had left.
    const late = await c
      .exchange('echo', { text: 'late' }, { deadlineMs: 300 })
      .catch((error: unknown) => error);
    expect(late).toBeInstanceOf(RequestError);
    expect(late).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/before its deadline/) });
    expect((late as RequestError).attempts).toBeGreaterThan(1);
    s.child.kill('SIGCONT');
    // The queue is read in order: by the time stats is answered, every copy of "late" was seen.
    // Asked with a patience of its own: a resend of stats would count as a resend answered too.
    const stats = await c.request('stats', {}, { timeoutMs: 120_000, retries: 0 });
    expect(stats.executedByType.echo).toBe(1);
    expect(stats.errorsByCode.DEADLINE_EXCEEDED).toBe(1);
    expect(stats.resendsAnsweredFromMemory).toBe((late as RequestError).attempts - 1);
  });

  it('delivers a notification once: acknowledged on receipt, resent while the server is frozen, run once', async () => {
    const s = await server();
    const c = await client({ timeoutMs: 100, retries: 1_000 });
    await expect(c.notify('echo', { text: 'first' })).resolves.toBeUndefined();
    s.child.kill('SIGSTOP');
    const frozen = c.notify('echo', { text: 'while frozen' });
    // Resent (same id) into the frozen server's queue until it acknowledges: once the second resend
    // is scheduled, the first has been sent.
    while (c.counters.retried < 2) await sleep(10);
    s.child.kill('SIGCONT');
    await expect(frozen).resolves.toBeUndefined();
    const stats = await c.request('stats', {});
    expect(stats.executedByType.echo).toBe(2);
    // Every copy after the first was answered with the remembered acknowledgement, not run.
    expect(stats.resendsAnsweredFromMemory).toBeGreaterThanOrEqual(1);
  });

  it('answers a garbage-sending peer with an error (or closes it) while a good client goes on', async () => {
    await server();
    const good = await client();
    const goodLoad = runLoad(good, 200, 4, 1);
    const codes =
      transport === 'dgram'
        ? await garbageOverDatagram(path, dir)
        : transport === 'nats'
          ? await garbageOverNats(nats!.url, path)
          : await garbageOverStream(path);
    expect(codes).toEqual(['MALFORMED', 'BAD_VERSION', 'UNKNOWN_TYPE', 'INVALID_PAYLOAD']);
    const texts = await goodLoad;
    expect(texts).toHaveLength(200);
    if (transport === 'nats') {
      // Over the NATS server's max_payload, NATS itself refuses it; nothing reaches the server.
    } else if (transport === 'stream') {
      // A header announcing more than the limit closes that connection at once.
      const socket = netConnect(path);
      await new Promise((resolve) => socket.once('connect', resolve));
      const valid = encodeJson({ v: 1, id: 'g:9', type: 'echo', payload: { text: 'x' } }, { maxBytes: 1000 });
      socket.write(Buffer.concat([frameHeader(valid.length), valid]));
      socket.write(frameHeader(0xffff_fff0));
      // Read (and drop) the reply to the valid frame, so the end of the stream is seen.
      socket.resume();
      await new Promise((resolve) => socket.once('close', resolve));
    } else {
      // A datagram that fills unix-dgram's 64 KiB buffer may have been cut: refused as TOO_LARGE.
      const codes = await garbageOverDatagram(path, dir, [Buffer.alloc(MAX_DATAGRAM_BYTES + 1, 0x7b)]);
      expect(codes).toEqual(['TOO_LARGE']);
    }
    await expect(good.request('echo', { text: 'after garbage' })).resolves.toEqual({ text: 'after garbage' });
  });
});

const garbage = [
  Buffer.from('{not json'),
  encodeJson({ v: 2, id: 'g:1', type: 'echo', payload: {} } as never, { maxBytes: 1000 }),
  encodeJson({ v: 1, id: 'g:2', type: 'nope', payload: {} }, { maxBytes: 1000 }),
  encodeJson({ v: 1, id: 'g:3', type: 'echo', payload: { text: 7 } }, { maxBytes: 1000 }),
];

/** Resolves once `list` holds `count` items: what a test waits for is the replies, not a time. */
async function untilLength(list: readonly unknown[], count: number): Promise<void> {
  while (list.length < count) await new Promise((resolve) => setImmediate(resolve));
}

/** Sends each garbage frame and waits for its answer before the next, so the codes come in order. */
async function garbageOverDatagram(serverPath: string, dir: string, frames = garbage): Promise<string[]> {
  const replies: Buffer[] = [];
  const socket = new DatagramSocket((message) => replies.push(message));
  const own = join(dir, `raw-${Math.random().toString(16).slice(2)}.sock`);
  expect(socket.bind(own)).toBeUndefined();
  for (const [index, frame] of frames.entries()) {
    expect(socket.sendTo(frame, serverPath)).toBe('ok');
    await untilLength(replies, index + 1);
  }
  socket.close();
  return replies.map((reply) => {
    const decoded = decodeJsonReply(reply, { maxBytes: 70_000 });
    return decoded.ok ? 'ok' : decoded.error.code;
  });
}

/** NATS's default max_payload, which the nats-server of the tests keeps. */
const NATS_MAX_PAYLOAD = 1024 * 1024;

/** The same garbage published raw to the subject, each with a reply subject, answers read in order. */
async function garbageOverNats(url: string, subject: string): Promise<string[]> {
  const connection = await natsConnect({ servers: url });
  const inbox = createInbox();
  const codes: string[] = [];
  connection.subscribe(inbox, {
    callback: (_error, message) => {
      const reply = decodeJsonReply(message.data, { maxBytes: NATS_MAX_PAYLOAD });
      codes.push(reply.ok ? 'ok' : reply.error.code);
    },
  });
  for (const [index, frame] of garbage.entries()) {
    connection.publish(subject, frame, { reply: inbox });
    await untilLength(codes, index + 1);
  }
  await connection.close();
  return codes;
}

async function garbageOverStream(serverPath: string): Promise<string[]> {
  const socket: Socket = netConnect(serverPath);
  await new Promise((resolve) => socket.once('connect', resolve));
  const codes: string[] = [];
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
      const length = buffered.readUInt32BE(0);
      const reply = decodeJsonReply(buffered.subarray(4, 4 + length), { maxBytes: 1 << 24 });
      codes.push(reply.ok ? 'ok' : reply.error.code);
      buffered = buffered.subarray(4 + length);
    }
  });
  for (const [index, frame] of garbage.entries()) {
    // The first frame must look like JSON framing (body starts with '{') for codec auto.
    socket.write(Buffer.concat([frameHeader(frame.length), frame]));
    await untilLength(codes, index + 1);
  }
  socket.destroy();
  return codes;
}

describe('datagram reply sockets', () => {
  it('are private, removed on close, and stale ones are swept but live ones kept', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const replies = join(dir, 'replies');
      const live = new DatagramClientTransport({
        path: join(dir, 'none.sock'),
        wire: 'json',
        replyDirectory: replies,
      });
      await live.open(
        () => {},
        () => {},
      );
      expect(statSync(replies).mode & 0o777).toBe(0o700);
      // A client killed with -9 leaves its reply socket behind.
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { DatagramClientTransport } from '@udsipc/transport-dgram';
           const t = new DatagramClientTransport({ path: '/nonexistent.sock', wire: 'json', replyDirectory: ${JSON.stringify(replies)} });
           await t.open(() => {}, () => {}); console.log(t.replyPath); setInterval(() => {}, 1000);`,
        ],
        { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const stalePath = await new Promise<string>((resolve) =>
        child.stdout!.once('data', (chunk) => resolve(String(chunk).trim())),
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(lstatSync(stalePath).isSocket()).toBe(true);
      const next = new DatagramClientTransport({
        path: join(dir, 'none.sock'),
        wire: 'json',
        replyDirectory: replies,
      });
      await next.open(
        () => {},
        () => {},
      );
      expect(() => lstatSync(stalePath)).toThrow();
      expect(lstatSync(live.replyPath).isSocket()).toBe(true);
      await live.close();
      await next.close();
      expect(() => lstatSync(live.replyPath)).toThrow();
      expect(() => lstatSync(next.replyPath)).toThrow();
    } finally {
      cleanup();
    }
  });
});

describe('server library errors', () => {
  it('says which check refused a path, with a stable code', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const server = new RpcServer({
        transport: createServerTransport({ transport: 'dgram', path: join(dir, 'missing', 'x.sock') }),
      });
      const error = await server.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe('PARENT_MISSING');
      expect((error as TransportError).message).toContain(join(dir, 'missing'));
    } finally {
      cleanup();
    }
  });
});

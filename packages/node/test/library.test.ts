// The library API, imported from the built package as a team adding its own message types would.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachmentSchema,
  builtinMessages,
  connectClient,
  createServer,
  defineMessage,
  HandlerError,
  RequestError,
  type RpcClient,
  type ServerLogger,
  type UdsipcServer,
} from '@udsipc/node';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { holdLoopUntil } from '../../../scripts/test-support/hold-loop.mjs';
import { makeTempDir } from './helpers.js';

const messages = {
  ...builtinMessages,
  add: defineMessage(z.object({ a: z.number(), b: z.number() }), z.object({ sum: z.number() })),
  slow: defineMessage(z.object({ ms: z.number() }), z.object({ waited: z.number() })),
  // Binary data beside JSON: the bytes travel raw after the JSON, never as numbers or base64.
  blob: defineMessage(
    z.object({ name: z.string(), data: AttachmentSchema, extra: AttachmentSchema.optional() }),
    z.object({ name: z.string(), bytes: z.number(), data: AttachmentSchema }),
  ),
};

interface Recorded {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(debug: boolean): { logger: ServerLogger; lines: Recorded[] } {
  const lines: Recorded[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  return {
    lines,
    logger: {
      isLevelEnabled: (level) => debug || level !== 'debug',
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    },
  };
}

describe.each(['dgram', 'stream'] as TransportName[])('createServer over %s', (transport) => {
  let dir: string;
  let cleanup: () => void;
  let path: string;
  const servers: UdsipcServer<typeof messages>[] = [];
  const clients: RpcClient<typeof messages>[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    path = join(dir, 'lib.sock');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop(100)));
    cleanup();
  });

  function server(logger?: ServerLogger): UdsipcServer<typeof messages> {
    const created = createServer({ transport, socket: path, codec: 'auto', messages, logger });
    servers.push(created);
    return created;
  }

  async function client(): Promise<RpcClient<typeof messages>> {
    const opened = await connectClient<typeof messages>({
      transport,
      path,
      messages,
      replyDirectory: join(dir, 'replies'),
    });
    clients.push(opened);
    return opened;
  }

  it("gives a handler its request's deadline and a signal that aborts when it passes", async () => {
    const seen: { deadline: number | undefined; reason: unknown }[] = [];
    const s = server().handle('slow', async ({ ms }, context) => {
      // Waits for `ms` or until nobody waits any more, whichever comes first.
      const reason = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve('finished'), ms);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(context.signal.reason);
        });
      });
      seen.push({ deadline: context.deadline, reason });
      return { waited: ms };
    });
    await s.start();
    const c = await client();
    const before = Date.now();
    const quick = await c.request('slow', { ms: 1 }, { deadlineMs: 60_000 });
    expect(quick).toEqual({ waited: 1 });
    expect(seen[0]?.reason).toBe('finished');
    expect(seen[0]?.deadline).toBeGreaterThanOrEqual(before + 60_000);
    // Whether this client sees the handler's early reply or gives up first is a race at the
    // deadline; what matters is the handler's side.
    await c.request('slow', { ms: 60_000 }, { deadlineMs: 200, timeoutMs: 50 }).catch(() => undefined);
    // The handler was told: its signal aborted with DEADLINE_EXCEEDED, long before its 60 s wait.
    await expect.poll(() => seen.length, { timeout: 60_000 }).toBe(2);
    expect(seen[1]?.reason).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('cancels a request through its AbortSignal: CANCELLED at once, the running handler told, a later copy never run', async () => {
    const seen: unknown[] = [];
    let adds = 0;
    const s = server()
      .handle('slow', async ({ ms }, context) => {
        const reason = await new Promise((resolve) => {
          const timer = setTimeout(() => resolve('finished'), ms);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(context.signal.reason);
          });
        });
        seen.push(reason);
        return { waited: ms };
      })
      .handle('add', ({ a, b }) => {
        adds++;
        return { sum: a + b };
      });
    await s.start();
    const c = await client();
    // Running: the client gives up at once, the handler's signal aborts with CANCELLED.
    const controller = new AbortController();
    const running = c.request('slow', { ms: 60_000 }, { signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => s.stats().executedByType.slow, { timeout: 60_000 }).toBe(1);
    controller.abort();
    expect(await running).toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => seen.length, { timeout: 60_000 }).toBe(1);
    expect(seen[0]).toMatchObject({ code: 'CANCELLED' });
    // Not yet seen by the server: remembered as cancelled, so the copy that comes later never runs.
    const before = await c.exchange('add', { a: 1, b: 1 });
    const counter = Number.parseInt(before.id.split(':')[1]!, 36);
    const next = `${c.clientId}:${(counter + 2).toString(36)}`;
    await expect(c.request('cancel', { id: next })).resolves.toEqual({ cancelled: true });
    const refused = await c.exchange('add', { a: 2, b: 2 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'CANCELLED', requestId: next });
    expect(adds).toBe(1);
    // Answered already: nothing to cancel.
    await expect(c.request('cancel', { id: before.id })).resolves.toEqual({ cancelled: false });
    // A signal aborted before the call: nothing is sent.
    const sent = c.counters.sent;
    await expect(c.request('add', { a: 3, b: 3 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(c.counters.sent).toBe(sent);
  });

  it('acknowledges a notification on receipt, before its handler is done, and sends nothing more', async () => {
    let finished = false;
    const s = server().handle('slow', async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      finished = true;
      return { waited: ms };
    });
    await s.start();
    const c = await client();
    await expect(c.notify('slow', { ms: 1_000 })).resolves.toBeUndefined();
    // Acknowledged while the handler still ran; its outcome is not a reply anyone gets.
    expect(finished).toBe(false);
    expect(s.stats().executedByType.slow).toBe(1);
    await expect.poll(() => finished, { timeout: 60_000 }).toBe(true);
    expect(s.stats().replies).toBe(1);
    expect(c.counters.lateReplies).toBe(0);
  });

  it("tells a handler who called, from the kernel: this process's uid and gid, and for stream its pid", async () => {
    const callers: unknown[] = [];
    const s = server().handle('add', ({ a, b }, context) => {
      callers.push(context.caller);
      return { sum: a + b };
    });
    await s.start();
    const c = await client();
    await c.request('add', { a: 1, b: 2 });
    const uid = process.getuid!();
    const gid = process.getgid!();
    // The datagram reply directory here is private (0700, ours), so the sender's path names us.
    expect(callers).toEqual([transport === 'stream' ? { uid, gid, pid: process.pid } : { uid, gid }]);
  });

  it('refuses, per message type, a caller its access policy does not list: FORBIDDEN, not run, counted', async () => {
    let added = 0;
    const created = createServer({
      transport,
      socket: path,
      messages,
      // This process's uid may echo; only a uid nobody has here may add.
      access: { byType: { echo: { uids: [process.getuid!()] }, add: { uids: [4_000_000_000] } } },
    }).handle('add', ({ a, b }) => {
      added++;
      return { sum: a + b };
    });
    servers.push(created);
    await created.start();
    const c = await client();
    await expect(c.request('echo', { text: 'allowed' })).resolves.toEqual({ text: 'allowed' });
    const refused = await c.request('add', { a: 1, b: 2 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RequestError);
    expect((refused as RequestError).remoteCode).toBe('FORBIDDEN');
    expect(added).toBe(0);
    expect(created.stats().errorsByCode).toEqual({ FORBIDDEN: 1 });
  });

  it('carries binary attachments both ways, typed by the schema, up to the transport limit and refused clearly beyond', async () => {
    let executed = 0;
    const s = server().handle('blob', async (payload) => {
      expectTypeOf(payload.data).toEqualTypeOf<Uint8Array>();
      executed++;
      // Outlasts the client's time-out below: its resends are answered by this one execution.
      if (payload.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
      // The reply's bytes: the request's, reversed, so the test sees they went both ways.
      const data = Buffer.from(payload.data).reverse();
      return { name: payload.name, bytes: payload.data.byteLength + (payload.extra?.byteLength ?? 0), data };
    });
    await s.start();
    const c = await client();
    // Each size a datagram can carry with room for the JSON, or a large one for stream.
    const size = transport === 'dgram' ? 60 * 1024 : 4 * 1024 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) & 0xff;
    const reply = await c.request('blob', { name: 'first', data, extra: Buffer.from([1, 2, 3]) });
    expectTypeOf(reply.data).toEqualTypeOf<Uint8Array>();
    expect(reply.name).toBe('first');
    expect(reply.bytes).toBe(size + 3);
    expect(Buffer.from(reply.data).equals(Buffer.from(data).reverse())).toBe(true);
    // Empty attachments and many in flight keep their order and their bytes.
    const many = await Promise.all(
      Array.from({ length: 64 }, (_, n) => c.request('blob', { name: `n${n}`, data: Buffer.alloc(n, n) })),
    );
    expect(
      many.map((r) => [
        r.name,
        r.bytes,
        Buffer.from(r.data).equals(Buffer.alloc(r.bytes, Number(r.name.slice(1)))),
      ]),
    ).toEqual(Array.from({ length: 64 }, (_, n) => [`n${n}`, n, true]));
    // A payload whose schema wants bytes is refused when given none, as any invalid payload.
    const wrong = await c
      .request('blob', { name: 'x', data: 'text' } as never)
      .catch((error: unknown) => error);
    expect((wrong as RequestError).remoteCode).toBe('INVALID_PAYLOAD');
    if (transport === 'dgram') {
      // Over the 65,535-byte datagram: refused before sending, with the sizes, never cut.
      const tooLarge = await c
        .request('blob', { name: 'big', data: Buffer.alloc(65_536) })
        .catch((error: unknown) => error);
      expect(tooLarge).toMatchObject({ code: 'TOO_LARGE' });
      expect(String((tooLarge as Error).message)).toMatch(/65536 of them binary/);
    }
    // A resend (same id) of a request with attachments is answered with the one execution's reply.
    const impatient = await connectClient<typeof messages>({
      transport,
      path,
      messages,
      replyDirectory: join(dir, 'replies'),
      timeoutMs: 100,
      // Resends only prove the point: patience enough for a busy machine.
      retries: 600,
    });
    clients.push(impatient);
    const slow = await impatient.exchange('blob', { name: 'slow', data: Buffer.from('resent') });
    expect(slow.attempts).toBeGreaterThan(1);
    expect(Buffer.from(slow.payload.data).toString()).toBe('tneser');
    expect(executed).toBe(1 + 64 + 1);
  });

  it('pushes events to subscribers, from handlers and from the library, numbered and counted', async () => {
    const s = server();
    s.handle('add', ({ a, b }) => {
      s.publish('sums', { sum: a + b });
      return { sum: a + b };
    });
    await s.start();
    const [first, second, caller] = [await client(), await client(), await client()];
    const seen: [string, number, unknown][] = [];
    const firstSub = await first.subscribe('sums', (event) => seen.push(['first', event.seq, event.payload]));
    await second.subscribe('sums', (event) => seen.push(['second', event.seq, event.payload]));
    for (let a = 1; a <= 5; a++) await caller.request('add', { a, b: 10 });
    await expect.poll(() => seen.length).toBe(10);
    for (const who of ['first', 'second']) {
      expect(seen.filter(([name]) => name === who).map(([, seq, payload]) => [seq, payload])).toEqual([
        [1, { sum: 11 }],
        [2, { sum: 12 }],
        [3, { sum: 13 }],
        [4, { sum: 14 }],
        [5, { sum: 15 }],
      ]);
    }
    expect(firstSub.counters).toMatchObject({ received: 5, missed: 0, unaccounted: 0, restarts: 0 });
    // One subscription per topic and client; a topic the server would refuse is refused here.
    await expect(first.subscribe('sums', () => {})).rejects.toMatchObject({ code: 'ALREADY_SUBSCRIBED' });
    await expect(first.subscribe('no spaces', () => {})).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    // Closing unsubscribes: the next event reaches the other subscriber only.
    await firstSub.close();
    expect(s.publish('sums', { sum: 0 })).toEqual({ seq: 6, delivered: 1, dropped: 0 });
    await expect.poll(() => seen.length).toBe(11);
    expect(seen.at(-1)).toEqual(['second', 6, { sum: 0 }]);
    // Binary data travels as an attachment, as in replies; an event over the frame limit is refused
    // before it is numbered.
    const blobs: unknown[] = [];
    await first.subscribe('blobs', (event) => blobs.push(event.payload));
    expect(s.publish('blobs', { data: new Uint8Array([1, 2, 3]) }).delivered).toBe(1);
    await expect.poll(() => blobs.length).toBe(1);
    expect(blobs[0]).toEqual({ data: Buffer.from([1, 2, 3]) });
    if (transport === 'dgram') {
      expect(() => s.publish('blobs', { text: 'x'.repeat(70_000) })).toThrow(
        expect.objectContaining({ code: 'TOO_LARGE' }),
      );
      expect(s.publish('blobs', {}).seq).toBe(2);
    }
    expect(s.stats().events).toMatchObject({ subscriptions: 2, expired: 0 });
    // What a client publishes goes the same way: the built-in publish type.
    expect(await caller.request('publish', { topic: 'sums', event: 'from a client' })).toEqual({
      seq: 7,
      delivered: 1,
      dropped: 0,
    });
    await expect.poll(() => seen.at(-1)).toEqual(['second', 7, 'from a client']);
  });

  it('lets go of a subscription its client stopped renewing, and a server without push says so', async () => {
    const s = createServer({ transport, socket: path, messages, subscriptionLeaseMs: 200 });
    servers.push(s);
    await s.start();
    const gone = await client();
    const kept = await client();
    const keptSub = await kept.subscribe('ticks', () => {});
    await gone.subscribe('ticks', () => {});
    expect(s.stats().events?.subscriptions).toBe(2);
    // Closed without unsubscribing, as a killed client would be: its lease runs out (the sweep runs
    // every second); the other client renews at a third of the lease and keeps its own.
    await gone.close();
    await expect.poll(() => s.stats().events?.expired, { timeout: 60_000 }).toBe(1);
    expect(s.stats().events?.subscriptions).toBe(1);
    expect(s.publish('ticks', 1).delivered).toBe(1);
    await expect.poll(() => keptSub.counters.received).toBe(1);
    await s.stop(100);
    // A server whose registry has no `subscribe` answers UNKNOWN_TYPE, and the client keeps nothing.
    const plain = createServer({ transport, socket: path, messages: { echo: builtinMessages.echo } });
    servers.push(plain);
    await plain.start();
    const c = await client();
    const refused = await c.subscribe('ticks', () => {}).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'UNKNOWN_TYPE' });
    await expect(c.subscribe('ticks', () => {})).rejects.toMatchObject({ remoteCode: 'UNKNOWN_TYPE' });
  });

  it('serves a message type of its own, typed, beside the built-in ones', async () => {
    const s = server().handle('add', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ a: number; b: number }>();
      return { sum: payload.a + payload.b };
    });
    // @ts-expect-error: 'nope' is not in the registry
    expect(() => s.handle('nope', () => ({}))).toThrow(/no schema for message type "nope"/);
    await s.start();
    const c = await client();
    const sum = await c.request('add', { a: 1, b: 2 });
    expectTypeOf(sum).toEqualTypeOf<{ sum: number }>();
    expect(sum).toEqual({ sum: 3 });
    await expect(c.request('echo', { text: 'built-in' })).resolves.toEqual({ text: 'built-in' });
    const refused = await c.request('add', { a: 1, b: 'two' } as never).catch((error: unknown) => error);
    expect((refused as RequestError).remoteCode).toBe('INVALID_PAYLOAD');
    // A type in the registry without a handler is refused by name, not crashed on.
    const unhandled = await c.request('slow', { ms: 1 }).catch((error: unknown) => error);
    expect(unhandled).toBeInstanceOf(RequestError);
    expect((unhandled as RequestError).remoteCode).toBe('UNKNOWN_TYPE');
    expect(s.stats()).toMatchObject({ transport, requests: 4, executed: 2 });
    // Its contract, from the running server: the types it answers (those with a handler), each with
    // the JSON Schema of its request and reply, made from the zod schemas.
    const contract = await c.request('describe', {});
    expect(Object.keys(contract.types)).toEqual([
      'ack',
      'add',
      'cancel',
      'describe',
      'echo',
      'ping',
      'publish',
      'stats',
      'subscribe',
      'unsubscribe',
    ]);
    expect(contract.types.add).toEqual({
      request: expect.objectContaining({ properties: { a: { type: 'number' }, b: { type: 'number' } } }),
      reply: expect.objectContaining({ properties: { sum: { type: 'number' } }, required: ['sum'] }),
    });
  });

  it("replies with a handler's own error code, and logs the failure as a warning", async () => {
    const { logger, lines } = recordingLogger(false);
    await server(logger)
      .handle('add', ({ a }) => {
        if (a < 0) throw new HandlerError('NEGATIVE', 'a must not be negative');
        return { sum: a };
      })
      .start();
    const c = await client();
    const error = await c.request('add', { a: -1, b: 0 }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'NEGATIVE' });
    expect(lines).toContainEqual({
      level: 'warn',
      fields: expect.objectContaining({ event: 'handler-error', code: 'NEGATIVE', type: 'add' }),
      message: 'handler failed',
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      fields: { event: 'listening', transport, path, codec: 'auto', mode: '0600', pid: process.pid },
    });
    // Below debug, requests are not logged at all.
    expect(lines.filter((line) => line.level === 'debug')).toEqual([]);
  });

  it('stop() answers the request in flight, then removes the socket', async () => {
    let entered: () => void = () => {};
    const handlerRunning = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const s = server().handle('slow', async ({ ms }) => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { waited: ms };
    });
    await s.start();
    const c = await client();
    const reply = c.request('slow', { ms: 300 });
    await handlerRunning;
    const stopped = s.stop();
    await expect(reply).resolves.toEqual({ waited: 300 });
    await stopped;
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
    // Stopped means stopped: nothing is answered any more.
    await expect(c.request('echo', { text: 'late' }, { timeoutMs: 50, retries: 1 })).rejects.toBeInstanceOf(
      RequestError,
    );
  });

  it('quiesce() holds, its socket closed and its file gone, and resume() serves again', async () => {
    const s = server();
    await s.start();
    const c = await client();
    await expect(c.request('echo', { text: 'one' })).resolves.toEqual({ text: 'one' });
    await s.quiesce();
    expect(s.stats().openConnections).toBe(0);
    // Quiesced, it holds no socket on its path (nothing for criu to dump half of, no queue).
    expect(existsSync(path)).toBe(false);
    const held = c.request('echo', { text: 'two' }, { timeoutMs: 100, retries: 50 });
    await s.resume();
    await expect(held).resolves.toEqual({ text: 'two' });
  });
});

describe('createServer over stream: tuning passed to the transport', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * Connections a server with `acceptsPerTurn` has taken one turn after 12 arrived at once: a child
   * connects them while this loop is held, so all 12 wait in the listener's backlog.
   */
  async function takenInOneTurn(acceptsPerTurn: number | undefined): Promise<number> {
    const temp = makeTempDir();
    cleanups.push(temp.cleanup);
    const path = join(temp.dir, 's.sock');
    const marker = join(temp.dir, 'connected');
    const s = createServer({
      transport: 'stream',
      socket: path,
      ...(acceptsPerTurn ? { acceptsPerTurn } : {}),
    });
    await s.start();
    cleanups.push(() => s.stop(1_000));
    const script = `const net = require('node:net'); const fs = require('node:fs'); let open = 0;
      for (let i = 0; i < 12; i++) net.connect(process.argv[1]).on('connect', () => {
        if (++open === 12) fs.writeFileSync(process.argv[2], 'connected'); }).on('error', () => process.exit(1));
      setInterval(() => {}, 60000);`;
    const child = spawn(process.execPath, ['-e', script, path, marker], { stdio: 'ignore' });
    cleanups.push(() => {
      child.kill();
    });
    return new Promise<number>((resolve, reject) => {
      setTimeout(() => {
        try {
          holdLoopUntil(() => existsSync(marker), 30_000);
          setImmediate(() => resolve(s.stats().openConnections));
        } catch (error) {
          reject(error);
        }
      }, 0);
    });
  }

  it('acceptsPerTurn: 1 takes one waiting connection a turn, the default 16 takes them all', async () => {
    expect(await takenInOneTurn(1)).toBe(1);
    expect(await takenInOneTurn(undefined)).toBe(12);
  });
});

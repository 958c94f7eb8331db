// The adapter alone, under the request/reply layer, against a real nats-server on 127.0.0.1.
import { RpcClient, RpcServer, TransportError } from '@udsipc/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NatsServer,
  natsServerUnavailable,
  startNatsServer,
} from '../../../scripts/test-support/nats-server.mjs';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import {
  NatsClientTransport,
  NatsServerTransport,
  subjectForService,
  validateNatsUrl,
  validateSubject,
} from '../src/mod.js';

describe('subjects and URLs', () => {
  it('derives a literal subject from a service name and refuses wildcards and blanks', () => {
    expect(subjectForService('orders')).toBe('udsipc.orders.rpc');
    expect(validateSubject('a.b-c.d_e')).toBe('a.b-c.d_e');
    for (const bad of ['', 'a.*', 'a.>', 'a..b', 'a b', '.a', 'x'.repeat(257)]) {
      expect(() => validateSubject(bad), bad).toThrow(TransportError);
    }
    expect(validateNatsUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(() => validateNatsUrl('http://x:1')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => validateNatsUrl('not a url')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

const missing = natsServerUnavailable();
if (missing) console.log(`SKIPPED: the NATS adapter against a nats-server: ${missing}`);

describe.skipIf(missing !== undefined)('the NATS adapter', () => {
  let nats: NatsServer;
  let scratch: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    scratch = makeTempDir();
    nats = await startNatsServer(scratch.dir);
  });
  afterAll(async () => {
    await nats.stop();
    scratch.cleanup();
  });

  it('answers requests, says NO_RESPONDERS without a server, and serves again after quiesce and resume', async () => {
    const subject = 'udsipc.adapter.rpc';
    const client = new RpcClient({
      transport: new NatsClientTransport({ url: nats.url, subject }),
      timeoutMs: 5_000,
      retries: 0,
    });
    await client.open();
    // Nobody subscribed: NATS says so at once, and the request fails as unavailable, not a time-out.
    const early = await client
      .request('echo', { text: 'anyone?' }, { retries: 1, timeoutMs: 200 })
      .catch((error: unknown) => error);
    expect(early).toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      message: expect.stringMatching(/NO_RESPONDERS/),
    });
    const transport = new NatsServerTransport({ url: nats.url, subject });
    const server = new RpcServer({ transport });
    server.handle('echo', (payload) => payload);
    await server.start();
    expect(transport.maxFrameBytes).toBe(1024 * 1024);
    await expect(client.request('echo', { text: 'hello' })).resolves.toEqual({ text: 'hello' });
    await server.quiesce();
    const waiting = client.request('echo', { text: 'after resume' }, { retries: 100, timeoutMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.resume();
    await expect(waiting).resolves.toEqual({ text: 'after resume' });
    expect(server.stats()).toMatchObject({ transport: 'nats', executedByType: { echo: 2 } });
    await client.close();
    await server.stop();
  });

  it('pushes events to a subscriber over NATS, in order, to the reply subject of its subscribe', async () => {
    const subject = 'udsipc.push.rpc';
    const server = new RpcServer({ transport: new NatsServerTransport({ url: nats.url, subject }) });
    await server.start();
    const client = new RpcClient({ transport: new NatsClientTransport({ url: nats.url, subject }) });
    await client.open();
    const seen: unknown[] = [];
    const subscription = await client.subscribe('prices', (event) => seen.push([event.seq, event.payload]));
    for (const price of [10, 11, 12]) expect(server.publish('prices', { price }).delivered).toBe(1);
    await expect.poll(() => seen.length).toBe(3);
    expect(seen).toEqual([
      [1, { price: 10 }],
      [2, { price: 11 }],
      [3, { price: 12 }],
    ]);
    expect(subscription.counters).toMatchObject({ received: 3, missed: 0 });
    await subscription.close();
    expect(server.publish('prices', { price: 13 }).delivered).toBe(0);
    await client.close();
    await server.stop();
  });

  it('refuses to start without a NATS server (BROKER_UNREACHABLE) and a cstring codec (INVALID_OPTION)', async () => {
    const nowhere = new RpcServer({
      transport: new NatsServerTransport({ url: 'nats://127.0.0.1:1', subject: 'a.b' }),
    });
    await expect(nowhere.start()).rejects.toMatchObject({ code: 'BROKER_UNREACHABLE' });
    expect(() => new NatsServerTransport({ url: nats.url, subject: 'a.b', codec: 'cstring' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});

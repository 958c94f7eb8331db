// Server push across what the server goes through: subscribers are real `udsipc-client subscribe`
// processes, the server a real `udsipc-server`, and a publisher keeps 64 `publish` requests in
// flight throughout. What is checked is the promise of subscriptions: every event published while
// a client is subscribed is received or counted as missed by it, never silently lost, and the
// numbers a client sees never repeat or go back.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient } from '@udsipc/node';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLIENT_CLI,
  MIGRATE_CLI,
  node,
  type Running,
  SERVER_CLI,
  stop,
  waitForSocket,
} from '../src/daemons.js';
import {
  criuUnavailable,
  isAlive,
  killAndWait,
  serverStats,
  startDetachedServer,
} from '../src/migration-harness.js';
import { PATIENT, PATIENT_FLAGS, until } from '../src/patience.js';
import { makeTempDir } from '../src/temp-dir.js';

const TOPIC = 'orders.created';
const WINDOW = 64;
const criuMissing = criuUnavailable();
if (criuMissing) console.log(`SKIPPED: subscriptions across a CRIU checkpoint: ${criuMissing}`);

interface SubscriberSummary {
  topic: string;
  received: number;
  missed: number;
  unaccounted: number;
  restarts: number;
}

interface SubscriberOutput {
  /** Event numbers received, by epoch, in the order they came. */
  seqsByEpoch: Map<string, number[]>;
  missed: number;
  summary: SubscriberSummary | undefined;
}

function readSubscriber(subscriber: Running): SubscriberOutput {
  const seqsByEpoch = new Map<string, number[]>();
  let missed = 0;
  let summary: SubscriberSummary | undefined;
  const text = subscriber.stdout();
  // Only whole lines: the last one may still be being written.
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as {
      seq?: number;
      epoch?: string;
      missed?: number;
      summary?: SubscriberSummary;
    };
    if (record.seq !== undefined && record.epoch !== undefined) {
      const seqs = seqsByEpoch.get(record.epoch) ?? [];
      seqs.push(record.seq);
      seqsByEpoch.set(record.epoch, seqs);
    } else if (record.missed !== undefined) {
      missed += record.missed;
    } else if (record.summary) {
      summary = record.summary;
    }
  }
  return { seqsByEpoch, missed, summary };
}

/** Received plus counted as missed: what the subscriber has accounted for. */
function accountedSoFar(subscriber: Running): number {
  const { seqsByEpoch, missed } = readSubscriber(subscriber);
  let received = 0;
  for (const seqs of seqsByEpoch.values()) received += seqs.length;
  return received + missed;
}

/** Waits until each subscriber has received or counted as missed all `count` events. */
async function accountedFor(subscribers: readonly Running[], count: number): Promise<void> {
  for (const sub of subscribers) {
    await until(
      () => accountedSoFar(sub) >= count,
      'every event received or counted as missed',
      () => readSubscriber(sub),
    );
  }
}

async function startSubscriber(transport: TransportName, socket: string, replyDir: string): Promise<Running> {
  const subscriber = node(
    CLIENT_CLI,
    ['subscribe', TOPIC, '--transport', transport, '--socket', socket, '--json', ...PATIENT_FLAGS],
    { UDSIPC_REPLY_DIR: replyDir },
  );
  await until(
    () => subscriber.stdout().includes('{"subscribed"'),
    'the subscriber to be subscribed',
    () => subscriber.stderr(),
  );
  return subscriber;
}

/**
 * Stops a subscriber (it unsubscribes and summarises), logs its summary under `label`, and checks
 * what it printed against that summary and against the promise: every one of the `count` events
 * received or counted as missed, none unaccounted, the numbers of each epoch only going up.
 */
async function stopSubscriber(
  subscriber: Running,
  count: number,
  label: string,
): Promise<SubscriberOutput & { summary: SubscriberSummary }> {
  const code = await stop(subscriber, 'SIGTERM');
  const output = readSubscriber(subscriber);
  expect(code, subscriber.stderr()).toBe(0);
  expect(output.summary, subscriber.stdout().slice(-500)).toBeDefined();
  const summary = output.summary!;
  console.log(`${label}: ${JSON.stringify(summary)}`);
  let received = 0;
  for (const seqs of output.seqsByEpoch.values()) {
    received += seqs.length;
    // Within one server instance the numbers only go up: nothing twice, nothing out of order.
    for (let index = 1; index < seqs.length; index++) expect(seqs[index]!).toBeGreaterThan(seqs[index - 1]!);
  }
  expect(summary.received).toBe(received);
  expect(summary.missed).toBe(output.missed);
  expect(summary.unaccounted).toBe(0);
  expect(summary.received + summary.missed).toBe(count);
  return { ...output, summary };
}

/**
 * Publishes `count` events, `WINDOW` in flight, each a request that is resent (same id) until
 * answered: every one is published exactly once, whatever the server goes through.
 */
function startPublisher(
  transport: TransportName,
  socket: string,
  replyDirectory: string,
  count: number,
  eventBytes = 16,
): { published: () => number; done: Promise<number> } {
  let published = 0;
  const done = (async () => {
    const client = await connectClient({ transport, path: socket, replyDirectory, ...PATIENT });
    let next = 0;
    const padding = 'x'.repeat(eventBytes);
    const worker = async () => {
      while (next < count) {
        const n = next++;
        await client.request('publish', { topic: TOPIC, event: { n, padding } });
        published++;
      }
    };
    try {
      await Promise.all(Array.from({ length: WINDOW }, worker));
    } finally {
      await client.close();
    }
    return published;
  })();
  return { published: () => published, done };
}

describe.each(['dgram', 'stream'] as const)('subscriptions over %s', (transport: TransportName) => {
  let dir: string;
  let cleanup: () => void;
  const pids: number[] = [];
  const running: Running[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'replies'), { mode: 0o700 });
  });
  afterEach(async () => {
    for (const process of running.splice(0)) await stop(process, 'SIGKILL');
    for (const pid of pids.splice(0)) await killAndWait(pid, 'SIGKILL');
    cleanup();
  });

  const socketOf = () => join(dir, 's.sock');
  const replies = () => join(dir, 'replies');

  async function startServer(): Promise<Running> {
    const server = node(SERVER_CLI, [
      '--transport',
      transport,
      '--socket',
      socketOf(),
      '--log-level',
      'warn',
    ]);
    running.push(server);
    await waitForSocket(socketOf());
    return server;
  }

  async function subscriber(): Promise<Running> {
    const started = await startSubscriber(transport, socketOf(), replies());
    running.push(started);
    return started;
  }

  it('a graceful restart mid-stream: the subscriber follows the new server, and received + missed = published', async () => {
    const count = 3_000;
    const first = await startServer();
    const subscribers = [await subscriber(), await subscriber()];
    const publisher = startPublisher(transport, socketOf(), replies(), count);
    await until(() => publisher.published() >= count / 4, 'a quarter of the events published');
    expect(await stop(first, 'SIGTERM')).toBe(0);
    await startServer();
    expect(await publisher.done).toBe(count);
    await accountedFor(subscribers, count);
    for (const sub of subscribers) {
      // The stopping server told its last number, so nothing is unaccounted; the new one was found.
      const { summary, seqsByEpoch } = await stopSubscriber(sub, count, `${transport} restart`);
      expect(summary.restarts).toBe(1);
      expect(seqsByEpoch.size).toBeGreaterThanOrEqual(1);
    }
  }, 180_000);

  it('SIGSTOP and SIGCONT of the server mid-stream: one numbering, received + missed = published', async () => {
    const count = 3_000;
    const server = await startServer();
    const sub = await subscriber();
    const publisher = startPublisher(transport, socketOf(), replies(), count);
    await until(() => publisher.published() >= count / 4, 'a quarter of the events published');
    server.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    server.child.kill('SIGCONT');
    expect(await publisher.done).toBe(count);
    await accountedFor([sub], count);
    const { summary, seqsByEpoch } = await stopSubscriber(sub, count, `${transport} SIGSTOP`);
    expect(summary.restarts).toBe(0);
    expect(seqsByEpoch.size).toBe(1);
  }, 180_000);

  it('a subscriber that stops reading: events dropped at its queue bound, counted by both ends; others unaffected', async () => {
    const count = 1_500;
    // 8 KiB events: past the datagram queue (10 in the kernel, 256 in the server) and the stream
    // high-water mark (4 MiB) well before the end.
    const eventBytes = 8 * 1024;
    await startServer();
    const slow = await subscriber();
    const healthy = await subscriber();
    slow.child.kill('SIGSTOP');
    const publisher = startPublisher(transport, socketOf(), replies(), count, eventBytes);
    expect(await publisher.done).toBe(count);
    slow.child.kill('SIGCONT');
    await accountedFor([slow, healthy], count);
    const stats = await serverStats(transport, socketOf(), replies());
    const events = (stats as unknown as { events: { published: number; delivered: number; dropped: number } })
      .events;
    console.log(`${transport} server events with a slow subscriber: ${JSON.stringify(events)}`);
    const slowSummary = (await stopSubscriber(slow, count, `${transport} slow subscriber`)).summary;
    const healthySummary = (await stopSubscriber(healthy, count, `${transport} healthy subscriber`)).summary;
    expect(slowSummary.missed).toBeGreaterThan(0);
    expect(slowSummary.received).toBeGreaterThan(0);
    expect(events.published).toBe(count);
    // What the server dropped is exactly what the subscribers counted as missed.
    expect(events.dropped).toBe(slowSummary.missed + healthySummary.missed);
    expect(events.delivered).toBe(2 * count - events.dropped);
  }, 180_000);

  it.skipIf(criuMissing !== undefined)(
    'a CRIU checkpoint and restore mid-stream: the same numbering goes on, received + missed = published',
    async () => {
      const count = 3_000;
      const server = await startDetachedServer(transport, socketOf(), join(dir, 'server.log'));
      pids.push(server.pid);
      const sub = await subscriber();
      const publisher = startPublisher(transport, socketOf(), replies(), count);
      await until(() => publisher.published() >= count / 4, 'a quarter of the events published');
      const images = join(dir, 'images');
      const dump = node(MIGRATE_CLI, ['dump', '--pid', String(server.pid), '--dir', images]);
      expect(await dump.exited, dump.stderr()).toBe(0);
      await server.exited;
      const restore = node(MIGRATE_CLI, ['restore', '--dir', images, '--json']);
      expect(await restore.exited, restore.stderr()).toBe(0);
      const restored = JSON.parse(restore.stdout().trim()) as { pid?: number };
      if (restored.pid !== undefined) pids.push(restored.pid);
      expect(await publisher.done).toBe(count);
      await accountedFor([sub], count);
      const { summary, seqsByEpoch } = await stopSubscriber(sub, count, `${transport} CRIU`);
      // A restored server is the same instance: its numbering, and its subscriptions, go on.
      expect(summary.restarts).toBe(0);
      expect(seqsByEpoch.size).toBe(1);
      expect(restored.pid === undefined || isAlive(restored.pid)).toBe(true);
    },
    180_000,
  );
});

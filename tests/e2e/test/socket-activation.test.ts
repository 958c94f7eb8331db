// Socket activation without systemd: a harness binds the socket and starts udsipc-server the way
// systemd does (descriptor 3, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES: see src/activator.ts). The
// harness keeps the socket open while the server restarts, so requests sent during the restart wait
// in the socket and the next server answers them: with client retries switched off, none is lost
// and each is executed once, in both modes. The server never unlinks the activator's socket file,
// refuses descriptors it cannot serve with a clear code, cannot be quiesced for a checkpoint while
// it serves an activated socket (it keeps serving), and udsipc-migrate refuses it with a reason.
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { RpcClient } from '@udsipc/core';
import { connectClient } from '@udsipc/node';
import type { SocketTransportName as TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Activator, activator } from '../src/activator.js';
import { HANG_GUARD_MS, MIGRATE_CLI, node, type Running, SERVER_CLI, sleep, stop } from '../src/daemons.js';
import type { JsonServer, LogRecord } from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const TRANSPORTS: TransportName[] = ['dgram', 'stream'];
/** Requests in flight per client, as the guarantees are stated for. */
const WINDOW = 64;

let dir: string;
let cleanup: () => void;
const activators: Activator[] = [];
const servers: JsonServer[] = [];
const clients: RpcClient[] = [];
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-activation-'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  for (const server of servers.splice(0)) await stop(server.running, 'SIGKILL');
  for (const held of activators.splice(0)) held.close();
  cleanup();
});

function hold(transport: TransportName): Activator {
  const held = activator(transport, join(dir, `${transport}.sock`));
  activators.push(held);
  return held;
}

async function start(held: Activator, args: readonly string[] = []): Promise<JsonServer> {
  const server = await held.start(args);
  servers.push(server);
  return server;
}

/** A client that never resends: a request the socket did not keep would fail, not be retried. */
async function clientOf(transport: TransportName, path: string): Promise<RpcClient> {
  const client = await connectClient({
    transport,
    path,
    replyDirectory: join(dir, 'replies'),
    retries: 0,
    timeoutMs: HANG_GUARD_MS,
  });
  clients.push(client);
  return client;
}

/** Sends `texts` as echo requests, `WINDOW` in flight; settles with each one's outcome, in order. */
function pipeline(client: RpcClient, texts: readonly string[]): Promise<PromiseSettledResult<string>[]> {
  const results: PromiseSettledResult<string>[] = new Array(texts.length);
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const index = next++;
      try {
        const reply = await client.request('echo', { text: texts[index]! });
        results[index] = { status: 'fulfilled', value: reply.text };
      } catch (error) {
        results[index] = { status: 'rejected', reason: error };
      }
    }
  };
  return Promise.all(Array.from({ length: WINDOW }, worker)).then(() => results);
}

function expectAllEchoed(results: PromiseSettledResult<string>[], texts: readonly string[]): void {
  const failures = results.filter((result) => result.status === 'rejected');
  expect(failures.map((failure) => String((failure as PromiseRejectedResult).reason))).toEqual([]);
  expect(results.map((result) => (result as PromiseFulfilledResult<string>).value)).toEqual(texts);
}

/** Executions a server counted over its life, from its `stopped` line. */
async function stoppedCounts(server: JsonServer): Promise<LogRecord> {
  expect(await server.stop()).toBe(0);
  return server.waitForRecord((record) => record.event === 'stopped');
}

/** Waits for `condition`; only a hang (nothing happening at all) fails. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached: hung');
    await sleep(5);
  }
}

const texts = (label: string, count: number) => Array.from({ length: count }, (_, i) => `${label}-${i}`);

describe.each(TRANSPORTS)('socket activation, %s', (transport) => {
  it('serves the passed socket, and a restart loses nothing: requests sent while no server runs wait in the socket and are answered once, retries off', async () => {
    const held = hold(transport);
    const first = await start(held);
    expect(await first.waitForRecord((record) => record.event === 'socket-activated')).toMatchObject({
      fd: 3,
      name: 'udsipc',
      path: held.path,
    });

    // Before the restart: one client, all answered.
    const before = texts('before', 256);
    const steady = await clientOf(transport, held.path);
    expectAllEchoed(await pipeline(steady, before), before);

    // A datagram client keeps its requests flowing through the restart: its socket stays connected
    // to the same socket, which queues while no server reads it.
    const across = texts('across', 2_000);
    const acrossResults = transport === 'dgram' ? pipeline(steady, across) : undefined;

    const firstCounts = await stoppedCounts(first);
    // The activator's socket file is left as it was: the activator still holds it.
    expect(lstatSync(held.path).isSocket()).toBe(true);

    // No server runs now. New clients connect (stream: into the listening socket's backlog) and
    // send; nothing can answer them until the next server starts.
    const during = [0, 1, 2].map((n) => texts(`during-${n}`, WINDOW * 2));
    const waiting = await Promise.all(during.map(() => clientOf(transport, held.path)));
    const duringResults = during.map((batch, n) => pipeline(waiting[n]!, batch));
    // Each has sent its first window (stream: written into its connection; datagram: into the
    // socket's queue, the rest held by the client until the queue has room), and none is answered.
    await until(() => waiting.every((client) => client.counters.sent >= WINDOW));
    expect(waiting.map((client) => client.counters.replied)).toEqual([0, 0, 0]);

    const second = await start(held);
    const settled = await Promise.all(duringResults);
    for (const [n, batch] of during.entries()) expectAllEchoed(settled[n]!, batch);
    if (acrossResults) expectAllEchoed(await acrossResults, across);

    const after = texts('after', 256);
    expectAllEchoed(await pipeline(steady, after), after);

    for (const client of clients.splice(0)) await client.close();
    const counts = [firstCounts, await stoppedCounts(second)];
    // Exactly once: every request sent was executed by one of the two servers, none twice.
    const sent = before.length + (acrossResults ? across.length : 0) + during.flat().length + after.length;
    expect(counts.reduce((sum, record) => sum + Number(record.executed), 0)).toBe(sent);
    expect(lstatSync(held.path).isSocket()).toBe(true);
  });

  it('refuses what it cannot serve, with a clear code, and exits 2', async () => {
    const other: TransportName = transport === 'dgram' ? 'stream' : 'dgram';
    const wrongKind = activator(other, join(dir, 'wrong-kind.sock'));
    activators.push(wrongKind);
    // The wrong kind of socket for this transport.
    const wrong = wrongKind.spawn(['--transport', transport]);
    expect(await wrong.exited).toBe(2);
    expect(wrong.stderr()).toContain('ACTIVATED_SOCKET_UNUSABLE');
    expect(wrong.stderr()).toContain(transport === 'stream' ? 'ListenStream=' : 'ListenDatagram=');

    const held = hold(transport);
    // Bound elsewhere than --socket says.
    const elsewhere = held.spawn(['--socket', join(dir, 'configured.sock')]);
    expect(await elsewhere.exited).toBe(2);
    expect(elsewhere.stderr()).toMatch(/ACTIVATED_SOCKET_UNUSABLE: .*not at the configured/);
    // Two sockets passed: a udsipc server serves one.
    const two = held.spawn([], { LISTEN_FDS: '2' });
    expect(await two.exited).toBe(2);
    expect(two.stderr()).toContain('ACTIVATION_INVALID');
    // None of them removed the activator's file.
    expect(lstatSync(held.path).isSocket()).toBe(true);

    // --socket naming the passed socket's path is accepted.
    const named = await start(held, ['--socket', held.path]);
    const client = await clientOf(transport, held.path);
    expect(await client.request('echo', { text: 'named' })).toEqual({ text: 'named' });
    await client.close();
    clients.splice(clients.indexOf(client), 1);
    expect(await named.stop()).toBe(0);
  });

  it('variables meant for another process (LISTEN_PID not ours) are ignored: it binds its own socket', async () => {
    const path = join(dir, 'own.sock');
    const server = node(SERVER_CLI, ['--transport', transport, '--socket', path, '--log-format', 'json'], {
      LISTEN_FDS: '1',
      LISTEN_PID: '1',
    });
    children.push(server);
    await server.waitForLine((line) => line.includes('"event":"listening"'));
    expect(server.stdout()).not.toContain('socket-activated');
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(await stop(server)).toBe(0);
    // Its own socket file it removes, as always.
    expect(existsSync(path)).toBe(false);
  });

  it('cannot be quiesced for a checkpoint (it keeps serving), and udsipc-migrate refuses it with the reason', async () => {
    const held = hold(transport);
    const server = await start(held);
    const migrate = node(MIGRATE_CLI, ['dump', '--pid', String(server.pid), '--dir', join(dir, 'ckpt')]);
    children.push(migrate);
    expect(await migrate.exited).toBe(1);
    expect(migrate.stderr()).toMatch(/SOCKET_ACTIVATED: .*restart the service instead/);

    server.running.child.kill('SIGUSR2');
    expect(await server.waitForRecord((record) => record.event === 'quiesce-refused')).toMatchObject({
      code: 'ACTIVATED_SOCKET_HELD',
    });
    const client = await clientOf(transport, held.path);
    expect(await client.request('echo', { text: 'still serving' })).toEqual({ text: 'still serving' });
  });
});

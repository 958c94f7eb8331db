// Deterministic regressions for the facts the exactly-once promise rests on (issue 10). None of
// them waits for a time to pass: each sets the situation up step by step and counts executions.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { StatsReply, TransportName } from '@udsipc/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, type RpcClient } from '../src/mod.js';
import {
  executionCounts,
  type ServerProcess,
  startServer,
  stopServer,
  useServerWorkspace,
} from './helpers.js';
import { RawPeer } from './raw-peer.js';

const transports: TransportName[] = ['dgram', 'stream'];

describe.each(transports)('exactly once over %s', (transport) => {
  const ws = useServerWorkspace();
  const servers: ServerProcess[] = [];
  const clients: RpcClient[] = [];
  const peers: RawPeer[] = [];

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => stopServer(server, 'SIGKILL')));
  });

  async function server(env: Record<string, string> = {}): Promise<ServerProcess> {
    const started = await startServer(transport, ws.path, ws.log, 'auto', env);
    servers.push(started);
    return started;
  }

  async function rawPeer(bound = true): Promise<RawPeer> {
    const peer = await RawPeer.open(transport, ws.path, bound ? ws.dir : undefined);
    peers.push(peer);
    return peer;
  }

  async function stats(): Promise<StatsReply> {
    const client = await connectClient({ transport, path: ws.path, replyDirectory: join(ws.dir, 'replies') });
    clients.push(client);
    return client.request('stats', {});
  }

  it('reads every reply a server delivered before it went away, even when sending first', async () => {
    const count = 8;
    // The server stops gracefully by itself once it has run `count` echoes, replies flushed.
    await server({ EXIT_AFTER: String(count) });
    const client = await connectClient({
      transport,
      path: ws.path,
      replyDirectory: join(ws.dir, 'replies'),
      // Resends would only come from the time-out: none is due while this test runs.
      timeoutMs: 60_000,
    });
    clients.push(client);
    const replies = Array.from({ length: count }, (_, n) => client.request('echo', { text: `r${n}` }));
    let after: Promise<{ text: string }> | undefined;
    // Once the requests have left (the batch goes at the check phase), hold this event loop until
    // the server has answered them all and is gone, so the replies wait unread in our socket. Then
    // send before reading: on a connected datagram socket that send is what purges the queue.
    await new Promise<void>((resolve) =>
      setImmediate(() =>
        setImmediate(() => {
          execFileSync('sh', ['-c', `while [ -e "${ws.path}" ]; do sleep 0.01; done`]);
          after = client.request('echo', { text: 'after' });
          resolve();
        }),
      ),
    );
    await server();
    expect(await Promise.all(replies)).toEqual(Array.from({ length: count }, (_, n) => ({ text: `r${n}` })));
    expect(await after).toEqual({ text: 'after' });
    const counts = executionCounts(ws.log);
    expect([...counts.values()].filter((times) => times > 1)).toEqual([]);
    expect(counts.size).toBe(count + 1);
  });

  it('keeps the reply of one request while thousands of newer ones pass, and never reruns one below the watermark', async () => {
    await server();
    const peer = await rawPeer();
    const client = 'lost1';
    // Request 1's reply is "lost": this peer pretends it never read it, so its watermark stays at 1.
    expect(
      (await peer.exchange({ id: `${client}:1`, type: 'echo', payload: { text: 'one' }, low: 1 })).ok,
    ).toBe(true);
    const newer = 5_000;
    for (let n = 2; n <= newer + 1; n++) {
      await peer.send({
        id: `${client}:${n.toString(36)}`,
        type: 'echo',
        payload: { text: `n${n}` },
        low: 1,
      });
      // 63 more in flight at most, as a client with 64 in flight has.
      if (n % 63 === 0) await peer.waitForReplies(n);
    }
    await peer.waitForReplies(newer + 1);
    const resend = await peer.exchange({ id: `${client}:1`, type: 'echo', payload: { text: 'one' }, low: 1 });
    expect(resend).toMatchObject({ ok: true, payload: { text: 'one' } });
    // The watermark moves past 1: the server forgets it, and a late copy is refused, not rerun.
    const high = (newer + 2).toString(36);
    await peer.exchange({ id: `${client}:${high}`, type: 'echo', payload: { text: 'last' }, low: newer + 2 });
    const stale = await peer.exchange({ id: `${client}:1`, type: 'echo', payload: { text: 'one' }, low: 1 });
    expect(stale).toMatchObject({ ok: false, error: { code: 'STALE_REQUEST' } });
    const counts = executionCounts(ws.log);
    expect(counts.get(`${client}:1`)).toBe(1);
    expect([...counts.values()].filter((times) => times > 1)).toEqual([]);
    const after = await stats();
    expect(after.executedByType.echo).toBe(newer + 2);
    expect(after.resendsAnsweredFromMemory).toBe(1);
    expect(after.errorsByCode.STALE_REQUEST).toBe(1);
  });
});

describe('datagram senders without an address', () => {
  const ws = useServerWorkspace();
  let running: ServerProcess | undefined;
  const peers: RawPeer[] = [];

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    if (running) await stopServer(running, 'SIGKILL');
  });

  it('are counted as UNBOUND_PEER, and a request that came without one is answered from memory on its resend', async () => {
    running = await startServer('dgram', ws.path, ws.log);
    const unbound = await RawPeer.open('dgram', ws.path);
    const bound = await RawPeer.open('dgram', ws.path, ws.dir);
    peers.push(unbound, bound);
    // As after a CRIU restore: the datagram queued at checkpoint time arrives with no sender.
    await unbound.send({ id: 'crui:1', type: 'echo', payload: { text: 'queued' }, low: 1 });
    // Its client, not answered, resends the same id from its own address.
    const resend = await bound.exchange({ id: 'crui:1', type: 'echo', payload: { text: 'queued' }, low: 1 });
    expect(resend).toMatchObject({ ok: true, payload: { text: 'queued' } });
    const stats = await bound.exchange({ id: 'crui:2', type: 'stats', payload: {}, low: 2 });
    expect(stats.ok).toBe(true);
    const reported = (stats as { payload: StatsReply }).payload;
    expect(reported.sendFailuresByCode).toEqual({ UNBOUND_PEER: 1 });
    expect(reported.executedByType.echo).toBe(1);
    expect(reported.resendsAnsweredFromMemory).toBe(1);
    expect(executionCounts(ws.log).get('crui:1')).toBe(1);
  });
});

describe('datagram clients of one process at a full server queue', () => {
  const ws = useServerWorkspace();
  let running: ServerProcess | undefined;
  const clients: RpcClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    if (running) await stopServer(running, 'SIGKILL');
  });

  it('take turns at it: while the server is stopped 200 clients wait in line, and every request then runs once', async () => {
    running = await startServer('dgram', ws.path, ws.log);
    const many = await Promise.all(
      Array.from({ length: 200 }, () =>
        connectClient({ transport: 'dgram', path: ws.path, replyDirectory: join(ws.dir, 'replies') }),
      ),
    );
    clients.push(...many);
    // Stopped, the server reads nothing: its queue (net.unix.max_dgram_qlen, 10 here) fills with the
    // first requests and every other client of this process meets it full or waits in line behind.
    running.child.kill('SIGSTOP');
    const replies = Promise.all(
      many.flatMap((client, ci) =>
        Array.from({ length: 5 }, (_, ri) =>
          client.request('echo', { text: `c${ci} r${ri}` }).then((reply) => reply.text === `c${ci} r${ri}`),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    running.child.kill('SIGCONT');
    const matched = await replies;
    expect(matched).toHaveLength(1_000);
    expect(matched.every(Boolean)).toBe(true);
    const counts = executionCounts(ws.log);
    expect(counts.size).toBe(1_000);
    expect([...counts.values()].filter((times) => times !== 1)).toEqual([]);
  });
});

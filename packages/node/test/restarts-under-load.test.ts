// Stress: one client with 64 requests in flight while its server is replaced 20 times, gracefully
// and with kill -9. Each phase waits for a number of replies, never for a time, so a busy machine
// only makes it slower. Executions are counted per id from the servers' own append-only log.
import { join } from 'node:path';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, type RpcClient } from '../src/mod.js';
import {
  executionCounts,
  executionGenerations,
  type ServerProcess,
  startServer,
  stopServer,
  useServerWorkspace,
} from './helpers.js';

const transports: TransportName[] = ['dgram', 'stream'];
const IN_FLIGHT = 64;
const RESTARTS = 20;
/** Replies to wait for before each restart, and after the last, so every restart hits a busy client. */
const REPLIES_BETWEEN = 300;

/** 64 workers, each sending its next echo as soon as the last is answered, checking every payload. */
class Load {
  answered = 0;
  readonly mismatched: string[] = [];
  readonly failures: string[] = [];
  private next = 0;
  private stopping = false;
  private waiter: { at: number; resolve: () => void } | undefined;
  private readonly workers: Promise<void>[];

  constructor(private readonly client: RpcClient) {
    this.workers = Array.from({ length: IN_FLIGHT }, () => this.work());
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const text = `m${this.next++}`;
      try {
        const reply = await this.client.request('echo', { text });
        if (reply.text !== text) this.mismatched.push(`${text} -> ${reply.text}`);
      } catch (error) {
        this.failures.push(`${text}: ${(error as Error).message}`);
      }
      this.answered++;
      if (this.waiter && this.answered >= this.waiter.at) {
        this.waiter.resolve();
        this.waiter = undefined;
      }
    }
  }

  /** Resolves once `count` more requests have been answered. */
  more(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = { at: this.answered + count, resolve };
    });
  }

  async stop(): Promise<number> {
    this.stopping = true;
    await Promise.all(this.workers);
    return this.next;
  }
}

describe.each(transports)('under load over %s: one client, 64 in flight', (transport) => {
  const ws = useServerWorkspace();
  let current: ServerProcess | undefined;
  let client: RpcClient | undefined;

  afterEach(async () => {
    await client?.close();
    if (current) await stopServer(current, 'SIGKILL');
  });

  async function run(signal: NodeJS.Signals): Promise<{ sent: number; executions: Map<string, number> }> {
    current = await startServer(transport, ws.path, ws.log, 'auto', { GENERATION: '0' });
    // Patient enough that no request gives up while a server restarts on a busy machine.
    client = await connectClient({
      transport,
      path: ws.path,
      replyDirectory: join(ws.dir, 'replies'),
      retries: 120,
    });
    const load = new Load(client);
    for (let restart = 1; restart <= RESTARTS; restart++) {
      await load.more(REPLIES_BETWEEN);
      await stopServer(current, signal);
      current = await startServer(transport, ws.path, ws.log, 'auto', { GENERATION: String(restart) });
    }
    await load.more(REPLIES_BETWEEN);
    const sent = await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.mismatched).toEqual([]);
    expect(load.answered).toBe(sent);
    expect(client.counters.failed).toBe(0);
    const prefix = `${client.clientId}:`;
    const executions = new Map([...executionCounts(ws.log)].filter(([id]) => id.startsWith(prefix)));
    // Every request answered was executed: none was answered without running.
    expect(executions.size).toBe(sent);
    return { sent, executions };
  }

  it(`${RESTARTS} graceful restarts: every request answered with its own payload, none failed, none executed twice`, async () => {
    const { sent, executions } = await run('SIGTERM');
    const twice = [...executions].filter(([, times]) => times > 1);
    console.log(
      `${transport} graceful restarts: ${RESTARTS}, requests ${sent}, executed twice ${twice.length}`,
    );
    expect(twice).toEqual([]);
  });

  it(`${RESTARTS} kill -9 restarts: nothing lost; reruns bounded by the requests in flight at each kill`, async () => {
    const { sent, executions } = await run('SIGKILL');
    const twice = [...executions].filter(([, times]) => times > 1);
    // Each re-execution is charged to the kill just before it: server g+1 ran again what server g
    // had run. A kill can only lose the replies of what was in flight at that moment.
    const rerunsByKill = new Array<number>(RESTARTS + 1).fill(0);
    for (const [id, generations] of executionGenerations(ws.log)) {
      if (!id.startsWith(`${client!.clientId}:`)) continue;
      for (const generation of generations.slice(1)) rerunsByKill[generation]!++;
    }
    console.log(`${transport} kill -9 re-executions per kill: ${rerunsByKill.slice(1).join(' ')}`);
    expect(Math.max(...rerunsByKill)).toBeLessThanOrEqual(IN_FLIGHT);
    expect(rerunsByKill.reduce((total, count) => total + count, 0)).toBe(
      twice.reduce((total, [, times]) => total + times - 1, 0),
    );
    console.log(
      `${transport} kill -9 restarts: ${RESTARTS}, requests ${sent}, executed twice ${twice.length}`,
    );
    expect(twice.length).toBeLessThanOrEqual(IN_FLIGHT * RESTARTS);
  });
});

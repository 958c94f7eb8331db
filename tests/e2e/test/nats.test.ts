// The NATS transport with everything real: Debian's nats-server on a free port of 127.0.0.1,
// `udsipc-server --transport nats` processes, clients with 64 requests in flight each. What is
// checked is what the README promises over NATS: nothing lost across a NATS server's restart, a
// udsipc server leaving a queue group, and a CRIU checkpoint; each request run once with one
// server per subject, and at least once (duplicates bounded by what was in flight) with several.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, type RpcClient } from '@udsipc/node';
import type { StatsReply } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type NatsServer,
  natsServerUnavailable,
  startNatsServer,
} from '../../../scripts/test-support/nats-server.mjs';
import { CLIENT_CLI, MIGRATE_CLI, node, type Running, SERVER_CLI, stop } from '../src/daemons.js';
import { criuUnavailable, isAlive, killAndWait } from '../src/migration-harness.js';
import { PATIENT, until } from '../src/patience.js';
import { makeTempDir } from '../src/temp-dir.js';

const WINDOW = 64;
const natsMissing = natsServerUnavailable();
if (natsMissing) console.log(`SKIPPED: the NATS transport end to end: ${natsMissing}`);
const criuMissing = natsMissing ?? criuUnavailable();
if (!natsMissing && criuMissing) console.log(`SKIPPED: a NATS-mode server across CRIU: ${criuMissing}`);

interface Load {
  answered: () => number;
  /** Resolves with how many were sent, every one answered with its own text. */
  done: Promise<number>;
}

/** `count` echoes, WINDOW in flight, each resent (same id) until answered, each checked. */
function echoLoad(client: RpcClient, count: number, tag: string): Load {
  let answered = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const text = `${tag} ${next++}`;
      const reply = await client.request('echo', { text });
      if (reply.text !== text) throw new Error(`asked ${text}, got ${reply.text}`);
      answered++;
    }
  };
  const done = Promise.all(Array.from({ length: WINDOW }, worker)).then(() => count);
  return { answered: () => answered, done };
}

describe.skipIf(natsMissing !== undefined)('udsipc over NATS', () => {
  let dir: string;
  let cleanup: () => void;
  let nats: NatsServer;
  const processes: Running[] = [];
  const pids: number[] = [];
  const clients: RpcClient[] = [];
  const subject = 'udsipc.orders.rpc';

  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir());
    nats = await startNatsServer(dir);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const running of processes.splice(0)) await stop(running, 'SIGKILL');
    for (const pid of pids.splice(0)) await killAndWait(pid, 'SIGKILL');
    await nats.kill();
    cleanup();
  });

  const natsFlags = () => ['--transport', 'nats', '--nats-url', nats.url, '--subject', subject];

  async function startServer(): Promise<Running> {
    const server = node(SERVER_CLI, [...natsFlags(), '--log-format', 'json']);
    processes.push(server);
    await until(
      () => server.stdout().includes('"event":"listening"'),
      'the server to listen',
      () => server.stderr(),
    );
    return server;
  }

  async function client(): Promise<RpcClient> {
    const opened = await connectClient({ transport: 'nats', natsUrl: nats.url, subject, ...PATIENT });
    clients.push(opened);
    return opened;
  }

  /** `clients` fresh clients, each an echoLoad of `count`: answered adds them up, done sums what was sent. */
  async function load(clients: number, count: number): Promise<Load> {
    const loads = await Promise.all(
      Array.from({ length: clients }, async (_, n) => echoLoad(await client(), count, `c${n}`)),
    );
    return {
      answered: () => loads.reduce((sum, each) => sum + each.answered(), 0),
      done: Promise.all(loads.map((each) => each.done)).then((sent) => sent.reduce((a, b) => a + b, 0)),
    };
  }

  /** A server's counters, asked on its own private path: its pid's stats over a fresh client. */
  async function stats(): Promise<StatsReply> {
    const c = await client();
    return c.request('stats', {});
  }

  it('two servers in a queue group share the load; one stopping leaves the other serving: nothing lost, nothing run twice', async () => {
    const first = await startServer();
    const second = await startServer();
    const { answered, done } = await load(3, 2_000);
    await until(() => answered() >= 1_500, '1,500 answers from both servers');
    // Graceful: it leaves the queue group first, answers what it took, then closes.
    expect(await stop(first, 'SIGTERM')).toBe(0);
    const sent = await done;
    const firstExecuted = stoppedExecutions(first);
    const secondStats = await stats();
    const secondExecuted = secondStats.executedByType.echo ?? 0;
    console.log(`queue group: ${sent} sent, executed ${firstExecuted} + ${secondExecuted}`);
    expect(firstExecuted).toBeGreaterThan(0);
    expect(secondExecuted).toBeGreaterThan(0);
    expect(firstExecuted + secondExecuted).toBe(sent);
    expect(second.child.exitCode).toBeNull();
  });

  it('the NATS server killed and restarted mid-load: nothing lost, and one server runs each request once', async () => {
    await startServer();
    const { answered, done } = await load(3, 2_000);
    await until(() => answered() >= 1_000, '1,000 answers before the NATS server goes');
    await nats.kill();
    nats = await startNatsServer(dir, nats.port);
    const sent = await done;
    const after = await stats();
    console.log(
      `NATS restart: ${sent} sent, executed ${after.executedByType.echo}, resends answered from memory ${after.resendsAnsweredFromMemory}`,
    );
    // Requests and replies lost with the NATS server were resent under their ids: the one udsipc
    // server answered those it had run from its memory.
    expect(after.executedByType.echo).toBe(sent);
  });

  it('two servers and the NATS server restarted: nothing lost, a request run twice only if its reply was lost and its resend went to the other', async () => {
    const first = await startServer();
    await startServer();
    const { answered, done } = await load(3, 2_000);
    await until(() => answered() >= 1_000, '1,000 answers before the NATS server goes');
    await nats.kill();
    nats = await startNatsServer(dir, nats.port);
    const sent = await done;
    expect(await stop(first, 'SIGTERM')).toBe(0);
    const executed = stoppedExecutions(first) + ((await stats()).executedByType.echo ?? 0);
    console.log(`two servers, NATS restart: ${sent} sent, executed ${executed}`);
    expect(executed).toBeGreaterThanOrEqual(sent);
    // At most what was in flight when the link went: 3 clients x 64.
    expect(executed - sent).toBeLessThanOrEqual(3 * WINDOW);
  });

  it.skipIf(criuMissing !== undefined)(
    'udsipc-migrate checkpoints and restores a NATS-mode server under load: nothing lost, nothing run twice',
    async () => {
      // Run the way a checkpointable server runs: its own session, output to a file, no io_uring.
      const log = join(dir, 'server.log');
      const fd = openSync(log, 'a');
      const child = spawn(process.execPath, [SERVER_CLI, ...natsFlags(), '--log-format', 'json'], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, UV_USE_IO_URING: '0' },
      });
      closeSync(fd);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      pids.push(child.pid!);
      const probe = await client();
      await probe.request('ping', {});
      const { answered, done } = await load(2, 3_000);
      await until(() => answered() >= 1_000, '1,000 answers before the checkpoint');
      const images = join(dir, 'images');
      const dump = node(MIGRATE_CLI, ['dump', '--pid', String(child.pid), '--dir', images, '--json']);
      expect(await dump.exited, dump.stderr()).toBe(0);
      await exited;
      const restore = node(MIGRATE_CLI, ['restore', '--dir', images, '--json']);
      expect(await restore.exited, restore.stderr()).toBe(0);
      console.log(`NATS-mode migration: ${restore.stdout().trim()}`);
      const sent = await done;
      const after = await stats();
      console.log(`NATS-mode migration: ${sent} sent, executed ${after.executedByType.echo}`);
      expect(after.executedByType.echo).toBe(sent);
      // criu gives the server its own pid back.
      expect(isAlive(child.pid!)).toBe(true);
    },
  );

  it('udsipc-client speaks it from flags or the environment; a wildcard subject is refused', async () => {
    await startServer();
    const fromFlags = node(CLIENT_CLI, ['send', 'hi', '--type', 'echo', ...natsFlags()]);
    expect(await fromFlags.exited, fromFlags.stderr()).toBe(0);
    expect(fromFlags.stdout()).toBe('reply: hi\n');
    const fromEnv = node(CLIENT_CLI, ['send', 'hello', '--type', 'echo'], {
      UDSIPC_TRANSPORT: 'nats',
      UDSIPC_NATS_URL: nats.url,
      UDSIPC_SUBJECT: subject,
    });
    expect(await fromEnv.exited, fromEnv.stderr()).toBe(0);
    expect(fromEnv.stdout()).toBe('reply: hello\n');
    const wildcard = node(CLIENT_CLI, ['send', 'x', '--transport', 'nats', '--subject', 'udsipc.*']);
    expect(await wildcard.exited).toBe(2);
    expect(wildcard.stderr()).toMatch(/^udsipc-client: --subject: .*not a literal NATS subject/);
    const server = node(SERVER_CLI, ['--transport', 'nats', '--subject', 'udsipc.>']);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/--subject/);
    // No NATS server at the URL: the server cannot start, and says so (exit 1).
    const nowhere = node(SERVER_CLI, ['--transport', 'nats', '--nats-url', 'nats://127.0.0.1:1']);
    expect(await nowhere.exited).toBe(1);
    expect(nowhere.stderr()).toMatch(/BROKER_UNREACHABLE/);
  });
});

/** The executions a stopped server logged in its `stopped` line. */
function stoppedExecutions(server: Running): number {
  for (const line of server.stdout().split('\n')) {
    if (line.includes('"event":"stopped"')) {
      return (JSON.parse(line) as { executed: number }).executed;
    }
  }
  throw new Error(`no stopped line: ${server.stdout().slice(-500)}`);
}

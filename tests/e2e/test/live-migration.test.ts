import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient } from '@udsipc/node';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATE_CLI, node, SERVER_CLI, sleep, stop, waitForSocket } from '../src/daemons.js';
import {
  criuUnavailable,
  echoLoadAnswered,
  isAlive,
  killAndWait,
  type Summary,
  serverStats,
  startDetachedServer,
  startEchoLoad,
  startRunClient,
  stopEchoLoad,
  stopRunClient,
  waitForMoreReplies,
} from '../src/migration-harness.js';
import { makeTempDir } from '../src/temp-dir.js';

const CLIENTS = 3;
const CYCLES = 3;
/** Replies each loaded client must have before each checkpoint and after the last restore. */
const LOADED_PROGRESS = 1_000;

/** Resolves when a process that is not our child is gone. */
async function waitForExit(pid: number): Promise<void> {
  while (isAlive(pid)) await sleep(20);
}
const criuMissing = criuUnavailable();
if (criuMissing) console.log(`SKIPPED: live migration with CRIU: ${criuMissing}`);

/** An echo from a client whose request ids repeat across runs: its first request is always `replay-probe:1`. */
async function echoWithFixedId(
  transport: TransportName,
  socket: string,
  replyDirectory: string,
  text: string,
): Promise<string> {
  const client = await connectClient({ transport, path: socket, replyDirectory, clientId: 'replay-probe' });
  try {
    return (await client.request('echo', { text })).text;
  } finally {
    await client.close();
  }
}

/** Replies each client must have had before an outage and after it: progress, whatever the speed. */
const PROGRESS = 20;

function expectNothingLost(summaries: Summary[]): void {
  for (const summary of summaries) {
    expect(summary.sent).toBeGreaterThanOrEqual(2 * PROGRESS);
    expect(summary.failed).toBe(0);
    expect(summary.replied).toBe(summary.sent);
  }
}

describe.each(['dgram', 'stream'] as const)('server outages over %s', (transport: TransportName) => {
  let dir: string;
  let cleanup: () => void;
  const pids: number[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'replies'), { mode: 0o700 });
  });
  afterEach(async () => {
    for (const pid of pids.splice(0)) await killAndWait(pid, 'SIGKILL');
    cleanup();
  });

  const socketOf = () => join(dir, 's.sock');
  const replies = () => join(dir, 'replies');

  it.skipIf(criuMissing !== undefined)(
    'checkpoint and restore with CRIU while clients run: nothing lost, each request executed once',
    async () => {
      const server = await startDetachedServer(transport, socketOf(), join(dir, 'server.log'));
      pids.push(server.pid);
      const clients = Array.from({ length: CLIENTS }, () => startRunClient(transport, socketOf(), replies()));
      // One request whose id will be sent again after the restore, as a client resends after a lost reply.
      const before = await echoWithFixedId(transport, socketOf(), replies(), 'sent before the checkpoint');
      expect(before).toBe('sent before the checkpoint');
      await waitForMoreReplies(clients, PROGRESS);
      const images = join(dir, 'images');
      const dump = node(MIGRATE_CLI, ['dump', '--pid', String(server.pid), '--dir', images]);
      expect(await dump.exited, dump.stderr()).toBe(0);
      await server.exited;
      await sleep(1_000);
      const restore = node(MIGRATE_CLI, ['restore', '--dir', images, '--json']);
      expect(await restore.exited, restore.stderr()).toBe(0);
      const { pauseMs, restoreToReplyMs } = JSON.parse(restore.stdout().trim()) as {
        pauseMs: number;
        restoreToReplyMs: number;
      };
      console.log(
        `${transport}: unreachable for ${pauseMs} ms (1 s of it on purpose), first reply ${restoreToReplyMs} ms after restore began`,
      );
      expect(pauseMs).toBeGreaterThanOrEqual(1_000);
      // The restored server remembers that id: it answers with the reply it gave before the checkpoint.
      const resent = await echoWithFixedId(transport, socketOf(), replies(), 'sent after the restore');
      expect(resent).toBe('sent before the checkpoint');
      await waitForMoreReplies(clients, PROGRESS);
      const summaries = await Promise.all(clients.map(stopRunClient));
      expectNothingLost(summaries);
      const stats = await serverStats(transport, socketOf(), replies());
      const sent = summaries.reduce((total, summary) => total + summary.sent, 0);
      // Every request executed exactly once across the checkpoint: the restored server still
      // remembered the ids it had run, so resends were answered from memory, not re-run.
      expect(stats.executedByType.ack).toBe(sent);
      expect(stats.executedByType.echo).toBe(1);
      expect(stats.resendsAnsweredFromMemory).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );

  it.skipIf(criuMissing !== undefined)(
    `${CYCLES} checkpoint/restore cycles with ${CLIENTS} clients x 64 in flight: nothing lost, nothing executed twice`,
    async () => {
      const server = await startDetachedServer(transport, socketOf(), join(dir, 'server.log'));
      pids.push(server.pid);
      const clients = Array.from({ length: CLIENTS }, () => startEchoLoad(transport, socketOf(), replies()));
      let pid = server.pid;
      let exited = server.exited;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        await waitForMoreReplies(clients, LOADED_PROGRESS, echoLoadAnswered);
        const images = join(dir, `images-${cycle}`);
        const dump = node(MIGRATE_CLI, ['dump', '--pid', String(pid), '--dir', images, '--json']);
        expect(await dump.exited, dump.stderr()).toBe(0);
        await exited;
        const restore = node(MIGRATE_CLI, ['restore', '--dir', images, '--json']);
        expect(await restore.exited, restore.stderr()).toBe(0);
        const restored = JSON.parse(restore.stdout().trim()) as { pid?: number; pauseMs: number };
        console.log(`${transport} loaded cycle ${cycle + 1}: ${restore.stdout().trim()}`);
        // A restored server is no child of ours: its end is watched through /proc from now on.
        pid = restored.pid ?? pid;
        exited = waitForExit(pid);
      }
      await waitForMoreReplies(clients, LOADED_PROGRESS, echoLoadAnswered);
      const summaries = await Promise.all(clients.map(stopEchoLoad));
      const stats = await serverStats(transport, socketOf(), replies());
      const sent = summaries.reduce((total, summary) => total + summary.sent, 0);
      console.log(
        `${transport}: ${CYCLES} loaded cycles, ${sent} requests, executed ${stats.executedByType.echo}, resends answered from memory ${stats.resendsAnsweredFromMemory}, send failures ${JSON.stringify(stats.sendFailuresByCode)}`,
      );
      for (const summary of summaries) {
        expect(summary.failures).toEqual([]);
        expect(summary.failed).toBe(0);
        expect(summary.mismatched).toBe(0);
        expect(summary.answered).toBe(summary.sent);
      }
      // Every request answered with its own text was executed at least once; as many executions as
      // requests means none twice.
      expect(stats.executedByType.echo).toBe(sent);
    },
    600_000,
  );

  it('SIGSTOP for 3 s then SIGCONT: nothing lost, each request executed once', async () => {
    const server = await startDetachedServer(transport, socketOf(), join(dir, 'server.log'));
    pids.push(server.pid);
    const clients = Array.from({ length: CLIENTS }, () => startRunClient(transport, socketOf(), replies()));
    await waitForMoreReplies(clients, PROGRESS);
    process.kill(server.pid, 'SIGSTOP');
    await sleep(3_000);
    process.kill(server.pid, 'SIGCONT');
    await waitForMoreReplies(clients, PROGRESS);
    const summaries = await Promise.all(clients.map(stopRunClient));
    expectNothingLost(summaries);
    const stats = await serverStats(transport, socketOf(), replies());
    expect(stats.executedByType.ack).toBe(summaries.reduce((total, summary) => total + summary.sent, 0));
  }, 30_000);

  it('kill -9 then a fresh server on the same path: nothing lost (at-least-once)', async () => {
    const first = await startDetachedServer(transport, socketOf(), join(dir, 'server.log'));
    pids.push(first.pid);
    const clients = Array.from({ length: CLIENTS }, () => startRunClient(transport, socketOf(), replies()));
    await waitForMoreReplies(clients, PROGRESS);
    await killAndWait(first.pid, 'SIGKILL');
    const second = node(SERVER_CLI, ['--transport', transport, '--socket', socketOf()]);
    try {
      await waitForSocket(socketOf());
      await waitForMoreReplies(clients, PROGRESS);
      const summaries = await Promise.all(clients.map(stopRunClient));
      expectNothingLost(summaries);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 30_000);
});

/** The last lines of the log criu was told to write (`-o NAME` in the `-D` directory), if any. */
function criuLogTail(args: string[]): string {
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const images = at('-D');
  const log = at('-o');
  if (!images || !log) return '';
  try {
    return readFileSync(join(images, log), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** Plain `criu`, as a container runtime would run it: no quiesce, the socket dumped with its queue. */
async function criu(args: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const run = spawnSync('criu', args, { encoding: 'utf8' });
    if (run.status === 0) return;
    // criu writes its errors to the -o log, not to its output: the failure says what the log says.
    const said = `${run.stdout}${run.stderr}${criuLogTail(args)}`;
    // A restore right after the dump may find the dumped pid still held by its zombie.
    if (attempt >= 20 || !/File exists|EEXIST/.test(said)) {
      throw new Error(`criu ${args[0]} failed (exit ${String(run.status)}):\n${said}`);
    }
    await sleep(50 * attempt);
  }
}

describe('datagrams queued in the server socket at checkpoint time (plain criu, no quiesce)', () => {
  let dir: string;
  let cleanup: () => void;
  let pid: number | undefined;

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'replies'), { mode: 0o700 });
  });
  afterEach(async () => {
    if (pid !== undefined) await killAndWait(pid, 'SIGKILL');
    cleanup();
  });

  it.skipIf(criuMissing !== undefined)(
    'come back without a sender address and are still answered, each executed once',
    async () => {
      const socket = join(dir, 's.sock');
      const server = await startDetachedServer('dgram', socket, join(dir, 'server.log'));
      pid = server.pid;
      const client = await connectClient({
        transport: 'dgram',
        path: socket,
        replyDirectory: join(dir, 'replies'),
        retries: 120,
      });
      try {
        // Frozen, the server reads nothing: these requests wait in its socket's queue.
        process.kill(server.pid, 'SIGSTOP');
        const texts = ['q1', 'q2', 'q3', 'q4'];
        const replies = texts.map((text) => client.request('echo', { text }));
        // The first request leaves at once (a batch of one), the rest as one batch at the loop's
        // check phase: after two turns all of them are in the kernel, queued in the frozen
        // server's socket. Restored without their sender, batches are still unpacked and run.
        for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
        const images = join(dir, 'images');
        mkdirSync(images);
        await criu(['dump', '-t', String(server.pid), '-D', images, '-o', 'dump.log', '--ext-unix-sk']);
        await server.exited;
        await criu(['restore', '-D', images, '-d', '-o', 'restore.log', '--ext-unix-sk']);
        process.kill(server.pid, 'SIGCONT');
        expect((await Promise.all(replies)).map((reply) => reply.text)).toEqual(texts);
        const stats = await serverStats('dgram', socket, join(dir, 'replies'));
        // The queued copies arrived address-less and ran; their replies could not be sent. The
        // resends (same ids) were answered from memory, not run again.
        expect(stats.sendFailuresByCode.UNBOUND_PEER).toBeGreaterThanOrEqual(1);
        expect(stats.executedByType.echo).toBe(texts.length);
        expect(stats.resendsAnsweredFromMemory).toBeGreaterThanOrEqual(1);
      } finally {
        await client.close();
      }
    },
    120_000,
  );
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, type RpcClient } from '@udsipc/node';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stop } from '../src/daemons.js';
import { PATIENT, patientStats, until } from '../src/patience.js';
import { fdCountOf, type JsonServer, memoryOf, mib, startJsonServer } from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

/** Clients per server, all connected at once, each sending REQUESTS with WINDOW in flight. */
const CLIENTS = 200;
const REQUESTS = 50;
const WINDOW = 4;
const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 3);
/** Resident memory may grow this much from the first round to the last (the replay memory keeps 120 s of replies). */
const MAX_RSS_GROWTH_MIB = 50;
/** File descriptors may differ this much from the start once the clients are gone. */
const FD_SLACK = 2;
/** Only a hang should reach this: the rounds take what they take on a busy machine. */
const SOAK_TIMEOUT_MS = 600_000;

const TRANSPORTS: TransportName[] = ['dgram', 'stream'];

let dir: string;
let cleanup: () => void;
const servers: JsonServer[] = [];
const clients: RpcClient[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-soak-'));
  mkdirSync(join(dir, 'replies'), { mode: 0o700 });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  for (const server of servers.splice(0)) await stop(server.running, 'SIGKILL');
  cleanup();
});

interface RoundResult {
  answered: number;
  failed: string[];
}

/** Each client sends `requests` echoes, `window` at a time, and checks every reply is its own. */
async function load(client: RpcClient, tag: string, requests: number, window: number): Promise<RoundResult> {
  const result: RoundResult = { answered: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const text = `${tag}:${next++}`;
      try {
        const reply = await client.request('echo', { text });
        if (reply.text === text) result.answered++;
        else result.failed.push(`${text}: got ${reply.text}`);
      } catch (error) {
        result.failed.push(`${text}: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return result;
}

interface Sample {
  fds: number;
  rssMiB: number;
}

const sample = (pid: number): Sample => ({ fds: fdCountOf(pid), rssMiB: mib(memoryOf(pid).rssKiB) });

/**
 * Waits until the server's fd count is back within the slack of `target`: the server closes its
 * side of each connection when it gets to it, however long that takes. A leak never settles, and
 * the test then ends at its timeout, the waiting note showing the count it stuck at.
 */
async function fdsSettled(pid: number, target: number): Promise<number> {
  await until(
    () => Math.abs(fdCountOf(pid) - target) <= FD_SLACK,
    `the server's fds to settle back to ${target}`,
    () => fdCountOf(pid),
    50,
  );
  return fdCountOf(pid);
}

/** One round on one server: `count` clients connect at once, load, and close. Returns what the server held at the peak. */
async function round(
  server: JsonServer,
  transport: TransportName,
  count: number,
  requests: number,
  label: string,
): Promise<{ answered: number; failed: string[]; peak: Sample }> {
  const opened = await Promise.all(
    Array.from({ length: count }, () =>
      connectClient({
        transport,
        path: server.path,
        replyDirectory: join(dir, 'replies'),
        // A request is never given up: a slow one is resent (same id, executed once), never failed.
        ...PATIENT,
      }),
    ),
  );
  clients.push(...opened);
  // Every client has sent once before the peak is sampled: every stream connection is accepted by then.
  await Promise.all(opened.map((client) => client.request('ping', {})));
  const peak = sample(server.pid);
  const results = await Promise.all(
    opened.map((client, index) => load(client, `${label}-${index}`, requests, WINDOW)),
  );
  await Promise.all(opened.map((client) => client.close()));
  clients.splice(0, clients.length, ...clients.filter((client) => !opened.includes(client)));
  return {
    answered: results.reduce((sum, result) => sum + result.answered, 0),
    failed: results.flatMap((result) => result.failed).slice(0, 10),
    peak,
  };
}

describe('soak', () => {
  it(
    `${CLIENTS} datagram clients and ${CLIENTS} stream connections at once, ${ROUNDS} rounds of ${REQUESTS} requests each: every request answered, no fd or memory growth`,
    async () => {
      for (const transport of TRANSPORTS) {
        servers.push(await startJsonServer(transport, join(dir, `${transport}.sock`)));
      }
      const [dgram, stream] = servers as [JsonServer, JsonServer];
      // What each server holds with no client: its sockets and files (the stream server's listener
      // under several descriptors), before any client came.
      const idleFds = servers.map((server) => fdCountOf(server.pid));
      const started = Date.now();
      // Warm-up (JIT, heap, first connections), then the baseline.
      await Promise.all(
        servers.map((server, index) =>
          round(server, TRANSPORTS[index]!, 20, 20, `warm-${TRANSPORTS[index]}`),
        ),
      );
      // Sampled once the warm-up's connections are closed on the server's side too (the clients'
      // close resolves first). The peak check below counts from the idle figure, not from this one:
      // a baseline still holding a warm-up connection made the peak look short (235 vs 236, seen
      // once in CI with a busy neighbour).
      const baseline = await Promise.all(
        servers.map(async (server, index) => {
          await fdsSettled(server.pid, idleFds[index]!);
          return sample(server.pid);
        }),
      );
      const figures: Record<string, unknown>[] = [];
      for (let n = 1; n <= ROUNDS; n++) {
        // Both servers at once: 200 datagram clients and 200 stream connections in flight together.
        const results = await Promise.all(
          servers.map((server, index) => round(server, TRANSPORTS[index]!, CLIENTS, REQUESTS, `r${n}`)),
        );
        results.forEach((result, index) => {
          const transport = TRANSPORTS[index]!;
          expect(result.failed, `${transport} round ${n}`).toEqual([]);
          expect(result.answered, `${transport} round ${n}`).toBe(CLIENTS * REQUESTS);
          figures.push({
            transport,
            round: n,
            answered: result.answered,
            peakFds: result.peak.fds,
            rssMiB: mib(memoryOf(servers[index]!.pid).rssKiB),
          });
        });
        // The stream server held every connection at once: at least its idle count and one each.
        expect(results[1]!.peak.fds).toBeGreaterThanOrEqual(idleFds[1]! + CLIENTS);
      }
      const end = await Promise.all(
        servers.map(async (server, index) => ({
          fds: await fdsSettled(server.pid, baseline[index]!.fds),
          rssMiB: mib(memoryOf(server.pid).rssKiB),
          peakRssMiB: mib(memoryOf(server.pid).hwmKiB),
        })),
      );
      const stats = await Promise.all([
        patientStats('dgram', dgram.path, join(dir, 'replies')),
        patientStats('stream', stream.path, join(dir, 'replies')),
      ]);
      const elapsedMs = Date.now() - started;
      TRANSPORTS.forEach((transport, index) => {
        console.log(
          `soak ${transport}: ${JSON.stringify({
            clients: CLIENTS,
            rounds: ROUNDS,
            requests: ROUNDS * CLIENTS * REQUESTS,
            start: baseline[index],
            end: end[index],
            serverRequests: stats[index]!.requests,
            sendFailuresByCode: stats[index]!.sendFailuresByCode,
            elapsedMs,
          })}`,
        );
      });
      console.log(`soak rounds: ${JSON.stringify(figures)}`);
      TRANSPORTS.forEach((transport, index) => {
        const expected = 20 * 21 + ROUNDS * CLIENTS * (REQUESTS + 1);
        expect(stats[index]!.executedByType.echo! + stats[index]!.executedByType.ping!, transport).toBe(
          expected,
        );
        expect(stats[index]!.errorsByCode, transport).toEqual({});
        expect(stats[index]!.openConnections, transport).toBe(transport === 'stream' ? 1 : 0);
        expect(Math.abs(end[index]!.fds - baseline[index]!.fds), `${transport} fds`).toBeLessThanOrEqual(
          FD_SLACK,
        );
        expect(end[index]!.rssMiB - baseline[index]!.rssMiB, `${transport} RSS growth`).toBeLessThan(
          MAX_RSS_GROWTH_MIB,
        );
      });
      for (const server of servers) expect(await server.stop()).toBe(0);
      servers.splice(0);
    },
    SOAK_TIMEOUT_MS,
  );
});

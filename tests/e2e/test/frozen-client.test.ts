// A client that stops reading (SIGSTOP, as while CRIU checkpoints it) with 64 large requests in
// flight must not stall the server for everyone else. Over datagrams its unread replies stay
// charged to the server socket's send buffer (net/unix/af_unix.c), which the server raises for
// that; over a stream the server stops reading that one connection and keeps the rest going.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient } from '@udsipc/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CLI, node, type Running, SERVER_CLI, stop, waitForSocket } from '../src/daemons.js';
import { PATIENT, patientStats, until } from '../src/patience.js';
import { makeTempDir } from '../src/temp-dir.js';

/** What the datagram server asks for (8 MiB, doubled by the kernel) must be within reach. */
function sendBufferUnreachable(): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  const max = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
  return max >= 8 * 1024 * 1024
    ? undefined
    : `not root and net.core.wmem_max is ${max}: the datagram server cannot raise its send buffer`;
}
const unreachable = sendBufferUnreachable();
if (unreachable) console.log(`SKIPPED: a frozen datagram client beside others: ${unreachable}`);

function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2] ?? '?';
}

describe.each(['dgram', 'stream'] as const)(
  'a client frozen with 64 requests in flight, over %s',
  (transport) => {
    let dir: string;
    let cleanup: () => void;
    const running: Running[] = [];

    beforeEach(() => {
      ({ dir, cleanup } = makeTempDir());
    });
    afterEach(async () => {
      for (const process of running.splice(0)) {
        process.child.kill('SIGCONT');
        await stop(process, 'SIGKILL');
      }
      cleanup();
    });

    it.skipIf(transport === 'dgram' && unreachable !== undefined)(
      'does not stop the server answering another client while it stays frozen',
      async () => {
        const socket = join(dir, 's.sock');
        const replies = join(dir, 'replies');
        const server = node(SERVER_CLI, [
          '--transport',
          transport,
          '--socket',
          socket,
          '--log-level',
          'warn',
        ]);
        running.push(server);
        await waitForSocket(socket);
        // 64 echoes of 4,000 bytes in flight, batched both ways over datagrams (up to 64 KiB each).
        const frozen = node(
          CLIENT_CLI,
          ['bench', '--transport', transport, '--socket', socket, '--window', '64', '--size', '4000'],
          { UDSIPC_REPLY_DIR: replies, UDSIPC_TIMEOUT: '600000' },
        );
        running.push(frozen);
        const executed = async () =>
          (await patientStats(transport, socket, replies)).executedByType.echo ?? 0;
        await until(async () => (await executed()) >= 2_000, 'the loaded client to be answered 2,000 times');
        frozen.child.kill('SIGSTOP');
        await until(() => stateOf(frozen.child.pid!) === 'T', 'the loaded client to be stopped');
        // Let the server fill what the frozen client does not read.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const other = await connectClient({ transport, path: socket, replyDirectory: replies, ...PATIENT });
        try {
          for (let n = 0; n < 50; n++) {
            await expect(other.request('echo', { text: `other ${n}` })).resolves.toEqual({
              text: `other ${n}`,
            });
          }
        } finally {
          await other.close();
        }
        // All of it answered while the loaded client was frozen the whole time.
        expect(stateOf(frozen.child.pid!)).toBe('T');
      },
    );
  },
);

// Path squatting, tried as a local attacker would: with no server running, user nobody binds the
// server's path in a shared sticky directory (as /tmp is) and opens it to everyone. root's client
// must refuse it before a request leaves (SERVER_NOT_TRUSTED), unless told to trust nobody's
// servers. The owner is the kernel's word: SO_PEERCRED for stream, the socket file's owner for
// datagram (no one but its owner can replace a file in a sticky directory).
import { chmodSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TransportName } from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CLI, HANG_GUARD_MS, node, type Running, run, stop } from '../src/daemons.js';
import { AS_NOBODY, nobodyUnavailable } from '../src/other-user.js';
import { makeTempDir } from '../src/temp-dir.js';

const SQUATTER = join(import.meta.dirname, '..', 'src', 'fixtures', 'squatter.mjs');
/** What root's client sends: it must never reach the squatter unless trusted. */
const SECRET = 'secret-token';
const END_MARK = 'end-of-test';

const unavailable = nobodyUnavailable();
if (unavailable) console.log(`SKIPPED: server identity against a squatter: ${unavailable}`);

let dir: string;
let cleanup: () => void;
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-squat-'));
  // A shared directory like /tmp: everyone may create in it, only a file's owner may remove it.
  chmodSync(dir, 0o1777);
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  cleanup();
});

async function squat(transport: TransportName, path: string): Promise<Running> {
  const squatter = run(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, SQUATTER, transport, path]);
  children.push(squatter);
  await squatter.waitForLine((line) => line === 'ready');
  return squatter;
}

/** Everything the squatter was sent, up to a mark sent after the client is gone. */
async function receivedBy(squatter: Running, transport: TransportName, path: string): Promise<string[]> {
  if (transport === 'stream') {
    const socket = connect(path);
    socket.end(END_MARK);
    socket.on('error', () => {});
  } else {
    const socket = new DatagramSocket(() => {});
    socket.sendTo(Buffer.from(END_MARK), path);
    socket.close();
  }
  await squatter.waitForLine((line) => line.includes(END_MARK));
  return squatter.lines().filter((line) => line.startsWith('got ') && !line.includes(END_MARK));
}

function send(transport: TransportName, path: string, flags: string[] = []): Running {
  // Its own reply directory: the datagram client must not depend on the shared one here.
  const replies = join(dir, 'root-replies');
  mkdirSync(replies, { recursive: true, mode: 0o700 });
  const client = node(CLIENT_CLI, [
    'send',
    SECRET,
    '--type',
    'echo',
    '--transport',
    transport,
    '--socket',
    path,
    '--reply-dir',
    replies,
    '--timeout',
    '300',
    '--retries',
    '0',
    ...flags,
  ]);
  children.push(client);
  return client;
}

describe.skipIf(unavailable !== undefined).each(['dgram', 'stream'] as const)(
  'a server path squatted by user nobody, over %s',
  (transport) => {
    it(
      'is refused by default: SERVER_NOT_TRUSTED, exit 1, and the squatter receives nothing',
      async () => {
        const path = join(dir, 'server.sock');
        const squatter = await squat(transport, path);
        const client = send(transport, path);
        expect(await client.exited, client.stderr()).toBe(1);
        expect(client.stderr()).toMatch(/^SERVER_NOT_TRUSTED: [^\n]*not owned by a trusted user[^\n]*\n$/);
        expect(client.stdout()).toBe('');
        expect(await receivedBy(squatter, transport, path)).toEqual([]);
      },
      HANG_GUARD_MS,
    );

    it(
      'is talked to when nobody is trusted (--server-uid nobody): the request reaches it',
      async () => {
        const path = join(dir, 'server.sock');
        const squatter = await squat(transport, path);
        const client = send(transport, path, ['--server-uid', 'nobody']);
        // The squatter never answers: the request times out, after it was delivered.
        expect(await client.exited, client.stderr()).toBe(1);
        expect(client.stderr()).toMatch(/^TIMEOUT: /);
        const received = (await receivedBy(squatter, transport, path)).join('');
        expect(received).toContain(SECRET);
      },
      HANG_GUARD_MS,
    );

    it(
      'is trusted through its group too (--server-gid nogroup), and a bad list is a usage error',
      async () => {
        const path = join(dir, 'server.sock');
        const squatter = await squat(transport, path);
        const client = send(transport, path, ['--server-gid', 'nogroup']);
        expect(await client.exited, client.stderr()).toBe(1);
        expect(client.stderr()).toMatch(/^TIMEOUT: /);
        expect((await receivedBy(squatter, transport, path)).join('')).toContain(SECRET);
        const typo = send(transport, path, ['--server-uid', 'no-such-user-here']);
        expect(await typo.exited).toBe(2);
        expect(typo.stderr()).toBe(
          `udsipc-client: --server-uid must list existing users (there is no user "no-such-user-here"), got "no-such-user-here"\n`,
        );
      },
      HANG_GUARD_MS,
    );
  },
);

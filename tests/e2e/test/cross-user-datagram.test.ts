// A datagram server running as its own user answers clients of two other users with no capability:
// the server runs as daemon (no CAP_DAC_OVERRIDE: a non-root uid has no effective capabilities),
// clients as root, as nobody and as bin (a member of group daemon). Each client's reply directory
// becomes searchable but not listable (0711), and its reply socket writable by the server's group
// (0620, for a client that may give it that group) or by all (0622, for one that may not); every
// request is answered. A reply directory the server's user cannot pass through ($XDG_RUNTIME_DIR
// is 0700) is refused before a request leaves: REPLY_UNREACHABLE, not a silent time-out.
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CLI, node, type Running, run, stop } from '../src/daemons.js';
import {
  AS_BIN_IN_DAEMON_GROUP,
  AS_DAEMON,
  AS_NOBODY,
  NOBODY_UID,
  userUnavailable,
} from '../src/other-user.js';
import { type JsonServer, startJsonServer } from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const DAEMON = { uid: 1, gid: 1 };
const BIN_UID = 2;
const unavailable = [AS_DAEMON, AS_NOBODY, AS_BIN_IN_DAEMON_GROUP]
  .map((wrap) => userUnavailable(wrap))
  .find((reason) => reason !== undefined);
if (unavailable) console.log(`SKIPPED: cross-user datagram service: ${unavailable}`);

let dir: string;
let cleanup: () => void;
let server: JsonServer | undefined;
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-cross-'));
  chmodSync(dir, 0o711);
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  if (server) await stop(server.running, 'SIGKILL');
  server = undefined;
  cleanup();
});

/** The effective capabilities of a process (/proc/<pid>/status CapEff), as a number. */
function effectiveCapabilities(pid: number): bigint {
  const line = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return BigInt(`0x${line ?? 'ffffffff'}`);
}

async function startServerAsDaemon(): Promise<string> {
  const home = join(dir, 'server');
  mkdirSync(home, { mode: 0o755 });
  chownSync(home, DAEMON.uid, DAEMON.gid);
  const path = join(home, 'server.sock');
  // Mode 0666: every local user may send to it; who may be answered is what this suite is about.
  server = await startJsonServer('dgram', path, ['--mode', '0666', '--log-level', 'debug'], {}, AS_DAEMON);
  expect(lstatSync(path).uid).toBe(DAEMON.uid);
  expect(effectiveCapabilities(server.pid)).toBe(0n);
  return path;
}

/** A shared temp dir like /tmp, where each client user makes its private reply directory. */
function sharedTmp(): string {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  return tmp;
}

const CLIENTS = [
  { name: 'root', wrap: [] as readonly string[], uid: 0, expectMode: 0o620, expectGid: DAEMON.gid },
  { name: 'nobody', wrap: AS_NOBODY, uid: NOBODY_UID, expectMode: 0o622, expectGid: 65_534 },
  {
    name: 'bin (in group daemon)',
    wrap: AS_BIN_IN_DAEMON_GROUP,
    uid: BIN_UID,
    expectMode: 0o620,
    expectGid: DAEMON.gid,
  },
];

describe.skipIf(unavailable !== undefined)('a datagram server of another user, without capabilities', () => {
  it('answers clients of three other users; their reply sockets open to its group or to all, their directories searchable only', async () => {
    const path = await startServerAsDaemon();
    const tmp = sharedTmp();
    const clients = CLIENTS.map((client) => {
      const args = [CLIENT_CLI, 'run', '--transport', 'dgram', '--socket', path, '--server-uid', 'daemon'];
      const env = { TMPDIR: tmp, XDG_RUNTIME_DIR: '', UDSIPC_INTERVAL: '10' };
      const running =
        client.wrap.length === 0
          ? node(args[0]!, [...args.slice(1), '--json'], env)
          : run(client.wrap[0]!, [...client.wrap.slice(1), process.execPath, ...args, '--json'], env);
      children.push(running);
      return { ...client, running };
    });

    for (const client of clients) {
      // A few replies: the server reached this client's reply socket.
      let replies = 0;
      await client.running.waitForLine((line) => line.includes('"reply"') && ++replies >= 3);
      const [replyDir, ...others] = readdirSync(tmp).filter((name) =>
        name.startsWith(`udsipc-${client.uid}-`),
      );
      expect(others, client.name).toEqual([]);
      const directory = lstatSync(join(tmp, replyDir!));
      expect([directory.uid, directory.mode & 0o7777], client.name).toEqual([client.uid, 0o711]);
      const sockets = readdirSync(join(tmp, replyDir!)).filter((name) =>
        /^c-\d+-[0-9a-f]+\.sock$/.test(name),
      );
      expect(sockets, client.name).toHaveLength(1);
      const socket = lstatSync(join(tmp, replyDir!, sockets[0]!));
      expect([socket.uid, socket.gid, socket.mode & 0o777], client.name).toEqual([
        client.uid,
        client.expectGid,
        client.expectMode,
      ]);
    }

    for (const client of clients) {
      expect(await stop(client.running, 'SIGTERM'), client.name).toBe(0);
      const summary = JSON.parse(client.running.lines().at(-1)!).summary as Record<string, number>;
      expect(summary.failed, client.name).toBe(0);
      expect(summary.replied, client.name).toBe(summary.sent);
      expect(summary.sent, client.name).toBeGreaterThanOrEqual(3);
    }
    // The server saw every sender's user: each reply directory is writable by its owner alone.
    const callers = new Set(
      server!
        .records()
        .filter((record) => record.event === 'request')
        .map((record) => record.callerUid),
    );
    expect(callers).toEqual(new Set([0, NOBODY_UID, BIN_UID]));
  });

  it('refuses, before a request leaves, a reply directory the server user cannot pass through (REPLY_UNREACHABLE, exit 1 like any failed request)', async () => {
    const path = await startServerAsDaemon();
    const runtime = join(dir, 'run-user-0');
    mkdirSync(runtime, { mode: 0o700 });
    const client = node(
      CLIENT_CLI,
      ['send', 'hello', '--transport', 'dgram', '--socket', path, '--server-uid', 'daemon', '--retries', '0'],
      { XDG_RUNTIME_DIR: runtime },
    );
    children.push(client);
    expect(await client.exited).toBe(1);
    expect(client.stderr()).toMatch(/^REPLY_UNREACHABLE: .*reply directory that user can traverse/);
    expect(server!.records().filter((record) => record.event === 'request')).toEqual([]);
  });
});

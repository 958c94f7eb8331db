import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { sendPathFor, type TransportName } from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CLI, node, type Running, run, SERVER_CLI, stop } from '../src/daemons.js';
import { isAlive } from '../src/migration-harness.js';
import { NOBODY_GID, NOBODY_UID, nobodyUnavailable } from '../src/other-user.js';
import { PATIENT_FLAGS, until } from '../src/patience.js';
import { type JsonServer, startJsonServer, stopWellBehaved } from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const SHARED_GROUP = 'udsipc-test';
const REPLY_SOCKET = /^c-(\d+)-[0-9a-f]{12}(?:\.tx)?\.sock$/;
/** Only a hang should reach this: the tests wait for replies and exits, however long they take. */
const TEST_TIMEOUT_MS = 120_000;
/**
 * Request flags for a client that must be refused. A refusal (EACCES) is retried until the request's
 * time is up, (retries + 1) × timeout: a short one ends it sooner, and the outcome is the same
 * refusal however fast the machine, only the number of attempts varies.
 */
const REFUSED_FLAGS = ['--timeout', '500', '--retries', '0'];

/** Why clients cannot be run as another user here, or undefined when they can. */
function otherUserUnavailable(): string | undefined {
  const missing = nobodyUnavailable([CLIENT_CLI, '--version']);
  if (missing) return missing;
  const group = spawnSync('groupadd', ['-f', SHARED_GROUP], { encoding: 'utf8' });
  if (group.status !== 0) return `cannot create group ${SHARED_GROUP}: ${group.stderr.trim()}`;
  return undefined;
}

const otherUserMissing = otherUserUnavailable();
if (otherUserMissing) console.log(`SKIPPED: socket permissions across users: ${otherUserMissing}`);

function groupId(name: string): number {
  const line = spawnSync('getent', ['group', name], { encoding: 'utf8' }).stdout.trim();
  return Number(line.split(':')[2]);
}

let dir: string;
let cleanup: () => void;
const servers: JsonServer[] = [];
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-perm-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  for (const server of servers.splice(0)) await stop(server.running, 'SIGKILL');
  cleanup();
});

async function server(
  transport: TransportName,
  path: string,
  args: string[] = [],
  wrap: string[] = [],
): Promise<JsonServer> {
  const started = await startJsonServer(transport, path, args, {}, wrap);
  servers.push(started);
  return started;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function finished(running: Running): Promise<Result> {
  const code = await running.exited;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

describe.skipIf(otherUserMissing !== undefined).each(['dgram', 'stream'] as const)(
  'socket file mode over %s: a client running as user nobody',
  (transport) => {
    let replies: string;

    beforeEach(() => {
      // nobody must reach the socket through the temp dir, and needs a reply directory of its own.
      chmodSync(dir, 0o711);
      replies = join(dir, 'nobody-replies');
      mkdirSync(replies, { mode: 0o700 });
      chownSync(replies, NOBODY_UID, NOBODY_GID);
    });

    /** `udsipc-client send` as nobody, optionally with supplementary groups. */
    const sendAsNobody = (path: string, flags: readonly string[], groups: number[] = []) =>
      finished(
        run(
          'setpriv',
          [
            '--reuid=nobody',
            '--regid=nogroup',
            ...(groups.length > 0 ? [`--groups=${groups.join(',')}`] : ['--clear-groups']),
            process.execPath,
            CLIENT_CLI,
            'send',
            'across users',
            '--type',
            'echo',
            '--transport',
            transport,
            '--socket',
            path,
            '--reply-dir',
            replies,
            ...flags,
            '--json',
          ],
          { XDG_RUNTIME_DIR: '' },
        ),
      );

    const expectRefused = (result: Result) => {
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      // One line, the code first, and the reason the kernel gave: permission denied.
      expect(result.stderr).toMatch(/^SERVER_UNAVAILABLE: .*\(EACCES\)[^\n]*\n$/);
    };
    const expectServed = (result: Result) => {
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ text: 'across users' });
    };

    it(
      'is refused at the default mode 0600 and served at 0666',
      async () => {
        const privatePath = join(dir, 'private.sock');
        const publicPath = join(dir, 'public.sock');
        await server(transport, privatePath);
        await server(transport, publicPath, ['--mode', '0666']);
        expect(statSync(privatePath).mode & 0o777).toBe(0o600);
        expect(statSync(publicPath).mode & 0o777).toBe(0o666);
        const [refused, served] = await Promise.all([
          sendAsNobody(privatePath, REFUSED_FLAGS),
          sendAsNobody(publicPath, PATIENT_FLAGS),
        ]);
        expectRefused(refused);
        expectServed(served);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "at 0660 serves a member of the socket's group and refuses anyone else",
      async () => {
        const gid = groupId(SHARED_GROUP);
        const path = join(dir, 'group.sock');
        // The server runs with the shared group as its own, as the deploy unit's Group= does: the socket is created with it.
        await server(transport, path, ['--mode', '0660'], ['setpriv', `--regid=${gid}`, '--keep-groups']);
        const stats = statSync(path);
        expect(stats.mode & 0o777).toBe(0o660);
        expect(stats.gid).toBe(gid);
        const [member, outsider] = await Promise.all([
          sendAsNobody(path, PATIENT_FLAGS, [gid]),
          sendAsNobody(path, REFUSED_FLAGS),
        ]);
        expectServed(member);
        expectRefused(outsider);
      },
      TEST_TIMEOUT_MS,
    );
  },
);

describe('the server refuses an unsafe or impossible socket path: one stderr line naming the path and the reason', () => {
  /** Runs the server on `path` and returns how it ended (it must end: every case here is refused). */
  const refusal = (transport: TransportName, path: string) =>
    finished(node(SERVER_CLI, ['--transport', transport, '--socket', path, '--log-format', 'json']));

  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.each(['dgram', 'stream'] as const)(
    'over %s',
    async (transport) => {
      const open = join(dir, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      const othersOnly = join(dir, 'others-write');
      mkdirSync(othersOnly);
      chmodSync(othersOnly, 0o703);
      const sticky = join(dir, 'sticky');
      mkdirSync(sticky);
      chmodSync(sticky, 0o1777);
      const dangling = join(dir, 'dangling.sock');
      symlinkSync(join(dir, 'nowhere.sock'), dangling);
      // A symlink to a live server's socket: refused, and that server is not disturbed.
      const live = await startJsonServer(transport, join(dir, 'live.sock'));
      servers.push(live);
      const toLive = join(dir, 'to-live.sock');
      symlinkSync(live.path, toLive);
      const missing = join(dir, 'missing', 'deeper', 's.sock');
      const long = join(dir, 'x'.repeat(107 - dir.length - 1));
      const tooLong = `${long}y`;
      // 107 characters but 108 bytes: the limit is in bytes.
      const tooLongBytes = `${long.slice(0, -1)}é`;

      const cases: Array<{ path: string; exit: number; line: string }> = [
        {
          path: join(open, 's.sock'),
          exit: 1,
          line: `PARENT_UNSAFE: ${join(open, 's.sock')}: parent directory ${open} is writable by others without the sticky bit (mode 777)`,
        },
        {
          path: join(othersOnly, 's.sock'),
          exit: 1,
          line: `PARENT_UNSAFE: ${join(othersOnly, 's.sock')}: parent directory ${othersOnly} is writable by others without the sticky bit (mode 703)`,
        },
        {
          path: dangling,
          exit: 1,
          line: `PATH_IS_SYMLINK: ${dangling}: is a symbolic link; refusing to bind through it`,
        },
        {
          path: toLive,
          exit: 1,
          line: `PATH_IS_SYMLINK: ${toLive}: is a symbolic link; refusing to bind through it`,
        },
        {
          path: tooLong,
          exit: 2,
          line: `PATH_TOO_LONG: socket path is 108 bytes, over the limit of 107: ${tooLong}`,
        },
        {
          path: tooLongBytes,
          exit: 2,
          line: `PATH_TOO_LONG: socket path is 108 bytes, over the limit of 107: ${tooLongBytes}`,
        },
        {
          path: missing,
          exit: 1,
          line: `PARENT_MISSING: ${missing}: parent directory ${join(dir, 'missing', 'deeper')} does not exist`,
        },
      ];
      const results = await Promise.all(cases.map(({ path }) => refusal(transport, path)));
      results.forEach((result, index) => {
        const { path, exit, line } = cases[index]!;
        expect(result.code, `${path}: ${result.stderr}`).toBe(exit);
        expect(result.stderr, path).toMatch(new RegExp(`^udsipc-server: ${escapeRegExp(line)}\n$`));
        expect(result.stdout, path).not.toContain('listening');
      });
      // Nothing was created where it was refused; the symlinks are still symlinks, the live server still serves.
      expect(readdirSync(open)).toEqual([]);
      expect(readdirSync(othersOnly)).toEqual([]);
      expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
      expect(() => lstatSync(join(dir, 'nowhere.sock'))).toThrow();
      expect(lstatSync(toLive).isSymbolicLink()).toBe(true);
      expect(isAlive(live.pid)).toBe(true);
      expect(live.records().filter((record) => record.level >= 40)).toEqual([]);

      // The same checks let through what is safe: a sticky world-writable directory, and exactly 107 bytes.
      for (const path of [join(sticky, 's.sock'), long]) {
        expect(Buffer.byteLength(path) <= 107).toBe(true);
        const ok = await startJsonServer(transport, path);
        servers.push(ok);
        expect(await ok.stop(), path).toBe(0);
        expect(() => lstatSync(path), path).toThrow();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('datagram reply sockets of udsipc-client', () => {
  let serverPath: string;

  beforeEach(async () => {
    serverPath = join(dir, 'server.sock');
    await server('dgram', serverPath);
  });

  /** A `udsipc-client run` with no reply directory given: it picks the per-user default. */
  const runClient = (env: NodeJS.ProcessEnv, extra: string[] = []) => {
    const args = ['run', '--socket', serverPath, '--interval', '20', '--json', ...PATIENT_FLAGS, ...extra];
    const client = node(CLIENT_CLI, args, {
      UDSIPC_REPLY_DIR: '',
      ...env,
    });
    children.push(client);
    return client;
  };

  const replySocketsIn = (directory: string) => {
    try {
      return readdirSync(directory).filter((name) => REPLY_SOCKET.test(name));
    } catch {
      return [];
    }
  };

  /** Waits until the client has bound its reply socket and been answered at least once, however long that takes. */
  const answered = (client: Running) =>
    until(
      () => {
        if (client.stdout().includes('"reply"')) return true;
        if (client.child.exitCode !== null) throw new Error(`client exited: ${client.stderr()}`);
        return false;
      },
      `a first reply to client ${client.child.pid}`,
      () => client.stderr(),
    );

  /** The one reply socket of process `pid` in `directory` (not the one it sends from), once answered. */
  const ownSocket = (directory: string, pid: number) => {
    const mine = replySocketsIn(directory).filter(
      (name) => !name.endsWith('.tx.sock') && Number(REPLY_SOCKET.exec(name)![1]) === pid,
    );
    expect(mine, `reply sockets of ${pid} in ${directory}`).toHaveLength(1);
    const path = join(directory, mine[0]!);
    expect(lstatSync(path).isSocket()).toBe(true);
    return path;
  };

  const stopped = async (client: Running, signal: NodeJS.Signals) => {
    const summary = await stopWellBehaved(client, signal);
    expect(client.child.exitCode, client.stderr()).toBe(0);
    expect(summary.failed).toBe(0);
    expect(summary.replied).toBe(summary.sent);
  };

  it(
    'are per user: in $XDG_RUNTIME_DIR/udsipc when it is set, else in a 0700 <tmpdir>/udsipc-<uid>-XXXXXX of their own, shared; removed on exit, SIGINT and SIGTERM',
    async () => {
      const uid = process.getuid!();
      const xdg = join(dir, 'xdg');
      mkdirSync(xdg, { mode: 0o700 });
      // A shared temp dir, sticky as /tmp is, where another user has made what it could first: the
      // fixed name of earlier versions and a name of the new form, both open to all. Neither may
      // stop a client (they belong to nobody), and neither is used or removed.
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp);
      chmodSync(tmp, 0o1777);
      const squatted = [`udsipc-${uid}`, `udsipc-${uid}-000000`].map((name) => join(tmp, name));
      for (const path of squatted) {
        mkdirSync(path);
        chmodSync(path, 0o777);
        chownSync(path, NOBODY_UID, NOBODY_GID);
      }
      // One of our own, left too open by someone: the client tightens it to 0700 before binding in it.
      const inTmp = join(tmp, `udsipc-${uid}-aaaaaa`);
      mkdirSync(inTmp);
      chmodSync(inTmp, 0o755);
      const inXdg = join(xdg, 'udsipc');

      const xdgClient = runClient({ XDG_RUNTIME_DIR: xdg, TMPDIR: tmp });
      const tmpClient = runClient({ XDG_RUNTIME_DIR: '', TMPDIR: tmp });
      const counted = runClient({ XDG_RUNTIME_DIR: '', TMPDIR: tmp }, ['--count', '25']);
      await Promise.all([answered(xdgClient), answered(tmpClient), answered(counted)]);
      const xdgSocket = ownSocket(inXdg, xdgClient.child.pid!);
      const tmpSocket = ownSocket(inTmp, tmpClient.child.pid!);
      const countedSocket = ownSocket(inTmp, counted.child.pid!);
      expect(statSync(inXdg).mode & 0o777).toBe(0o700);
      expect(statSync(inTmp).mode & 0o777).toBe(0o700);
      expect(replySocketsIn(join(tmp))).toEqual([]);
      for (const path of squatted) {
        expect(statSync(path).uid).toBe(NOBODY_UID);
        expect(replySocketsIn(path)).toEqual([]);
      }

      expect(await counted.exited, counted.stderr()).toBe(0); // ends by itself after 25 requests
      await stopped(xdgClient, 'SIGTERM');
      await stopped(tmpClient, 'SIGINT');
      for (const path of [xdgSocket, tmpSocket, countedSocket]) expect(() => lstatSync(path), path).toThrow();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'left behind by kill -9 are swept by the next client; a live one, or anything not a stale reply socket, never is',
    async () => {
      const replies = join(dir, 'replies');
      const env = { UDSIPC_REPLY_DIR: replies };
      const live = runClient(env);
      const victim = runClient(env);
      await Promise.all([answered(live), answered(victim)]);
      const liveSocket = ownSocket(replies, live.child.pid!);
      const staleSocket = ownSocket(replies, victim.child.pid!);
      victim.child.kill('SIGKILL');
      await victim.exited;
      expect(lstatSync(staleSocket).isSocket()).toBe(true);
      // Named like reply sockets but not stale ones: a socket someone is bound to, and a plain file.
      const bound = new DatagramSocket(() => {});
      const boundPath = join(replies, 'c-1-aaaaaaaaaaaa.sock');
      expect(bound.bind(boundPath)).toBeUndefined();
      const plain = join(replies, 'c-2-bbbbbbbbbbbb.sock');
      writeFileSync(plain, 'not a socket');
      const other = join(replies, 'notes.txt');
      writeFileSync(other, 'mine');
      try {
        const next = node(
          CLIENT_CLI,
          ['send', 'after the kill', '--socket', serverPath, '--json', ...PATIENT_FLAGS],
          env,
        );
        children.push(next);
        expect(await next.exited, next.stderr()).toBe(0);
        // The killed client's two sockets (replies, and the one it sent from) are both swept.
        expect(() => lstatSync(staleSocket)).toThrow();
        expect(() => lstatSync(sendPathFor(staleSocket))).toThrow();
        const kept = [liveSocket, sendPathFor(liveSocket), boundPath, plain];
        for (const path of [...kept, other]) expect(lstatSync(path), path).toBeTruthy();
        // Nothing of the one-shot client is left either.
        expect(replySocketsIn(replies).sort()).toEqual(
          kept.map((path) => path.slice(replies.length + 1)).sort(),
        );
        await stopped(live, 'SIGTERM');
        expect(() => lstatSync(liveSocket)).toThrow();
        expect(() => lstatSync(sendPathFor(liveSocket))).toThrow();
      } finally {
        bound.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

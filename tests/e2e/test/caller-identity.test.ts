// Every request's caller, as the kernel reports it: a client run as user nobody shows uid 65534 in
// the server's request log (and in a handler's context), root shows 0; for stream the pid too. A
// datagram sender bound in a directory others may write to cannot be named: it is unknown.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCString, type TransportName } from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CLI, HANG_GUARD_MS, node, type Running, run, stop } from '../src/daemons.js';
import { AS_NOBODY, NOBODY_GID, NOBODY_UID, nobodyUnavailable } from '../src/other-user.js';
import { type JsonServer, type LogRecord, startJsonServer } from '../src/server-process.js';
import { makeTempDir } from '../src/temp-dir.js';

const unavailable = nobodyUnavailable();
if (unavailable) console.log(`SKIPPED: caller identity across users: ${unavailable}`);

let dir: string;
let cleanup: () => void;
const servers: JsonServer[] = [];
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-caller-'));
  chmodSync(dir, 0o711);
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  for (const server of servers.splice(0)) await stop(server.running, 'SIGKILL');
  cleanup();
});

/** Sends one request with `text`; as nobody when `wrap` says so, with its reply directory `replies`. */
async function send(
  transport: TransportName,
  path: string,
  text: string,
  replies: string,
  wrap: string[] = [],
) {
  const args = [CLIENT_CLI, 'send', text, '--transport', transport, '--socket', path, '--reply-dir', replies];
  const client =
    wrap.length === 0
      ? node(args[0]!, args.slice(1))
      : run(wrap[0]!, [...wrap.slice(1), process.execPath, ...args]);
  children.push(client);
  expect(await client.exited, client.stderr()).toBe(0);
  return client;
}

/** The server's request log lines, in the order the requests arrived. */
function requestRecords(server: JsonServer): LogRecord[] {
  return server.records().filter((record) => record.event === 'request');
}

describe.skipIf(unavailable !== undefined).each(['dgram', 'stream'] as const)(
  'the caller of a request over %s',
  (transport) => {
    it(
      'is the kernel’s: nobody is 65534, root is 0, and a stream caller comes with its pid',
      async () => {
        const path = join(dir, 'server.sock');
        const server = await startJsonServer(transport, path, ['--mode', '0666', '--log-level', 'debug']);
        servers.push(server);
        const nobodyReplies = join(dir, 'nobody-replies');
        mkdirSync(nobodyReplies, { mode: 0o700 });
        chownSync(nobodyReplies, NOBODY_UID, NOBODY_GID);
        const rootReplies = join(dir, 'root-replies');
        mkdirSync(rootReplies, { mode: 0o700 });

        const asNobody = await send(transport, path, 'from nobody', nobodyReplies, [
          'setpriv',
          '--reuid=nobody',
          '--regid=nogroup',
          '--clear-groups',
        ]);
        await server.waitForRecord((record) => record.event === 'request');
        const first = requestRecords(server)[0]!;
        expect(first).toMatchObject({ callerUid: NOBODY_UID, callerGid: NOBODY_GID });
        if (transport === 'stream') {
          // setpriv execs node in place: the connecting process is the one spawned.
          expect(first.callerPid).toBe(asNobody.child.pid);
        } else {
          expect(first).not.toHaveProperty('callerPid');
        }

        await send(transport, path, 'from root', rootReplies);
        await server.waitForRecord(
          (record) => record.event === 'request' && record !== first && requestRecords(server).length >= 2,
        );
        expect(requestRecords(server)[1]).toMatchObject({ callerUid: 0, callerGid: 0 });
      },
      HANG_GUARD_MS,
    );
  },
);

describe.skipIf(unavailable !== undefined)('a datagram sender bound where others may write', () => {
  it(
    'is unknown: no caller in the request log',
    async () => {
      const path = join(dir, 'server.sock');
      const server = await startJsonServer('dgram', path, ['--mode', '0666', '--log-level', 'debug']);
      servers.push(server);
      // A shared directory, as /tmp is: anyone could have bound a name there once it was free. The
      // sender is the seed's kind of client: a socket bound there, sending a cstring record.
      const shared = join(dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      const sender = new DatagramSocket(() => {});
      expect(sender.bind(join(shared, 'ipc_udp_client.sock'))).toBeUndefined();
      try {
        expect(sender.sendTo(encodeCString('from a shared directory'), path)).toBe('ok');
        await server.waitForRecord((record) => record.event === 'request');
      } finally {
        sender.close();
      }
      const record = requestRecords(server)[0]!;
      expect(record).not.toHaveProperty('callerUid');
      expect(record).not.toHaveProperty('callerGid');
    },
    HANG_GUARD_MS,
  );
});

describe.skipIf(unavailable !== undefined).each(['dgram', 'stream'] as const)(
  'udsipc-server --allow-uid / --allow-gid over %s',
  (transport) => {
    async function attempt(path: string, replies: string, wrap: readonly string[]) {
      const args = [
        CLIENT_CLI,
        'send',
        'may I',
        '--transport',
        transport,
        '--socket',
        path,
        '--reply-dir',
        replies,
      ];
      const client = run(wrap[0]!, [...wrap.slice(1), process.execPath, ...args]);
      children.push(client);
      return { code: await client.exited, stdout: client.stdout(), stderr: client.stderr() };
    }

    function repliesFor(name: string, uid: number, gid: number): string {
      const replies = join(dir, name);
      mkdirSync(replies, { mode: 0o700 });
      chownSync(replies, uid, gid);
      return replies;
    }

    it(
      'answer the allowed callers, refuse the others with FORBIDDEN (not run, counted, logged)',
      async () => {
        const group = spawnSync('groupadd', ['-f', 'udsipc-test'], { encoding: 'utf8' });
        expect(group.status, group.stderr).toBe(0);
        const gid = Number(
          spawnSync('getent', ['group', 'udsipc-test'], { encoding: 'utf8' }).stdout.split(':')[2],
        );
        const path = join(dir, 'server.sock');
        const server = await startJsonServer(transport, path, [
          '--mode',
          '0666',
          '--allow-uid',
          'root',
          '--allow-gid',
          'udsipc-test',
        ]);
        servers.push(server);

        const refused = await attempt(path, repliesFor('nobody-replies', NOBODY_UID, NOBODY_GID), AS_NOBODY);
        expect(refused.code, refused.stderr).toBe(1);
        expect(refused.stderr).toMatch(/^REMOTE_ERROR FORBIDDEN: uid 65534 gid 65534 may not send "ack"\n$/);

        // nobody again, with the allowed group as its primary group: answered.
        const member = await attempt(path, repliesFor('member-replies', NOBODY_UID, gid), [
          'setpriv',
          '--reuid=nobody',
          `--regid=${gid}`,
          '--clear-groups',
        ]);
        expect(member.code, member.stderr).toBe(0);
        expect(member.stdout).toMatch(/reply: /);

        const asRoot = await attempt(path, repliesFor('root-replies', 0, 0), ['env']);
        expect(asRoot.code, asRoot.stderr).toBe(0);

        const forbidden = await server.waitForRecord((record) => record.event === 'forbidden');
        expect(forbidden).toMatchObject({ type: 'ack', callerUid: NOBODY_UID, callerGid: NOBODY_GID });
        // Counted, and never run: only the two allowed requests were executed.
        const stats = node(CLIENT_CLI, [
          'stats',
          '--json',
          '--transport',
          transport,
          '--socket',
          path,
          '--reply-dir',
          join(dir, 'root-replies'),
        ]);
        children.push(stats);
        expect(await stats.exited, stats.stderr()).toBe(0);
        const counters = JSON.parse(stats.stdout()) as {
          errorsByCode: Record<string, number>;
          executedByType: Record<string, number>;
        };
        expect(counters.errorsByCode.FORBIDDEN).toBe(1);
        expect(counters.executedByType.ack).toBe(2);
      },
      HANG_GUARD_MS,
    );
  },
);

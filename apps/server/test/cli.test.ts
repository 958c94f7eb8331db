import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, type RpcClient } from '@udsipc/node';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLI,
  jsonLines,
  makeTempDir,
  PACKAGE_VERSION,
  runCli,
  type ServerProcess,
  spawnServer,
  startServer,
  stopServer,
} from './helpers.js';

let dir: string;
let cleanup: () => void;
const servers: ServerProcess[] = [];
const clients: RpcClient[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const server of servers.splice(0)) {
    await stopServer(server, 'SIGKILL');
    server.notify.close();
  }
  cleanup();
});

function track(server: ServerProcess): ServerProcess {
  servers.push(server);
  return server;
}

async function dgramClient(path: string): Promise<RpcClient> {
  const client = (await connectClient({
    transport: 'dgram',
    path,
    replyDirectory: join(dir, 'replies'),
  })) as RpcClient;
  clients.push(client);
  return client;
}

describe('usage', () => {
  it('--help prints the usage with every flag and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: udsipc-server \[options\]/);
    for (const flag of [
      '--transport dgram|stream',
      '--socket PATH',
      '--codec auto|json|cstring',
      '--mode MODE',
      '--log-level LEVEL',
      '--log-format pretty|json',
      '--max-connections N',
      '--idle-timeout MS',
      'UDSIPC_TRANSPORT',
      'UDSIPC_SOCKET',
      'UDSIPC_CODEC',
      'UDSIPC_MODE',
      'UDSIPC_LOG_LEVEL',
      'UDSIPC_LOG_FORMAT',
      'UDSIPC_MAX_CONNECTIONS',
      'UDSIPC_IDLE_TIMEOUT',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('--version prints the package version and exits 0', async () => {
    await expect(runCli(['--version'])).resolves.toEqual({
      code: 0,
      stdout: `${PACKAGE_VERSION}\n`,
      stderr: '',
    });
    await expect(runCli(['-V'])).resolves.toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n` });
  });

  it('exits 2 with one line on stderr for each usage or configuration error', async () => {
    const longPath = `/tmp/${'x'.repeat(120)}.sock`;
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--bogus'], {}, /^udsipc-server: Unknown option '--bogus' \(see --help\)$/],
      [
        ['--transport', 'tcp'],
        {},
        /^udsipc-server: --transport must be one of dgram, stream, nats, got "tcp"$/,
      ],
      [['--mode', '0999'], {}, /^udsipc-server: --mode must be an octal mode like 0600/],
      [['--mode', '0400'], {}, /^udsipc-server: --mode must give the owner read and write/],
      [
        ['--socket', longPath],
        {},
        /^udsipc-server: PATH_TOO_LONG: socket path is 130 bytes, over the limit of 107/,
      ],
      [['--codec', 'xml'], {}, /^udsipc-server: --codec must be one of auto, json, cstring, got "xml"$/],
      [['--max-connections', 'lots'], {}, /^udsipc-server: --max-connections must be a whole number/],
      [['--socket'], {}, /^udsipc-server: Option '--socket <value>' argument missing/],
      [['serve'], {}, /^udsipc-server: Unexpected argument 'serve' \(see --help\)$/],
      [
        [],
        { UDSIPC_TRANSPORT: 'udp' },
        /^udsipc-server: UDSIPC_TRANSPORT must be one of dgram, stream, nats, got "udp"$/,
      ],
      [[], { UDSIPC_LOG_FORMAT: 'xml' }, /^udsipc-server: UDSIPC_LOG_FORMAT must be one of pretty, json/],
      [[], { UDSIPC_IDLE_TIMEOUT: '0' }, /^udsipc-server: UDSIPC_IDLE_TIMEOUT must be at least 1, got "0"$/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => runCli(args, env)));
    results.forEach((result, index) => {
      const [args, env, pattern] = cases[index]!;
      const label = `${args.join(' ')} ${JSON.stringify(env)}`;
      expect(result.code, label).toBe(2);
      expect(result.stdout, label).toBe('');
      expect(result.stderr.endsWith('\n'), label).toBe(true);
      expect(result.stderr.slice(0, -1), label).toMatch(pattern);
      expect(result.stderr.split('\n'), label).toHaveLength(2);
    });
  });
});

describe('configuration', () => {
  it('takes every setting from the environment, and a flag wins over its variable', async () => {
    const path = join(dir, 'env.sock');
    const s = track(
      await startServer(dir, ['--mode', '0660'], {
        env: {
          UDSIPC_TRANSPORT: 'stream',
          UDSIPC_SOCKET: path,
          UDSIPC_CODEC: 'json',
          UDSIPC_MODE: '0600',
          UDSIPC_LOG_LEVEL: 'debug',
          UDSIPC_LOG_FORMAT: 'json',
          UDSIPC_MAX_CONNECTIONS: '7',
          UDSIPC_IDLE_TIMEOUT: '1234',
        },
      }),
    );
    await expect(s.waitForRecord((line) => line.event === 'listening')).resolves.toMatchObject({
      level: 30,
      event: 'listening',
      transport: 'stream',
      path,
      codec: 'json',
      mode: '0660',
      pid: s.child.pid,
      maxConnections: 7,
      idleTimeoutMs: 1234,
      msg: 'udsipc-server listening',
    });
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const client = await connectClient({ transport: 'stream', path });
    clients.push(client as RpcClient);
    await expect(client.request('stats', {})).resolves.toMatchObject({ transport: 'stream', codec: 'json' });
  });

  it('resolves a relative --socket against the working directory', async () => {
    const s = track(await startServer(dir, ['--socket', 'rel.sock', '--log-format', 'json'], { cwd: dir }));
    await expect(s.waitForRecord((line) => line.event === 'listening')).resolves.toMatchObject({
      transport: 'dgram',
      path: join(dir, 'rel.sock'),
    });
  });
});

describe('logging', () => {
  it('json: one parseable line per event; requests at debug only when asked for', async () => {
    const quietPath = join(dir, 'quiet.sock');
    const debugPath = join(dir, 'debug.sock');
    const quiet = track(await startServer(dir, ['--socket', quietPath, '--log-format', 'json']));
    const loud = track(
      await startServer(dir, ['--socket', debugPath, '--log-format', 'json', '--log-level', 'debug']),
    );
    for (const path of [quietPath, debugPath]) {
      const client = await dgramClient(path);
      await client.request('echo', { text: 'logged?' });
    }
    await Promise.all([stopServer(quiet), stopServer(loud)]);

    const quietLines = jsonLines(quiet.stdout());
    expect(quietLines.map((line) => line.event)).toEqual(['listening', 'stopping', 'stopped']);
    expect(quietLines[0]).toMatchObject({ transport: 'dgram', path: quietPath, codec: 'auto', mode: '0600' });

    const request = jsonLines(loud.stdout()).find((line) => line.event === 'request');
    expect(request).toMatchObject({ level: 20, type: 'echo', wire: 'json', msg: 'request' });
    expect(request?.peer).toMatch(/^dgram:.*\.sock$/);
  });

  it('pretty: one readable line per event, with the start line naming transport, path and codec', async () => {
    const path = join(dir, 'pretty.sock');
    const s = track(await startServer(dir, ['--socket', path, '--codec', 'cstring']));
    const first = await s.waitForLine(() => true);
    expect(first).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  udsipc-server listening event=listening transport=dgram path=${path} codec=cstring mode=0600 pid=${s.child.pid}$`,
      ),
    );
  });

  it('warns about bad requests, at most 50 of a kind per window, and sums up the rest', async () => {
    const path = join(dir, 'flood.sock');
    const s = track(await startServer(dir, ['--socket', path, '--codec', 'json', '--log-format', 'json']));
    // Sent one at a time, each after its error reply, so the server's small receive queue never overflows.
    const replies: Buffer[] = [];
    let wake: () => void = () => {};
    const peer = new DatagramSocket((message) => {
      replies.push(message);
      wake();
    });
    expect(peer.bind(join(dir, 'garbage.sock'))).toBeUndefined();
    for (let sent = 1; sent <= 120; sent++) {
      const answered = new Promise<void>((resolve) => {
        wake = resolve;
      });
      expect(peer.sendTo(Buffer.from(`not json ${sent}`), path)).toBe('ok');
      await answered;
    }
    peer.close();
    expect(replies).toHaveLength(120);
    expect(await stopServer(s)).toBe(0);
    const lines = jsonLines(s.stdout());
    const warnings = lines.filter((line) => line.event === 'protocol-error');
    expect(warnings).toHaveLength(51);
    expect(warnings[0]).toMatchObject({ level: 40, code: 'MALFORMED', msg: 'bad request' });
    expect(warnings.at(-1)).toMatchObject({
      level: 40,
      suppressed: 70,
      msg: '70 more protocol-error warnings not logged',
    });
  });

  it('with an abstract NOTIFY_SOCKET, warns and serves without notifying', async () => {
    const path = join(dir, 'abstract.sock');
    const s = track(
      spawnServer(dir, ['--socket', path, '--log-format', 'json'], {
        env: { NOTIFY_SOCKET: '@udsipc-test' },
      }),
    );
    await s.waitForRecord((line) => line.event === 'listening');
    const warning = await s.waitForRecord((line) => line.level === 40);
    expect(warning).toMatchObject({ notifySocket: '@udsipc-test' });
    expect(s.notify.messages).toEqual([]);
    const client = await dgramClient(path);
    await expect(client.request('echo', { text: 'still serving' })).resolves.toEqual({
      text: 'still serving',
    });
  });
});

describe('runtime failures exit 1 with CODE: message naming the path', () => {
  it('refuses a symlink, a non-socket file, a missing parent and an unsafe parent', async () => {
    const symlink = join(dir, 'link.sock');
    symlinkSync(join(dir, 'elsewhere.sock'), symlink);
    const file = join(dir, 'file.sock');
    writeFileSync(file, 'not a socket');
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const cases: Array<[string, string]> = [
      [symlink, `PATH_IS_SYMLINK: ${symlink}: is a symbolic link`],
      [file, `PATH_NOT_SOCKET: ${file}: exists and is not a socket`],
      [join(dir, 'missing', 's.sock'), `PARENT_MISSING: ${join(dir, 'missing', 's.sock')}: parent directory`],
      [
        join(open, 's.sock'),
        `PARENT_UNSAFE: ${join(open, 's.sock')}: parent directory ${open} is writable by others`,
      ],
    ];
    const results = await Promise.all(cases.map(([path]) => runCli(['--socket', path])));
    results.forEach((result, index) => {
      const [path, expected] = cases[index]!;
      expect(result.code, path).toBe(1);
      expect(result.stderr, path).toMatch(
        new RegExp(`^udsipc-server: ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      expect(result.stderr.split('\n'), path).toHaveLength(2);
    });
  });

  it('exits 1 with PERMISSION_DENIED when it may not create the socket', async (context) => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    const path = join(locked, 's.sock');
    const asRoot = process.getuid?.() === 0;
    // Root ignores directory permissions, so as root the server runs as nobody in a directory only root may write.
    const nobody = asRoot ? { uid: 65_534, gid: 65_534 } : {};
    if (asRoot) {
      chmodSync(dir, 0o755);
      chmodSync(locked, 0o755);
      const probe = spawnSync(process.execPath, [CLI, '--version'], nobody);
      if (probe.status !== 0) context.skip(`user nobody cannot run ${CLI}: ${probe.stderr}`);
    } else {
      chmodSync(locked, 0o500);
    }
    const s = spawnServer(dir, ['--socket', path], nobody);
    s.notify.close();
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toMatch(
      new RegExp(`^udsipc-server: PERMISSION_DENIED: ${path}: permission denied \\(EACCES\\)\\n$`),
    );
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransportName } from '@udsipc/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  client,
  makeWorkspace,
  REFUSING_SERVER,
  replySockets,
  spawnClient,
  startServer,
  stopServer,
  type Workspace,
  waitFor,
} from './helpers.js';

const transports: TransportName[] = ['dgram', 'stream'];
const fast = ['--timeout', '100', '--retries', '1'];

/** One stderr line, and nothing else. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('usage', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    ws = makeWorkspace();
    env = { UDSIPC_REPLY_DIR: ws.replies };
  });

  afterAll(() => ws.cleanup());

  it('--help and <command> --help print usage and exit 0; --version prints the package version', async () => {
    const help = await client(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: udsipc-client <command>/);
    for (const command of [
      'send TEXT',
      'run [--interval MS]',
      'ping [--count N]',
      'stats',
      'bench [--window N]',
    ]) {
      expect(help.stdout).toContain(command);
    }
    const sendHelp = await client(['send', '--help']);
    expect(sendHelp.code).toBe(0);
    expect(sendHelp.stdout).toMatch(/^Usage: udsipc-client send TEXT \[--type ack\|echo\]/);

    const version = await client(['--version']);
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  it.each([
    [['send'], /^udsipc-client: send takes exactly one TEXT argument, got 0$/],
    [['send', 'a', '--bogus'], /^udsipc-client: send: Unknown option '--bogus'/],
    [['send', 'a', '--timeout', '0'], /^udsipc-client: --timeout must be an integer from 1 to \d+, got "0"$/],
    [['send', 'a', '--retries', '1e3'], /^udsipc-client: --retries must be an integer/],
    [
      ['send', 'a', '--transport', 'udp'],
      /^udsipc-client: --transport must be one of dgram, stream, nats, got "udp"$/,
    ],
    [['send', 'a', '--codec', 'auto'], /^udsipc-client: --codec must be one of json, cstring, got "auto"$/],
    [
      ['send', 'a', '--type', 'echo', '--codec', 'cstring'],
      /^udsipc-client: --type echo needs the json codec/,
    ],
    [['send', 'a', '--socket', `/tmp/${'x'.repeat(120)}`], /^udsipc-client: --socket: PATH_TOO_LONG: /],
    [['ping', '--codec', 'cstring'], /^udsipc-client: ping needs the json codec/],
    [['stats', '--codec', 'cstring'], /^udsipc-client: stats needs the json codec/],
    [['bench', '--codec', 'cstring'], /^udsipc-client: bench needs the json codec/],
    [['bench', '--window', '0'], /^udsipc-client: --window must be an integer from 1 to 4096/],
    [
      ['bench', '--size', '70000', '--socket', '/tmp/nobody.sock'],
      /^udsipc-client: --size 70000 does not fit one dgram message: TOO_LARGE/,
    ],
    [['stats', 'extra'], /^udsipc-client: stats takes no arguments/],
    [['frobnicate'], /^udsipc-client: unknown command "frobnicate"/],
    [[], /^udsipc-client: no command given/],
  ])('%j is a usage error: exit 2, one line on stderr', async (args, message) => {
    const result = await client(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(oneLine(result.stderr)).toMatch(message);
  });

  it('an invalid environment variable is a usage error naming the variable', async () => {
    const result = await client(['send', 'a'], { ...env, UDSIPC_TIMEOUT: 'soon' });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      'udsipc-client: UDSIPC_TIMEOUT must be an integer from 1 to 2147483647, got "soon"',
    );
  });

  it('a reply directory that cannot be made is a configuration error', async () => {
    const result = await client([
      'send',
      'a',
      '--reply-dir',
      '/dev/null/replies',
      '--socket',
      '/tmp/nobody.sock',
    ]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toMatch(/^udsipc-client: .*ENOTDIR/);
  });
});

describe.each(transports)('request failures over %s', (transport) => {
  let ws: Workspace;
  let flags: string[];
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    ws = makeWorkspace();
    flags = ['--transport', transport, '--socket', ws.socket];
    env = { UDSIPC_REPLY_DIR: ws.replies };
  });

  afterEach(() => ws.cleanup());

  it('no server: exit 1 with SERVER_UNAVAILABLE first on stderr, and no reply socket left', async () => {
    const result = await client(['send', 'hello', ...fast, ...flags], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(oneLine(result.stderr)).toMatch(
      /^SERVER_UNAVAILABLE: ack \S+: server unavailable \(\w+\) after \d+ attempts$/,
    );
    expect(replySockets(ws.replies)).toEqual([]);
  });

  it('a frozen server: exit 1 with TIMEOUT', async () => {
    const server = await startServer(transport, ws.socket);
    try {
      server.child.kill('SIGSTOP');
      const result = await client(['send', 'hello', ...fast, ...flags], env);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toMatch(/^TIMEOUT: ack \S+: no reply after 2 attempts$/);
    } finally {
      await stopServer(server);
    }
  });

  it('an error reply: exit 1 with REMOTE_ERROR and the server code', async () => {
    const server = await startServer(transport, ws.socket, REFUSING_SERVER);
    try {
      const result = await client(['send', 'hello', ...flags], env);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe('REMOTE_ERROR INVALID_PAYLOAD: this server refuses everything');
      const run = await client(['run', '--count', '2', '--interval', '5', '--json', ...flags], env);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.lines.at(-1)!)).toEqual({
        summary: { sent: 2, replied: 2, failed: 2, retried: 0 },
      });
    } finally {
      await stopServer(server);
    }
  });

  it('a message too large for the wire: exit 1 with TOO_LARGE, nothing sent', async () => {
    const result = await client(['send', 'x'.repeat(2000), '--codec', 'cstring', ...flags], env);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(/^TOO_LARGE: cstring text is 2000 bytes, over the limit of 1023$/);
  });
});

describe('signals', () => {
  let ws: Workspace;

  beforeEach(() => {
    ws = makeWorkspace();
  });

  afterEach(() => ws.cleanup());

  it('SIGINT during a request cancels it: exit 1 with CANCELLED, the server told, its sockets removed', async () => {
    const server = await startServer('dgram', ws.socket);
    try {
      server.child.kill('SIGSTOP');
      const running = spawnClient(['send', 'hello', '--socket', ws.socket], { UDSIPC_REPLY_DIR: ws.replies });
      // The client's two sockets (replies, and the send socket beside them) are bound after the
      // signal handlers are installed, just before the request.
      await waitFor('the client sockets', () => replySockets(ws.replies).length === 2, 10_000, running);
      running.child.kill('SIGINT');
      expect(await running.exited).toBe(1);
      const lines = running
        .stderr()
        .split('\n')
        .filter((line) => line !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^CANCELLED: ack \S+: cancelled by its caller$/);
      expect(replySockets(ws.replies)).toEqual([]);
    } finally {
      await stopServer(server);
    }
  });
});

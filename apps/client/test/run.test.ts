import { ACK_TEXT, type TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  client,
  jsonLines,
  makeWorkspace,
  type Running,
  replySockets,
  sleep,
  spawnClient,
  startServer,
  stopServer,
  type Workspace,
  waitFor,
} from './helpers.js';

const transports: TransportName[] = ['dgram', 'stream'];

interface ReplyLine {
  seq: number;
  id: string;
  reply: { text: string };
  rttUs: number;
  attempts: number;
}

function replyLines(stdout: string): ReplyLine[] {
  return jsonLines(stdout).filter((line) => 'reply' in line) as unknown as ReplyLine[];
}

describe.each(transports)('udsipc-client run over %s', (transport) => {
  let ws: Workspace;
  let server: Running;
  let flags: string[];
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    ws = makeWorkspace();
    server = await startServer(transport, ws.socket);
    flags = ['--transport', transport, '--socket', ws.socket];
    env = { UDSIPC_REPLY_DIR: ws.replies };
  });

  afterEach(async () => {
    await stopServer(server);
    ws.cleanup();
  });

  it('run --count 20 --interval 5 --json prints 20 replies, then exactly the summary object', async () => {
    const result = await client(['run', '--count', '20', '--interval', '5', '--json', ...flags], env);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(21);
    const replies = replyLines(result.stdout);
    expect(replies).toHaveLength(20);
    expect(new Set(replies.map((line) => line.seq))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => i + 1)),
    );
    expect(new Set(replies.map((line) => line.id)).size).toBe(20);
    for (const line of replies) {
      expect(line.reply).toEqual({ text: ACK_TEXT });
      expect(line.attempts).toBeGreaterThanOrEqual(1);
      expect(line.rttUs).toBeGreaterThan(0);
    }
    const last = JSON.parse(result.lines.at(-1)!) as { summary: Record<string, number> };
    expect(Object.keys(last)).toEqual(['summary']);
    expect(Object.keys(last.summary)).toEqual(['sent', 'replied', 'failed', 'retried']);
    expect(last.summary).toMatchObject({ sent: 20, replied: 20, failed: 0 });
    expect(replySockets(ws.replies)).toEqual([]);
  });

  it('run prints each reply like the seed client, and a summary line', async () => {
    const result = await client(['run', '--count', '3', '--interval', '5', '--message', 'hi', ...flags], env);
    expect(result.code).toBe(0);
    const label = transport === 'stream' ? 'TCP' : 'UDP';
    expect(result.lines).toEqual([
      ...Array(3).fill(`I'm Unix socket(${label}) client, receive a msg: ${ACK_TEXT}`),
      expect.stringMatching(/^summary: sent 3, replied 3, failed 0, retried \d+$/),
    ]);
  });

  it('SIGTERM stops sending, waits for replies, prints the summary and removes its sockets', async () => {
    const running = spawnClient(['run', '--interval', '20', '--json', ...flags], env);
    await waitFor('three replies', () => replyLines(running.stdout()).length >= 3, 10_000, running);
    // A datagram client holds two sockets: the one it reads replies on and the one it sends from.
    if (transport === 'dgram') expect(replySockets(ws.replies)).toHaveLength(2);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const lines = jsonLines(running.stdout());
    const { summary } = lines.at(-1) as { summary: Record<string, number> };
    expect(summary.sent).toBeGreaterThanOrEqual(3);
    expect(summary).toMatchObject({ replied: summary.sent, failed: 0 });
    expect(replyLines(running.stdout())).toHaveLength(summary.sent!);
    expect(replySockets(ws.replies)).toEqual([]);
  });

  it('keeps sending while the server is frozen, then gets every request answered', async () => {
    // 240 requests 5 ms apart take at least 1.2 s; the server is frozen for 1.5 s from the first
    // reply, so however late that reply is seen, most of them meet the freeze. A loop that waited
    // for each reply would have sent one request during the freeze, not dozens.
    const running = spawnClient(
      ['run', '--count', '240', '--interval', '5', '--timeout', '200', '--json', ...flags],
      env,
    );
    await waitFor('a first reply', () => replyLines(running.stdout()).length >= 1, 10_000, running);
    server.child.kill('SIGSTOP');
    await sleep(1_500);
    server.child.kill('SIGCONT');
    expect(await running.exited).toBe(0);
    const replies = replyLines(running.stdout());
    expect(replies).toHaveLength(240);
    expect(replies.filter((line) => line.attempts > 1).length).toBeGreaterThanOrEqual(20);
    const { summary } = jsonLines(running.stdout()).at(-1) as { summary: Record<string, number> };
    expect(summary).toMatchObject({ sent: 240, replied: 240, failed: 0 });
    expect(summary.retried).toBeGreaterThanOrEqual(20);
  });

  it('exits 1 after its summary when requests failed', async () => {
    await stopServer(server);
    const result = await client(
      ['run', '--count', '2', '--interval', '5', '--timeout', '50', '--retries', '1', '--json', ...flags],
      env,
    );
    expect(result.code).toBe(1);
    const lines = jsonLines(result.stdout);
    expect(lines.filter((line) => 'error' in line)).toHaveLength(2);
    // With no server at all each request keeps trying, with back-off, for (retries + 1) x timeout.
    const last = lines.at(-1) as {
      summary: { sent: number; replied: number; failed: number; retried: number };
    };
    expect(last.summary).toMatchObject({ sent: 2, replied: 0, failed: 2 });
    expect(last.summary.retried).toBeGreaterThanOrEqual(2);
  });
});

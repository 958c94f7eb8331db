import { ACK_TEXT, type TransportName } from '@udsipc/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  jsonLines,
  makeWorkspace,
  type Running,
  spawnClient,
  startServer,
  stopServer,
  type Workspace,
  waitFor,
} from './helpers.js';

const transports: TransportName[] = ['dgram', 'stream'];

describe.each(transports)('udsipc-client commands over %s', (transport) => {
  let ws: Workspace;
  let server: Running;
  let flags: string[];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ws = makeWorkspace();
    server = await startServer(transport, ws.socket);
    flags = ['--transport', transport, '--socket', ws.socket];
    env = { UDSIPC_REPLY_DIR: ws.replies };
  });

  afterAll(async () => {
    await stopServer(server);
    ws.cleanup();
  });

  it('send prints the seed reply for ack, and the text back for echo', async () => {
    const ack = await client(['send', 'How are you !!!', ...flags], env);
    expect(ack).toMatchObject({ code: 0, stderr: '' });
    expect(ack.lines).toEqual([`reply: ${ACK_TEXT}`]);

    const echo = await client(['send', 'hello there', '--type', 'echo', '--json', ...flags], env);
    expect(echo.code).toBe(0);
    expect(echo.lines).toHaveLength(1);
    expect(JSON.parse(echo.lines[0]!)).toEqual({ text: 'hello there' });
  });

  it('send --codec cstring talks the seed wire and still gets the seed reply', async () => {
    const result = await client(['send', 'How are you !!!', '--codec', 'cstring', '--json', ...flags], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.lines.at(-1)!)).toEqual({ text: ACK_TEXT });
  });

  it('takes its connection from the environment, and a flag overrides the variable', async () => {
    const fromEnv = await client(['send', 'hi', '--type', 'echo'], {
      ...env,
      UDSIPC_TRANSPORT: transport,
      UDSIPC_SOCKET: ws.socket,
      UDSIPC_TIMEOUT: '2000',
      UDSIPC_RETRIES: '3',
    });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.lines).toEqual(['reply: hi']);

    const overridden = await client(['send', 'hi', '--socket', ws.socket, '--transport', transport], {
      ...env,
      UDSIPC_TRANSPORT: transport === 'dgram' ? 'stream' : 'dgram',
      UDSIPC_SOCKET: `${ws.dir}/nobody-here.sock`,
    });
    expect(overridden.code).toBe(0);
    expect(overridden.lines).toEqual([`reply: ${ACK_TEXT}`]);
  });

  it('ping prints one seq/rtt line per ping and a min/p50/p99/max summary', async () => {
    const human = await client(['ping', '--count', '3', '--interval', '0', ...flags], env);
    expect(human.code).toBe(0);
    expect(human.lines).toHaveLength(4);
    human.lines.slice(0, 3).forEach((line, index) => {
      expect(line).toMatch(new RegExp(`^seq=${index + 1} rtt=\\d+us$`));
    });
    expect(human.lines[3]).toMatch(
      /^ping summary: count=3 sent=3 failed=0 min\/p50\/p99\/max=\d+\/\d+\/\d+\/\d+us$/,
    );

    const json = await client(['ping', '--count', '4', '--interval', '0', '--json', ...flags], env);
    expect(json.code).toBe(0);
    const records = jsonLines(json.stdout);
    expect(records).toHaveLength(5);
    const pings = records.slice(0, 4);
    expect(pings.map((ping) => ping.seq)).toEqual([1, 2, 3, 4]);
    for (const ping of pings) {
      expect(ping.rttUs).toBeGreaterThan(0);
      expect(ping.attempts).toBe(1);
      expect(ping.serverPid).toBe(server.child.pid);
    }
    const { summary } = records[4] as { summary: Record<string, number> };
    expect(summary.count).toBe(4);
    expect(summary.failed).toBe(0);
    const rtts = pings.map((ping) => Math.round(ping.rttUs as number));
    expect(summary.minUs).toBe(Math.min(...rtts));
    expect(summary.maxUs).toBe(Math.max(...rtts));
    expect(summary.minUs).toBeLessThanOrEqual(summary.p50Us!);
    expect(summary.p50Us).toBeLessThanOrEqual(summary.p99Us!);
    expect(summary.p99Us).toBeLessThanOrEqual(summary.maxUs!);
  });

  it("stats --json prints exactly one object with the server's counters", async () => {
    await client(['send', 'counted', ...flags], env);
    const result = await client(['stats', '--json', ...flags], env);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(1);
    const stats = JSON.parse(result.lines[0]!) as Record<string, unknown>;
    expect(stats.transport).toBe(transport);
    expect(stats.requests).toBeGreaterThanOrEqual(1);
    expect(stats.executed).toBeGreaterThanOrEqual(1);
    expect(stats).toHaveProperty('replies');
    expect(stats).toHaveProperty('errorsByCode');
    expect(stats).toHaveProperty('distinctClients');

    const table = await client(['stats', ...flags], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^transport\\s+${transport}$`, 'm'));
    expect(table.stdout).toMatch(/^requests\s+\d+$/m);
    expect(table.stdout).toMatch(/^resends answered from memory\s+\d+$/m);
  });

  it("describe prints the server's contract: versions, every type it answers with its schemas", async () => {
    const result = await client(['describe', '--json', ...flags], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.lines).toHaveLength(1);
    const reply = JSON.parse(result.lines[0]!) as {
      protocol: number;
      serverVersion: string;
      types: Record<string, { request: Record<string, unknown>; reply: Record<string, unknown> }>;
    };
    expect(reply.protocol).toBe(1);
    expect(reply.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(reply.types)).toEqual([
      'ack',
      'cancel',
      'describe',
      'echo',
      'ping',
      'publish',
      'stats',
      'subscribe',
      'unsubscribe',
    ]);
    expect(reply.types.echo?.request).toMatchObject({
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string' }, data: { 'x-udsipc': 'attachment' } },
    });
    const text = await client(['describe', ...flags], env);
    expect(text.code).toBe(0);
    expect(text.lines[0]).toMatch(/^protocol 1, server \d/);
    expect(text.lines).toContain('echo');
  });

  it('subscribe prints the events publish sends, in order, then unsubscribes and summarises', async () => {
    const topic = `cli.${transport}`;
    const subscriber = spawnClient(['subscribe', topic, '--count', '3', '--json', ...flags], env);
    await waitFor('the subscription', () => subscriber.stdout().includes('"subscribed"'), 60_000, subscriber);
    const published: string[] = [];
    for (const n of [1, 2, 3]) {
      const result = await client(['publish', topic, JSON.stringify({ n }), ...flags], env);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      published.push(result.lines[0]!);
    }
    expect(published).toEqual([
      `published ${topic} #1: delivered to 1, dropped 0`,
      `published ${topic} #2: delivered to 1, dropped 0`,
      `published ${topic} #3: delivered to 1, dropped 0`,
    ]);
    expect(await subscriber.exited).toBe(0);
    const lines = jsonLines(subscriber.stdout());
    expect(lines[0]).toEqual({ subscribed: topic });
    expect(lines.slice(1, 4).map((line) => [line.topic, line.seq, line.payload])).toEqual([
      [topic, 1, { n: 1 }],
      [topic, 2, { n: 2 }],
      [topic, 3, { n: 3 }],
    ]);
    expect(lines[4]).toEqual({ summary: { topic, received: 3, missed: 0, unaccounted: 0, restarts: 0 } });
    // It unsubscribed on the way out: the next event goes to nobody.
    const after = await client(['publish', topic, '"late"', '--json', ...flags], env);
    expect(JSON.parse(after.lines[0]!)).toEqual({ seq: 4, delivered: 0, dropped: 0 });
    // Text output, and a topic or event the command refuses before connecting (usage, exit 2).
    const text = spawnClient(['subscribe', topic, '--count', '1', ...flags], env);
    await waitFor('the subscription', () => text.stdout().includes('subscribed to'), 60_000, text);
    await client(['publish', topic, '{"x":true}', ...flags], env);
    expect(await text.exited).toBe(0);
    expect(text.stdout().split('\n')).toEqual([
      `subscribed to ${topic}`,
      `${topic} #5 {"x":true}`,
      `subscribe summary: topic=${topic} received=1 missed=0 unaccounted=0 restarts=0`,
      '',
    ]);
    const badTopic = await client(['subscribe', 'no spaces', ...flags], env);
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toMatch(/^udsipc-client: subscribe: invalid topic "no spaces"/);
    const badEvent = await client(['publish', topic, '{oops', ...flags], env);
    expect(badEvent.code).toBe(2);
    expect(badEvent.stderr).toMatch(/^udsipc-client: publish: the event is not JSON/);
  });

  it('call sends any type the server describes, after checking the payload against its schema', async () => {
    const before = JSON.parse((await client(['stats', '--json', ...flags], env)).lines[0]!) as {
      executedByType: Record<string, number>;
    };
    const echo = await client(['call', 'echo', '{"text":"via call"}', '--json', ...flags], env);
    expect(echo).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(echo.lines[0]!)).toEqual({ text: 'via call' });
    const text = await client(['call', 'echo', '{"text":"plain"}', ...flags], env);
    expect(text.lines).toEqual(['reply: {"text":"plain"}']);
    // Refused before sending, naming the field, and a type the server does not answer.
    const invalid = await client(['call', 'echo', '{"text":5}', ...flags], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(
      /^INVALID_PAYLOAD: invalid payload\.text for type "echo": .*\(nothing was sent\)\n$/,
    );
    const unknown = await client(['call', 'nope', '{}', ...flags], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^UNKNOWN_TYPE: the server does not answer "nope" \(it answers ack, /);
    const notJson = await client(['call', 'echo', '{text', ...flags], env);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^udsipc-client: call: the payload is not JSON/);
    const after = JSON.parse((await client(['stats', '--json', ...flags], env)).lines[0]!) as {
      executedByType: Record<string, number>;
    };
    // Only the two valid calls ran.
    expect((after.executedByType.echo ?? 0) - (before.executedByType.echo ?? 0)).toBe(2);
  });

  it('bench --json ends with the documented result line', async () => {
    const result = await client(['bench', '--count', '2000', '--window', '16', '--json', ...flags], env);
    expect(result.code).toBe(0);
    const last = JSON.parse(result.lines.at(-1)!) as Record<string, number>;
    expect(Object.keys(last)).toEqual(['msgsPerSec', 'p50Us', 'p99Us', 'count', 'errors']);
    expect(last.msgsPerSec).toBeGreaterThan(0);
    expect(last.count).toBe(2000);
    expect(last.errors).toBe(0);
    expect(last.p50Us).toBeGreaterThan(0);
    expect(last.p50Us).toBeLessThanOrEqual(last.p99Us!);
  });

  it('bench without --json prints one readable line', async () => {
    const result = await client(['bench', '--count', '300', '--window', '4', '--size', '10', ...flags], env);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(
      new RegExp(
        `^bench ${transport} window=4 size=10B: 300 requests \\(30 warm-up\\), \\d+ msgs/s, p50 \\d+us, p99 \\d+us, max \\d+us, 0 errors$`,
      ),
    );
  });
});

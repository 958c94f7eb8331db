import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsServerUnavailable } from '../../../scripts/test-support/nats-server.mjs';
import { node, stop, waitForOutput } from '../src/daemons.js';

const natsMissing = natsServerUnavailable();
if (natsMissing) console.log(`SKIPPED: the demo over nats: ${natsMissing}`);

const DEMO = join(import.meta.dirname, '..', '..', '..', 'scripts', 'demo.mjs');

describe('the demo (pnpm demo)', () => {
  it.each(['dgram', 'stream', ...(natsMissing ? [] : ['nats'])])(
    'shows a %s exchange and leaves no socket file when the client is done',
    async (transport) => {
      const demo = node(DEMO, ['--transport', transport, '--interval', '50', '--count', '3']);
      expect(await demo.exited, demo.stderr()).toBe(0);
      const label = { dgram: 'UDP', stream: 'TCP', nats: 'NATS' }[transport];
      expect(
        demo
          .stdout()
          .match(
            new RegExp(`\\[client\\] I'm Unix socket\\(${label}\\) client, receive a msg: OK,I got it!`, 'g'),
          ),
      ).toHaveLength(3);
      expect(demo.stdout()).toMatch(/\[server\] .*listening/);
      expect(demo.stdout()).toContain('no socket file left behind');
    },
    20_000,
  );

  it('takes its options after the separator pnpm hands on (`pnpm demo -- --transport stream`)', async () => {
    const demo = node(DEMO, ['--', '--transport', 'stream', '--interval', '50', '--count', '2']);
    expect(await demo.exited, demo.stderr()).toBe(0);
    expect(
      demo.stdout().match(/\[client\] I'm Unix socket\(TCP\) client, receive a msg: OK,I got it!/g),
    ).toHaveLength(2);
  }, 20_000);

  it('stops both on Ctrl-C (SIGINT) and leaves no socket file', async () => {
    const demo = node(DEMO, ['--interval', '50']);
    await waitForOutput(demo, (stdout) => stdout.split('receive a msg').length > 2);
    expect(await stop(demo, 'SIGINT')).toBe(0);
    expect(demo.stdout()).toMatch(/\[client\] summary: sent \d+, replied \d+, failed 0/);
    expect(demo.stdout()).toContain('no socket file left behind');
  }, 20_000);
});

// The daemons as a user runs them from a shell: without the test runner's NODE_PATH (vitest sets
// one that makes every package in the store resolvable, which hid a native module that could not
// be found from the built CLIs: SO_PEERCRED was then unreadable and every stream server untrusted).
import { join } from 'node:path';
import type { TransportName } from '@udsipc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess, spawnNode } from '../../../scripts/test-support/process.mjs';
import { CLIENT_CLI, type Running, SERVER_CLI, stop, waitForSocket } from '../src/daemons.js';
import { makeTempDir } from '../src/temp-dir.js';

/** This process's environment without what a plain shell would not have. */
function shellEnvironment(): NodeJS.ProcessEnv {
  const { NODE_PATH: _nodePath, VITEST: _vitest, ...env } = process.env;
  return env;
}

let dir: string;
let cleanup: () => void;
const children: Running[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-shell-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, 'SIGKILL');
  cleanup();
});

describe.each(['stream', 'dgram'] as TransportName[])(
  'udsipc-server and udsipc-client from a plain shell, %s',
  (transport) => {
    it("talk: the client trusts its own user's server (kernel credentials readable) and gets the reply", async () => {
      const env = shellEnvironment();
      const path = join(dir, 'server.sock');
      const server = spawnNode(SERVER_CLI, ['--transport', transport, '--socket', path], { env });
      children.push(server);
      await waitForSocket(path);
      const client = await runProcess(
        process.execPath,
        [
          CLIENT_CLI,
          'send',
          'hello',
          '--transport',
          transport,
          '--socket',
          path,
          '--type',
          'echo',
          '--retries',
          '2',
        ],
        { env: { ...env, UDSIPC_REPLY_DIR: join(dir, 'replies') } },
      );
      expect(client.stderr).toBe('');
      expect([client.code, client.stdout.trim()]).toEqual([0, 'reply: hello']);
    });
  },
);

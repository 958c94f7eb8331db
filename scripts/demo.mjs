// The demo: udsipc-server and udsipc-client talking like the seed's pair, in one terminal.
// Datagram mode by default; `--transport stream` shows the same over a stream socket, and
// `--transport nats` over a NATS subject, with a nats-server of its own on 127.0.0.1.
// Ctrl-C stops both cleanly; the demo then checks that no socket file was left behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { probeSocket } from '../packages/transport-dgram/dist/mod.js';
import { natsServerUnavailable, startNatsServer } from './test-support/nats-server.mjs';

// `pnpm demo -- --transport stream` (the README's form) hands the separator on to this script;
// parseArgs would take everything after it for positionals and refuse them.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    transport: { type: 'string', default: 'dgram' },
    interval: { type: 'string', default: '1000' },
    count: { type: 'string' },
  },
});
if (!['dgram', 'stream', 'nats'].includes(values.transport)) {
  console.error(`demo: --transport must be dgram, stream or nats, not ${values.transport}`);
  process.exit(2);
}
const overNats = values.transport === 'nats';
if (overNats && natsServerUnavailable()) {
  console.error(`demo: ${natsServerUnavailable()}`);
  process.exit(2);
}
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'udsipc-demo-'));
const socket = join(dir, 'server.sock');
const replies = join(dir, 'replies');
const colour = process.stdout.isTTY ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;

function start(label, code, script, args, env = {}) {
  // Own process group: the terminal's Ctrl-C reaches the demo only, which stops each child once, in order.
  const child = spawn(process.execPath, [join(root, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...env },
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${colour(code, label)} ${line}`));
  }
  const exited = new Promise((resolve) => child.once('close', (status) => resolve(status)));
  return { child, exited };
}

// Over NATS: a nats-server of the demo's own, at a free port, and a subject instead of a socket.
const nats = overNats ? await startNatsServer(dir) : undefined;
const target = nats ? ['--nats-url', nats.url, '--subject', 'udsipc.demo.rpc'] : ['--socket', socket];
console.log(
  `demo: udsipc in ${values.transport} mode; ${nats ? `NATS ${nats.url}, subject udsipc.demo.rpc` : `socket ${socket}`}; Ctrl-C stops both\n`,
);
const server = start('[server]', 36, 'apps/server/dist/cli.js', [
  '--transport',
  values.transport,
  ...target,
  '--log-level',
  'debug',
]);
let listening = false;
createInterface({ input: server.child.stdout }).on('line', (line) => {
  if (line.includes('listening')) listening = true;
});
const deadline = Date.now() + 10_000;
while (!(nats ? listening : existsSync(socket) && probeSocket(socket) === 'live')) {
  if (Date.now() > deadline || server.child.exitCode !== null) {
    console.error('demo: the server did not start');
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const clientArgs = ['run', '--transport', values.transport, ...target, '--interval', values.interval];
if (values.count) clientArgs.push('--count', values.count);
const client = start('[client]', 33, 'apps/client/dist/cli.js', clientArgs, { UDSIPC_REPLY_DIR: replies });

let stopping = false;
async function stopBoth(signal) {
  if (stopping) return;
  stopping = true;
  if (client.child.exitCode === null) client.child.kill(signal);
  const clientStatus = await client.exited;
  server.child.kill(signal);
  const serverStatus = await server.exited;
  await nats?.stop();
  const leftovers = [
    socket,
    ...(existsSync(replies) ? readdirSync(replies).map((name) => join(replies, name)) : []),
  ].filter((path) => existsSync(path));
  rmSync(dir, { recursive: true, force: true });
  if (leftovers.length > 0) {
    console.error(`demo: socket files left behind: ${leftovers.join(', ')}`);
    process.exit(1);
  }
  console.log(
    `\ndemo: client exited ${clientStatus}, server exited ${serverStatus}; no socket file left behind`,
  );
  process.exit(clientStatus === 0 && serverStatus === 0 ? 0 : 1);
}
process.on('SIGINT', () => stopBoth('SIGINT'));
process.on('SIGTERM', () => stopBoth('SIGTERM'));
client.exited.then(() => stopBoth('SIGTERM'));

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Child, isRunning, start, stopChild } from './processes.js';

/**
 * The nats-server the NATS rows go through: the system's binary (Debian's package) on 127.0.0.1
 * at a free port, its pid file in the bench's scratch directory. Started as a tracked process, so
 * the bench's exit, Ctrl-C or crash kills it like any server it started.
 */
export interface NatsBroker {
  url: string;
  /** What `nats-server --version` said. */
  version: string;
  /** Ends it (SIGTERM, then SIGKILL); safe to call more than once. */
  stop: () => Promise<void>;
}

export type BrokerStart = { ok: true; broker: NatsBroker } | { ok: false; reason: string };

/** Debian installs it in /usr/sbin, which a non-root user's PATH often leaves out. */
const FALLBACK_BINARY = '/usr/sbin/nats-server';
const READY_TIMEOUT_MS = 10_000;
/** A free port can be taken by someone else before nats-server binds it: try a new one. */
const PORT_ATTEMPTS = 3;

type Found = { ok: true; command: string; version: string } | { ok: false; reason: string };

/** `command --version`'s first line, or why that nats-server cannot run here. */
function probe(command: string): Found {
  const answer = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (answer.error) {
    const code = (answer.error as NodeJS.ErrnoException).code ?? answer.error.message;
    return { ok: false, reason: `nats-server is not installed (${command}: ${code})` };
  }
  const said = `${answer.stdout}${answer.stderr}`.trim();
  if (answer.status !== 0) return { ok: false, reason: `${command} --version failed: ${said.slice(0, 200)}` };
  return { ok: true, command, version: said.split('\n')[0] ?? said };
}

/** $NATS_SERVER_BIN if set, else nats-server on PATH, else Debian's. */
function findBinary(): Found {
  const configured = process.env.NATS_SERVER_BIN;
  if (configured) return probe(configured);
  const onPath = probe('nats-server');
  return !onPath.ok && existsSync(FALLBACK_BINARY) ? probe(FALLBACK_BINARY) : onPath;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port to listen on');
  return address.port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once it accepts connections; rejects with its stderr if it exits first. */
async function waitUntilAccepting(server: Child, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(server)) {
      await server.exited;
      throw new Error(`nats-server exited at start: ${server.stderr().trim().slice(-500)}`);
    }
    if (await accepting(port)) return;
    if (Date.now() > deadline) throw new Error(`nats-server: not accepting on port ${port} after 10 s`);
    await sleep(20);
  }
}

/**
 * Starts nats-server for the NATS rows, or says why it cannot (not installed, or it would not
 * start): the rows are then SKIPPED with that reason, as a peer that cannot load.
 */
export async function startNatsBroker(scratch: string): Promise<BrokerStart> {
  const found = findBinary();
  if (!found.ok) return found;
  const { command } = found;
  const dir = join(scratch, 'nats');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let failure = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const args = ['-a', '127.0.0.1', '-p', String(port), '--pid', join(dir, `nats-${port}.pid`)];
    const server = start('nats-server', command, args);
    try {
      await waitUntilAccepting(server, port);
    } catch (error) {
      await stopChild(server, 200);
      failure = error instanceof Error ? error.message : String(error);
      continue;
    }
    return {
      ok: true,
      broker: { url: `nats://127.0.0.1:${port}`, version: found.version, stop: () => stopChild(server) },
    };
  }
  return { ok: false, reason: failure.split('\n')[0]!.slice(0, 300) };
}

// A real nats-server for tests: Debian's package, on 127.0.0.1 at a free port, its files in a temp
// dir. Plain JavaScript beside process.mjs, so the tests of any package can import it.
import { spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { spawnProcess } from './process.mjs';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

/** Why no nats-server can run here, or undefined when one can. */
export function natsServerUnavailable() {
  const probe = spawnSync(NATS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    return `nats-server is not installed (${probe.error.code}); run scripts/install-nats-server.sh as root`;
  }
  if (probe.status !== 0) return `nats-server --version failed: ${`${probe.stdout}${probe.stderr}`.trim()}`;
  return undefined;
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepting(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts nats-server on 127.0.0.1 (a free port unless `port` is given) and resolves once it
 * accepts connections. `stop()` ends it gracefully, `kill()` with SIGKILL; both resolve when it is
 * gone, and `start` again on the same port brings a new one up.
 */
export async function startNatsServer(dir, port) {
  const chosen = port ?? (await freePort());
  const running = spawnProcess(
    NATS_SERVER,
    ['-a', '127.0.0.1', '-p', String(chosen), '--pid', `${dir}/nats-${chosen}.pid`],
    { name: 'nats-server' },
  );
  let exited = false;
  running.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`nats-server exited at start: ${running.stderr()}`);
    if (await accepting(chosen)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const end = async (signal) => {
    if (!exited) running.child.kill(signal);
    await running.exited;
  };
  return {
    url: `nats://127.0.0.1:${chosen}`,
    port: chosen,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

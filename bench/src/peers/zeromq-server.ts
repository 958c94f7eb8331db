import { rmSync } from 'node:fs';
import { Router } from 'zeromq';

/**
 * The zeromq peer's server, as a user would write one with zeromq.js v6: a Router bound to
 * `ipc://<path>` (a UNIX stream socket underneath), each request a JSON text parsed and answered
 * with JSON.stringify of what came in (the work the NDJSON baseline does per line), sent back to
 * the peer it came from. `mandatory` makes a full peer queue wait instead of dropping the reply.
 */
export async function startZeromqServer(path: string): Promise<void> {
  rmSync(path, { force: true });
  const router = new Router({ mandatory: true, linger: 0 });
  await router.bind(`ipc://${path}`);
  const serve = async () => {
    for await (const [peer, request] of router) {
      if (peer === undefined || request === undefined) continue;
      await router.send([peer, JSON.stringify(JSON.parse(request.toString('utf8')) as unknown)]);
    }
  };
  serve().catch((error: unknown) => {
    process.stderr.write(`zeromq server: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

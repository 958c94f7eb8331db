import type { Socket } from 'node:net';
import ipc from 'node-ipc';

/**
 * The node-ipc peer's server, as node-ipc's README has one: `ipc.serve(path)` on a UNIX stream
 * socket, an 'echo' handler that emits what came in back to the socket it came from. node-ipc
 * frames every message as JSON (`{"type":"echo","data":…}` and a form feed) and parses each one,
 * so it does the NDJSON baseline's work per message, in its own code.
 */
export function startNodeIpcServer(path: string): Promise<void> {
  ipc.config.id = 'udsipc-bench';
  ipc.config.silent = true;
  // Its default of 100 connections is plenty for one client; the bench never opens more.
  return new Promise((resolve, reject) => {
    ipc.serve(path, () => {
      ipc.server.on('echo', (data: unknown, socket: Socket) => ipc.server.emit(socket, 'echo', data));
      resolve();
    });
    ipc.server.on('error', reject);
    ipc.server.start();
  });
}

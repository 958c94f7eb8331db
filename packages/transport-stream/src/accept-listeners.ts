import { createServer, type Server, type Socket } from 'node:net';
import { duplicateDescriptor } from '@udsipc/sys';
import { descriptorOf } from './socket-descriptor.js';

/**
 * Extra listeners on a server's listening socket, so that a busy server takes a burst of new
 * connections in a few turns of its event loop instead of one turn each.
 *
 * Why: libuv accepts one connection each time a listening descriptor is reported readable, then
 * goes on with its loop (since libuv 1.45, PR #3696, which dropped the accept loop because a second
 * accept() nearly always found nothing; Node 20 ships 1.46). A server whose turns are long because
 * it is busy takes its Nth waiting connection in its Nth turn. That is the moment after a restart:
 * every client reconnects at once and the first ones back keep the new server busy. Measured here
 * (100 stream clients in 4 processes, 4 requests in flight each, kept up after the restart): the
 * server accepted one connection every ~11 ms, and the last client's first reply came 0.7-1.1 s
 * after it listened.
 *
 * Each extra listener is a duplicate of the listening descriptor, the same socket under another
 * number: epoll reports every one of them readable, and libuv accepts once for each, so one turn
 * takes up to `count` connections. The price is paid per lone connection: it wakes them all, and
 * all but one accept() find nothing (EAGAIN), a few µs.
 */
export class AcceptListeners {
  private readonly servers: Server[] = [];
  /** Counts closes: a listener whose listen completes after one is closed at once, not kept. */
  private closes = 0;

  /**
   * Adds up to `count - 1` listeners beside `primary` (already listening), each handing its
   * connections to `onConnection`; fewer where the descriptor cannot be duplicated (no FFI here,
   * or no descriptors left).
   */
  async open(
    primary: Server,
    count: number,
    onConnection: (socket: Socket) => void,
    onError: (error: NodeJS.ErrnoException) => void,
  ): Promise<void> {
    const fd = descriptorOf(primary);
    if (fd === undefined) return;
    const closes = this.closes;
    for (let added = 1; added < count; added++) {
      const copy = duplicateDescriptor(fd);
      if (typeof copy === 'string') break;
      const server = createServer({ pauseOnConnect: false }, onConnection);
      const listening = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        // On a descriptor node only calls listen(2) again, which changes nothing on a socket
        // listening already; closing this server closes the duplicate, never the path.
        server.listen({ fd: copy, backlog: 511 }, () => resolve(true));
      });
      // A failed listen has closed its handle, and the duplicate with it (node's setupListenHandle).
      if (!listening) break;
      // The server stopped taking connections while this one started listening: it must not take any.
      if (this.closes !== closes) {
        server.close();
        break;
      }
      server.removeAllListeners('error');
      server.on('error', onError);
      this.servers.push(server);
    }
  }

  /** Stops the extra listeners; the connections they accepted stay open. */
  close(): Promise<void> {
    this.closes++;
    return Promise.all(this.servers.splice(0).map(closeListening)).then(() => {});
  }
}

/** Stops `server` taking connections; settles once it has (those it accepted stay open). */
export function closeListening(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

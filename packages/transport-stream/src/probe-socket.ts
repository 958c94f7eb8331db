import { connect } from 'node:net';
import type { SocketLiveness } from '@udsipc/core/transport';

/**
 * Is a process bound at `path`? Asked with a stream connect, so the stream adapter never loads the
 * datagram addon: it is accepted by a live stream server, refused with EPROTOTYPE by a live
 * datagram socket (still live), and with ECONNREFUSED when the file is left over from a process
 * that is gone. Any other failure (EAGAIN on a full backlog, EACCES) counts as live: a path is
 * only ever reused when it is proven stale.
 */
export function probeStreamSocket(path: string): Promise<SocketLiveness> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : 'live');
    });
  });
}

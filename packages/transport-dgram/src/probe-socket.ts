import type { SocketLiveness } from '@udsipc/core/transport';
import { DatagramSocket } from './dgram-socket.js';

/**
 * Is a process bound at `path`? A datagram connect answers for both socket types and at once: it
 * succeeds on a live datagram socket, fails with EPROTOTYPE on a live stream socket, and with
 * ECONNREFUSED when the file is left over from a process that is gone.
 */
export function probeSocket(path: string): SocketLiveness {
  const probe = new DatagramSocket(() => {});
  try {
    const failure = probe.connect(path);
    if (failure === 'ECONNREFUSED') return 'stale';
    if (failure === 'ENOENT') return 'stale';
    return 'live';
  } finally {
    probe.close();
  }
}

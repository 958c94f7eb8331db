import { MAX_SOCKET_PATH_BYTES } from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import type { ServerLogger } from './logger.js';

export type NotifyResult =
  | { sent: true }
  | {
      sent: false;
      reason: 'no-notify-socket' | 'abstract-socket' | 'path-too-long' | 'send-failed';
      code?: string;
    };

/**
 * Tells systemd about the service state (READY=1, STOPPING=1, STATUS=...) over $NOTIFY_SOCKET, the
 * sd_notify protocol: one datagram to a UNIX datagram socket. Without NOTIFY_SOCKET (not run by
 * systemd, or Type= is not notify) it does nothing. Failures are logged, never thrown: a service
 * that cannot report readiness still serves, and systemd's own timeout decides what happens.
 */
export function notifySystemd(
  state: string,
  env: Readonly<Record<string, string | undefined>>,
  logger: ServerLogger,
): NotifyResult {
  const path = env.NOTIFY_SOCKET;
  if (path === undefined || path === '') return { sent: false, reason: 'no-notify-socket' };
  if (path.startsWith('@')) {
    // unix-dgram addresses only filesystem paths; an abstract name would be taken as a file name.
    logger.warn(
      { notifySocket: path },
      'NOTIFY_SOCKET is an abstract socket, which is not supported: not notifying',
    );
    return { sent: false, reason: 'abstract-socket' };
  }
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    logger.warn({ notifySocket: path }, 'NOTIFY_SOCKET path is too long to address: not notifying');
    return { sent: false, reason: 'path-too-long' };
  }
  // A socket per message, closed at once: nothing stays open between notifications (CRIU).
  const socket = new DatagramSocket(() => {});
  try {
    const outcome = socket.sendTo(Buffer.from(state, 'utf8'), path);
    if (outcome === 'ok') return { sent: true };
    logger.warn({ notifySocket: path, code: outcome, state }, 'could not notify systemd');
    return { sent: false, reason: 'send-failed', code: outcome };
  } finally {
    socket.close();
  }
}

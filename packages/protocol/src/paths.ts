import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ProtocolError } from './errors.js';
import { MAX_SOCKET_PATH_BYTES } from './limits.js';

/** The seed's server paths: udsipc answers where the seed's C clients already look. */
export const DEFAULT_STREAM_SOCKET_PATH = '/tmp/ipc_tcp_server.sock';
export const DEFAULT_DATAGRAM_SOCKET_PATH = '/tmp/ipc_udp_server.sock';

/** Every transport: the two socket modes, and NATS past one host. */
export const TRANSPORT_NAMES = ['dgram', 'stream', 'nats'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
/** The transports on a UNIX socket, which have a socket path. */
export const SOCKET_TRANSPORT_NAMES = ['dgram', 'stream'] as const;
export type SocketTransportName = (typeof SOCKET_TRANSPORT_NAMES)[number];

export function isSocketTransport(transport: TransportName): transport is SocketTransportName {
  return transport !== 'nats';
}

export function defaultSocketPath(transport: SocketTransportName): string {
  return transport === 'stream' ? DEFAULT_STREAM_SOCKET_PATH : DEFAULT_DATAGRAM_SOCKET_PATH;
}

/**
 * Refuses a path the kernel (or unix-dgram, which silently truncates) would not bind as given:
 * over 107 bytes of UTF-8, empty, or holding a NUL byte.
 */
export function validateSocketPath(path: string): string {
  if (path.length === 0) throw new ProtocolError('PATH_INVALID', 'socket path is empty');
  if (path.includes('\0')) throw new ProtocolError('PATH_INVALID', 'socket path contains a NUL byte');
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ProtocolError(
      'PATH_TOO_LONG',
      `socket path is ${bytes} bytes, over the limit of ${MAX_SOCKET_PATH_BYTES}: ${path}`,
    );
  }
  return path;
}

/**
 * A datagram client's two socket files: it receives replies on `c-<pid>-<hex>.sock` and sends
 * from `c-<pid>-<hex>.tx.sock`. Both match this, so a sweep of stale ones touches nothing else.
 */
export const REPLY_SOCKET_PATTERN = /^c-\d+-[0-9a-f]{12}(?:\.tx)?\.sock$/;

const SEND_SOCKET_NAME = /^(c-\d+-[0-9a-f]{12})\.tx\.sock$/;

/** A reply path unique per client (pid plus randomness), so any number of clients run side by side. */
export function allocateReplyPath(directory: string): string {
  const name = `c-${process.pid}-${randomBytes(6).toString('hex')}.sock`;
  const path = validateSocketPath(join(directory, name));
  validateSocketPath(sendPathFor(path));
  return path;
}

/** Where a datagram client with reply path `replyPath` binds the socket it sends from. */
export function sendPathFor(replyPath: string): string {
  return `${replyPath.slice(0, -'.sock'.length)}.tx.sock`;
}

/**
 * The reply path that belongs to a datagram client's send socket, or undefined when `senderPath`
 * is not named like one (a seed client, an older udsipc client): those are answered where they
 * sent from. The server still checks that both files have one owner before it trusts the pair.
 */
export function replyPathForSender(senderPath: string): string | undefined {
  const slash = senderPath.lastIndexOf('/');
  const match = SEND_SOCKET_NAME.exec(senderPath.slice(slash + 1));
  return match ? `${senderPath.slice(0, slash + 1)}${match[1]}.sock` : undefined;
}

/** Something a transport noticed that an operator may want logged; never an exception. */
export type TransportEvent =
  | { type: 'connection-refused'; reason: 'max-connections'; limit: number }
  | { type: 'framing-error'; peer: string; message: string }
  | { type: 'idle-timeout'; peer: string; pendingBytes: number }
  | { type: 'socket-error'; peer: string; code: string }
  | { type: 'unbound-sender' }
  /**
   * A server's kernel send buffer, as far as it could be raised (`raised` false: net.core.wmem_max
   * held it down, or `reason` says why it could not be asked). `dgram`: the one socket every
   * client's unread replies are charged to; small, one client that stops reading can stall replies
   * to all (see the datagram adapter). `stream`: said for the first connection accepted; small, a
   * large message takes turns between writer and reader (see the stream adapter's send-buffer.ts).
   */
  | { type: 'send-buffer'; socket: 'dgram' | 'stream'; bytes: number; raised: boolean; reason?: string }
  /** A broker transport (NATS) lost its link, and got it back (it reconnects by itself). */
  | { type: 'link-down'; url: string }
  | { type: 'link-up'; url: string };

export type TransportEventListener = (event: TransportEvent) => void;

export const ignoreTransportEvent: TransportEventListener = () => {};

/**
 * The send-buffer event for a server socket that asked for `askedBytes`: what the kernel granted
 * (`raised` once it holds the doubled request), or why nothing could be asked (an errno name).
 */
export function sendBufferEvent(
  socket: 'dgram' | 'stream',
  askedBytes: number,
  outcome: { readonly bytes: number } | string,
): TransportEvent {
  if (typeof outcome === 'string')
    return { type: 'send-buffer', socket, bytes: 0, raised: false, reason: outcome };
  return { type: 'send-buffer', socket, bytes: outcome.bytes, raised: outcome.bytes >= 2 * askedBytes };
}

/** Something a transport noticed that an operator may want logged; never an exception. */
export type TransportEvent =
  | { type: 'connection-refused'; reason: 'max-connections'; limit: number }
  | { type: 'framing-error'; peer: string; message: string }
  | { type: 'idle-timeout'; peer: string; pendingBytes: number }
  | { type: 'socket-error'; peer: string; code: string }
  | { type: 'unbound-sender' }
  /**
   * The datagram server's send buffer, which every client's unread replies are charged to: small
   * (`raised` false: net.core.wmem_max held it down), one client that stops reading can stall
   * replies to all (see the datagram adapter).
   */
  | { type: 'send-buffer'; bytes: number; raised: boolean; reason?: string }
  /** A broker transport (NATS) lost its link, and got it back (it reconnects by itself). */
  | { type: 'link-down'; url: string }
  | { type: 'link-up'; url: string };

export type TransportEventListener = (event: TransportEvent) => void;

export const ignoreTransportEvent: TransportEventListener = () => {};

/** Something a transport noticed that an operator may want logged; never an exception. */
export type TransportEvent =
  | { type: 'connection-refused'; reason: 'max-connections'; limit: number }
  | { type: 'framing-error'; peer: string; message: string }
  | { type: 'idle-timeout'; peer: string; pendingBytes: number }
  | { type: 'socket-error'; peer: string; code: string }
  | { type: 'unbound-sender' }
  /** A broker transport (NATS) lost its link, and got it back (it reconnects by itself). */
  | { type: 'link-down'; url: string }
  | { type: 'link-up'; url: string };

export type TransportEventListener = (event: TransportEvent) => void;

export const ignoreTransportEvent: TransportEventListener = () => {};

// The part of unix-dgram the raw baseline uses; the package ships no types.
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  interface UnixDgramSocket extends EventEmitter {
    connected?: boolean;
    bind(path: string): void;
    connect(path: string): void;
    /** Connected socket: emits 'congestion' (then 'writable' once there is room) when the peer's queue is full. */
    send(buffer: Buffer): void;
    /** Unconnected socket: a full peer queue is reported to the callback as code -11 (EAGAIN). */
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      path: string,
      callback: (error?: Error & { code?: number }) => void,
    ): void;
    close(): void;
  }

  function createSocket(
    type: 'unix_dgram',
    listener?: (message: Buffer, info: { path?: string }) => void,
  ): UnixDgramSocket;

  const unixDgram: { createSocket: typeof createSocket };
  export default unixDgram;
}

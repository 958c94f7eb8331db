// The part of unix-dgram udsipc uses (the package ships no types): written once, here; the bench's
// raw baseline includes this file too.
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  interface UnixDgramError extends Error {
    /** A negative errno, or 1 for 'congestion' on a connected socket. */
    code: number;
    errno?: number;
    syscall?: string;
  }

  interface UnixDgramSocket extends EventEmitter {
    fd: number;
    connected?: boolean;
    bind(path: string): void;
    connect(path: string): void;
    /** Connected socket: emits 'congestion' (then 'writable' once there is room) when the peer's queue is full. */
    send(buffer: Buffer, callback?: (error?: UnixDgramError) => void): void;
    /** Unconnected socket: a full peer queue is reported as code -11 (EAGAIN). */
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      path: string,
      callback: (error?: UnixDgramError) => void,
    ): void;
    sendto(buffer: Buffer, offset: number, length: number, path: string): void;
    close(): void;
  }

  function createSocket(
    type: 'unix_dgram',
    listener?: (message: Buffer, info: { path?: string | null }) => void,
  ): UnixDgramSocket;

  const unixDgram: { createSocket: typeof createSocket };
  export default unixDgram;
}

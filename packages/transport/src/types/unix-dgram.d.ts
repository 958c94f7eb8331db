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
    send(buffer: Buffer, callback?: (error?: UnixDgramError) => void): void;
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
}

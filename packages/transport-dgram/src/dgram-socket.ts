import { adoptDescriptor, SendOnlyDescriptor } from '@udsipc/sys';
import unixDgram from 'unix-dgram';
import { errnoName } from './errno.js';

/** Why an inherited descriptor could not take the place of unix-dgram's own (an errno name). */
export class AdoptionError extends Error {
  constructor(readonly errno: string) {
    super(`cannot adopt the inherited socket (${errno})`);
    this.name = 'AdoptionError';
  }
}

/** What a non-blocking datagram send did: `ok`, `congested` (queued by the kernel's flow control), or an errno name. */
export type DatagramSendOutcome = 'ok' | 'congested' | string;

/**
 * A typed face on unix-dgram: results come back synchronously as errno names instead of
 * negative numbers, thrown errors or 'error' events (which would crash a process with no listener).
 */
export class DatagramSocket {
  private readonly socket: ReturnType<typeof unixDgram.createSocket>;
  private lastError: string | undefined;
  /** Set once reading has stopped: the socket's second descriptor, that only sends. */
  private sendOnly: SendOnlyDescriptor | undefined;
  private congested = false;
  private open = true;

  /** The descriptor unix-dgram opened (or adopted), for socket options Node has no API for. */
  get descriptor(): number {
    return this.socket.fd;
  }

  /**
   * With `adopt`, the socket is the one open at that descriptor (passed by socket activation),
   * already bound: unix-dgram can only make its own, so its descriptor is replaced by the inherited
   * one here, in the same synchronous run as createSocket (see adoptDescriptor for why it must be).
   * Throws the errno name's failure if that cannot be done.
   */
  constructor(onMessage: (message: Buffer, fromPath: string | undefined) => void, adopt?: number) {
    // unix-dgram reports a sender that bound no path (or whose address the kernel no longer has,
    // as for datagrams CRIU put back into a restored socket) as null, not undefined.
    this.socket = unixDgram.createSocket('unix_dgram', (message, info) =>
      onMessage(message, info.path ?? undefined),
    );
    if (adopt !== undefined) {
      const failure = adoptDescriptor(adopt, this.socket.fd);
      if (failure !== undefined) {
        this.close();
        throw new AdoptionError(failure);
      }
    }
    this.socket.on('error', (error: { code?: unknown }) => {
      this.lastError = errnoName(error.code);
    });
    this.socket.on('congestion', () => {
      this.congested = true;
    });
  }

  /** Binds to `path`; returns undefined on success or the errno name. */
  bind(path: string): string | undefined {
    this.lastError = undefined;
    this.socket.bind(path);
    return this.lastError;
  }

  /** Connects to `path` so later sends need no address and report congestion instead of EAGAIN. */
  connect(path: string): string | undefined {
    this.lastError = undefined;
    this.socket.connect(path);
    return this.lastError;
  }

  get connected(): boolean {
    return this.socket.connected === true;
  }

  /** Sends on a connected socket. */
  send(frame: Buffer): DatagramSendOutcome {
    return this.attempt(() => this.socket.send(frame));
  }

  /** Sends to `path` on an unconnected socket; a full receiver queue comes back as `EAGAIN`. */
  sendTo(frame: Buffer, path: string): DatagramSendOutcome {
    if (this.sendOnly) return this.sendOnly.sendTo(frame, path);
    return this.attempt(() => this.socket.sendto(frame, 0, frame.length, path));
  }

  /**
   * Stops reading, yet keeps sending from the same socket: for a server that stops while its
   * activator keeps the socket, so what is queued waits for the next server instead of being read
   * and dropped. unix-dgram cannot pause its poll, so its descriptor is closed (uv_poll_stop takes
   * it out of epoll) after a duplicate is made to send from. Returns the errno name if it cannot.
   */
  stopReading(): string | undefined {
    if (this.sendOnly || !this.open) return undefined;
    const copy = SendOnlyDescriptor.duplicate(this.socket.fd);
    if (typeof copy === 'string') return copy;
    this.sendOnly = copy;
    this.socket.close();
    return undefined;
  }

  /**
   * Runs one unix-dgram send without a callback: it then reports congestion as a cheap event
   * instead of a new Error, and failures through 'error', whose Error is built without a stack
   * (capturing one per EAGAIN was a measurable cost under load).
   */
  private attempt(send: () => void): DatagramSendOutcome {
    this.lastError = undefined;
    this.congested = false;
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      send();
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    if (this.lastError !== undefined) return this.lastError;
    return this.congested ? 'congested' : 'ok';
  }

  /** Called after a 'congested' send once the receiver has room again. */
  onWritable(listener: () => void): void {
    this.socket.on('writable', listener);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.sendOnly) {
      this.sendOnly.close();
      return;
    }
    try {
      this.socket.close();
    } catch {
      // Closing an fd that failed is not worth surfacing: the socket is unusable either way.
    }
  }
}

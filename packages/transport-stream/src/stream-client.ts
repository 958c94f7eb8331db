import { connect, type Socket } from 'node:net';
import type {
  ClientTransport,
  ClientTransportOptions,
  LinkFailureListener,
  ServerBackListener,
  ServerTrust,
} from '@udsipc/core/transport';
import {
  type BackoffPolicy,
  backoffDelay,
  DEFAULT_RECONNECT_BACKOFF,
  defaultServerTrust,
  SERVER_NOT_TRUSTED,
  ServerWatch,
  trustsOwner,
} from '@udsipc/core/transport';
import { type Codec, codecNamed, DEFAULT_MAX_FRAME_BYTES, type Frame } from '@udsipc/protocol';
import { peerCredentials } from './peer-credentials.js';
import { enlargeSendBuffer, STREAM_SEND_BUFFER_BYTES } from './send-buffer.js';
import { FrameDecoder, FramingError } from './stream-framing.js';
import { WriteBatcher } from './write-batcher.js';

export interface StreamClientOptions extends ClientTransportOptions {
  reconnect?: BackoffPolicy;
  /** The connection's kernel send buffer asked for (default 1 MiB: send-buffer.ts); 0 leaves the kernel's. */
  sendBufferBytes?: number;
}

/**
 * The stream adapter's client half. It reconnects by itself, with back-off, whenever the
 * connection drops, and at once when a new server socket appears at the path; the request/reply
 * layer resends what was in flight. Replies the old server wrote before it closed are all read
 * before 'close' (the kernel keeps them readable until end of file), so by the time a new
 * connection is made none of them can be lost.
 */
export class StreamClientTransport implements ClientTransport {
  readonly kind = 'stream' as const;
  readonly maxFrameBytes: number;
  private readonly path: string;
  readonly codec: Codec;
  private readonly reconnectPolicy: BackoffPolicy;
  private readonly trust: ServerTrust;
  private readonly sendBufferBytes: number;
  private socket: Socket | undefined;
  private connected = false;
  private connectError: string | undefined;
  private closing = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly batcher = new WriteBatcher();
  private onFrame: (frame: Buffer) => void = () => {};
  private onLinkFailure: LinkFailureListener = () => {};
  private onServerBack: ServerBackListener = () => {};
  /** Set once a connection was lost or refused: the next one that succeeds is a server coming back. */
  private lostServer = false;
  /** A new server socket appeared while a connection attempt was under way. */
  private appearedMeanwhile = false;
  private readonly watch: ServerWatch;

  constructor(options: StreamClientOptions) {
    this.path = options.path;
    this.codec = codecNamed(options.wire);
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.reconnectPolicy = options.reconnect ?? DEFAULT_RECONNECT_BACKOFF;
    this.trust = options.serverTrust ?? defaultServerTrust();
    this.sendBufferBytes = options.sendBufferBytes ?? STREAM_SEND_BUFFER_BYTES;
    this.watch = new ServerWatch(this.path, () => this.serverAppeared());
  }

  /** Resolves after the first connection attempt, whether or not the server was there. */
  open(
    onFrame: (frame: Buffer) => void,
    onLinkFailure: LinkFailureListener,
    onServerBack: ServerBackListener = () => {},
  ): Promise<void> {
    this.onFrame = onFrame;
    this.onLinkFailure = onLinkFailure;
    this.onServerBack = onServerBack;
    this.watch.start();
    return new Promise((resolve) => this.connectOnce(resolve));
  }

  /** A new server socket is bound at the path: connect now instead of when the back-off ends. */
  private serverAppeared(): void {
    if (this.closing || this.connected) return;
    if (!this.reconnectTimer) {
      // An attempt is under way and may have been refused just before the bind: if it fails,
      // the next one goes at once rather than after the back-off.
      this.appearedMeanwhile = true;
      return;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectAttempt = 0;
    this.connectOnce();
  }

  private connectOnce(settled: () => void = () => {}): void {
    this.reconnectTimer = undefined;
    if (this.closing) {
      settled();
      return;
    }
    const socket = connect(this.path);
    this.socket = socket;
    const decoder = new FrameDecoder(this.codec.name, this.maxFrameBytes);
    socket.setNoDelay?.(true);
    socket.once('connect', () => {
      // Who listens here, from the kernel (SO_PEERCRED: the process that called listen). Nothing is
      // written to a server not trusted, or whose credentials cannot be read: it is dropped, and
      // requests meanwhile fail with SERVER_NOT_TRUSTED until a trusted server is there.
      const server = peerCredentials(socket);
      if (!server || !trustsOwner(this.trust, server)) {
        this.connectError = SERVER_NOT_TRUSTED;
        socket.destroy();
        return;
      }
      this.connected = true;
      enlargeSendBuffer(socket, this.sendBufferBytes);
      this.connectError = undefined;
      this.reconnectAttempt = 0;
      settled();
      if (this.lostServer) {
        this.lostServer = false;
        this.onServerBack();
      }
    });
    socket.on('data', (chunk: Buffer) => {
      // Requests sent while handling these replies (the next ones of a pipeline) leave together.
      this.batcher.startBurst();
      try {
        decoder.push(chunk, (frame) => this.onFrame(frame));
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        socket.destroy();
      }
    });
    // Errors always end in 'close', where the link failure is reported once. Why a connect failed
    // (EACCES, ECONNREFUSED, ENOENT) is kept: requests sent meanwhile fail with it, not a vague code.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.connected) this.connectError = error.code;
    });
    socket.once('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      if (this.socket === socket) this.socket = undefined;
      settled();
      if (this.closing) return;
      this.lostServer = true;
      if (wasConnected) this.onLinkFailure('CONNECTION_LOST', undefined);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closing) return;
    if (this.appearedMeanwhile) this.reconnectAttempt = 0;
    const delay = this.appearedMeanwhile ? 0 : backoffDelay(this.reconnectPolicy, this.reconnectAttempt++);
    this.appearedMeanwhile = false;
    this.reconnectTimer = setTimeout(() => this.connectOnce(), delay);
  }

  send(frame: Frame): string | undefined {
    const socket = this.socket;
    if (!socket || !this.connected || !socket.writable) {
      return this.closing ? 'TRANSPORT_CLOSED' : (this.connectError ?? 'NOT_CONNECTED');
    }
    this.batcher.write(socket, this.codec.stream.header(frame), frame);
    return undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.watch.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 1_000).unref();
      });
    }
  }
}

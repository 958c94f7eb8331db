import { createServer, type Server, type Socket } from 'node:net';
import type {
  Caller,
  FrameListener,
  SendFailureListener,
  ServerPeer,
  ServerTransport,
  ServerTransportOptions,
} from '@udsipc/core/transport';
import {
  activatedSocketHeld,
  bindFailure,
  bindWithMode,
  ignoreTransportEvent,
  prepareSocketPath,
  QuiesceHold,
  resolveSocketSource,
  sendBufferEvent,
  type TransportEventListener,
} from '@udsipc/core/transport';
import {
  type Codec,
  type CodecName,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_SOCKET_MODE,
  type Frame,
  jsonCodec,
} from '@udsipc/protocol';
import { describeSocket, type SendBuffer } from '@udsipc/sys';
import { AcceptListeners, closeListening } from './accept-listeners.js';
import { peerCredentials } from './peer-credentials.js';
import { probeStreamSocket } from './probe-socket.js';
import { enlargeSendBuffer, STREAM_SEND_BUFFER_BYTES } from './send-buffer.js';
import { FrameDecoder, FramingError } from './stream-framing.js';
import { WriteBatcher } from './write-batcher.js';

export type StreamServerOptions = ServerTransportOptions & StreamServerSettings;

export interface StreamServerSettings {
  /** Connections beyond this are closed at once, with a 'connection-refused' event (default 1024). */
  maxConnections?: number;
  /** A connection holding a partial frame this long with no new bytes is dropped (default 10 s). */
  idleTimeoutMs?: number;
  /** Reading from a peer pauses while this many reply bytes wait for it to read (default 4 MiB). */
  writeHighWaterBytes?: number;
  /**
   * Each connection's kernel send buffer asked for (the kernel doubles it; default 1 MiB, so a 1 MiB
   * reply is in flight at once: send-buffer.ts); 0 leaves the kernel's default.
   */
  sendBufferBytes?: number;
  /**
   * Most new connections taken in one turn of the event loop (default 16): the listening socket is
   * watched under this many descriptors, since libuv takes one connection per descriptor and turn
   * (accept-listeners.ts). 1 is libuv's own behaviour. Without the FFI (koffi) it is 1.
   */
  acceptsPerTurn?: number;
  onEvent?: TransportEventListener;
}

/** What a stream server does when not told otherwise: the one place these live. */
export const STREAM_SERVER_DEFAULTS = {
  maxConnections: 1024,
  idleTimeoutMs: 10_000,
  writeHighWaterBytes: 4 * 1024 * 1024,
  sendBufferBytes: STREAM_SEND_BUFFER_BYTES,
  acceptsPerTurn: 16,
} as const;

/**
 * Bytes of whole frames handed on from one connection before it waits for the others' turn (one
 * read of node's 64 KiB buffer's worth of requests). Counted in frames delivered, not bytes read:
 * the chunks of a frame still arriving cost a copy, not a handler, and yielding after each 64 KiB
 * chunk spread a 1 MiB frame over 16 turns, its chunks surviving the young generation's scavenges
 * and freed only by mark-compact collections (41-66 per 400 1 MiB echoes with 8 in flight, against
 * 30-42 when the frame is gathered in the turns libuv gives it: 32 reads of 64 KiB at most, uv__read).
 */
const READ_SLICE_BYTES = 64 * 1024;

class StreamPeer implements ServerPeer {
  readonly id: string;
  readonly decoder: FrameDecoder;
  readonly batcher = new WriteBatcher();
  /** The connecting process's pid, uid and gid (SO_PEERCRED), read once at accept. */
  readonly caller: Caller | undefined;

  constructor(
    serial: number,
    readonly socket: Socket,
    codec: CodecName,
    maxFrameBytes: number,
    private readonly highWaterBytes: number,
    private readonly onSendFailure: SendFailureListener,
  ) {
    this.id = `stream:${serial}`;
    this.decoder = new FrameDecoder(codec, maxFrameBytes);
    this.caller = peerCredentials(socket);
  }

  send(frame: Frame): void {
    const { socket } = this;
    if (socket.destroyed || !socket.writable) {
      this.onSendFailure(this, 'PEER_CLOSED');
      return;
    }
    this.batcher.write(socket, this.codec.stream.header(frame), frame);
    if (socket.writableLength > this.highWaterBytes && !socket.isPaused()) {
      // The peer is not reading its replies: stop reading its requests until it does.
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  }

  /**
   * Events are written like replies, but only while the connection keeps up: past the high-water
   * mark (where the server stops reading this client's requests) they are dropped, so a client
   * that does not read cannot make the server buffer without bound.
   */
  offer(frame: Frame): boolean {
    const { socket } = this;
    if (socket.destroyed || !socket.writable || socket.writableLength > this.highWaterBytes) return false;
    this.send(frame);
    return true;
  }

  /** The connection's codec: known from its first request, which every reply follows. */
  private get codec(): Codec {
    return this.decoder.codec ?? jsonCodec;
  }
}

/** The stream adapter's server half: node `net` on a UNIX socket path. */
export class StreamServerTransport implements ServerTransport {
  readonly kind = 'stream' as const;
  readonly path: string;
  readonly maxFrameBytes: number;
  readonly codec: CodecName;
  private readonly mode: number;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private readonly highWaterBytes: number;
  private readonly sendBufferBytes: number;
  private readonly acceptsPerTurn: number;
  private readonly onEvent: TransportEventListener;
  private server: Server | undefined;
  private readonly extraListeners = new AcceptListeners();
  /** The listener's close, once begun by stopTaking. */
  private listenerClosed: Promise<void> | undefined;
  /** The listening socket passed by socket activation, until it is adopted (once: closing it loses it). */
  private listenFd: number | undefined;
  /** Whether the socket is the activator's: never bound, unlinked or quiesced by us. */
  readonly activated: boolean;
  private readonly peers = new Set<StreamPeer>();
  private serial = 0;
  private sendBufferReported = false;
  private onFrame: FrameListener | undefined;
  private onSendFailure: SendFailureListener = () => {};
  private holding = false;
  private readonly hold = new QuiesceHold();

  constructor(options: StreamServerOptions) {
    ({ path: this.path, listenFd: this.listenFd } = resolveSocketSource(options, 'stream', describeSocket));
    this.activated = this.listenFd !== undefined;
    this.codec = options.codec;
    this.mode = options.mode ?? DEFAULT_SOCKET_MODE;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxConnections = options.maxConnections ?? STREAM_SERVER_DEFAULTS.maxConnections;
    this.idleTimeoutMs = options.idleTimeoutMs ?? STREAM_SERVER_DEFAULTS.idleTimeoutMs;
    this.highWaterBytes = options.writeHighWaterBytes ?? STREAM_SERVER_DEFAULTS.writeHighWaterBytes;
    this.sendBufferBytes = options.sendBufferBytes ?? STREAM_SERVER_DEFAULTS.sendBufferBytes;
    this.acceptsPerTurn = Math.max(
      1,
      Math.floor(options.acceptsPerTurn ?? STREAM_SERVER_DEFAULTS.acceptsPerTurn),
    );
    this.onEvent = options.onEvent ?? ignoreTransportEvent;
  }

  async listen(onFrame: FrameListener, onSendFailure: SendFailureListener): Promise<void> {
    this.onFrame = onFrame;
    this.onSendFailure = onSendFailure;
    await this.startListening();
  }

  private async startListening(): Promise<void> {
    if (!this.activated) await prepareSocketPath(this.path, probeStreamSocket);
    const fd = this.listenFd;
    if (this.activated && fd === undefined) throw activatedSocketHeld(this.path);
    const server = createServer({ pauseOnConnect: false }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(bindFailure(this.path, error.code ?? 'EUNKNOWN')),
      );
      if (fd !== undefined) {
        // The activator's listening socket: node only calls listen(2) on it again. Connections that
        // queued in its backlog while no server ran (a restart) are accepted now. Its mode and owner
        // are the activator's (SocketMode=); libuv unlinks only a path it bound itself, so closing
        // it leaves the file to the activator.
        this.listenFd = undefined;
        server.listen({ fd, backlog: 511 });
      } else {
        bindWithMode(this.path, this.mode, () => server.listen(this.path, 511));
      }
      server.once('listening', () => {
        server.removeAllListeners('error');
        server.on('error', this.onListenerError);
        resolve();
      });
    });
    await this.extraListeners.open(
      server,
      this.acceptsPerTurn,
      (socket) => this.accept(socket),
      this.onListenerError,
    );
  }

  private readonly onListenerError = (error: NodeJS.ErrnoException): void => {
    this.onEvent({ type: 'socket-error', peer: 'listener', code: error.code ?? 'EUNKNOWN' });
  };

  /**
   * Says once, for the first connection, what its send buffer came to: every connection asks for
   * the same, so the first tells the operator whether net.core.wmem_max holds them all down.
   */
  private reportSendBuffer(outcome: SendBuffer | string | undefined): void {
    if (this.sendBufferReported || outcome === undefined) return;
    this.sendBufferReported = true;
    this.onEvent(sendBufferEvent('stream', this.sendBufferBytes, outcome));
  }

  private accept(socket: Socket): void {
    if (this.holding) {
      socket.destroy();
      return;
    }
    if (this.peers.size >= this.maxConnections) {
      this.onEvent({ type: 'connection-refused', reason: 'max-connections', limit: this.maxConnections });
      socket.destroy();
      return;
    }
    const peer = new StreamPeer(
      ++this.serial,
      socket,
      this.codec,
      this.maxFrameBytes,
      this.highWaterBytes,
      this.onSendFailure,
    );
    this.peers.add(peer);
    this.reportSendBuffer(enlargeSendBuffer(socket, this.sendBufferBytes));
    socket.setNoDelay?.(true);
    socket.setTimeout(this.idleTimeoutMs, () => {
      if (peer.decoder.pendingBytes > 0) {
        this.onEvent({ type: 'idle-timeout', peer: peer.id, pendingBytes: peer.decoder.pendingBytes });
        socket.destroy();
      }
    });
    let deliveredSinceYield = 0;
    const deliver = (frame: Buffer, codec: Codec) => {
      deliveredSinceYield += frame.length;
      if (!this.holding) this.onFrame?.(frame, codec, peer);
    };
    socket.on('data', (chunk: Buffer) => {
      peer.batcher.startBurst();
      try {
        peer.decoder.push(chunk, deliver);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        this.onEvent({ type: 'framing-error', peer: peer.id, message: error.message });
        socket.destroy();
        return;
      }
      if (deliveredSinceYield >= READ_SLICE_BYTES) {
        // libuv reads up to 32 chunks from one socket in a row: a peer that keeps its socket full
        // of requests would hold the event loop for all of them. Let every other connection have a
        // turn first.
        deliveredSinceYield = 0;
        socket.pause();
        setImmediate(() => {
          if (socket.writableLength > this.highWaterBytes) socket.once('drain', () => socket.resume());
          else socket.resume();
        });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.onEvent({ type: 'socket-error', peer: peer.id, code: error.code ?? 'EUNKNOWN' });
    });
    socket.on('close', () => this.peers.delete(peer));
  }

  pendingReplies(): number {
    let pending = 0;
    for (const peer of this.peers) pending += peer.socket.writableLength > 0 ? 1 : 0;
    return pending;
  }

  openConnections(): number {
    return this.peers.size;
  }

  /** Closes the listener and, once their replies are written, every connection: CRIU cannot dump half a connection. */
  async quiesce(flushMs = 2_000): Promise<void> {
    // Closed, an adopted socket could not be had again: refused before anything changes.
    if (this.activated) throw activatedSocketHeld(this.path);
    await this.closeAll(flushMs);
  }

  /**
   * An activated listener stops accepting: connections made from now on wait in its backlog for the
   * next server (a restart). Connections already accepted are this process's, and end with it.
   */
  stopTaking(): void {
    if (this.activated) this.listenerClosed ??= this.closeListener();
  }

  private closeListener(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // Every listener of the socket: one left open would go on taking connections.
    const extras = this.extraListeners.close();
    const primary = server ? closeListening(server) : Promise.resolve();
    return Promise.all([extras, primary]).then(() => {});
  }

  private async closeAll(flushMs: number): Promise<void> {
    this.holding = true;
    this.hold.hold();
    const listenerClosed = this.listenerClosed ?? this.closeListener();
    this.listenerClosed = undefined;
    await this.endConnections(flushMs);
    await listenerClosed;
  }

  async resume(): Promise<void> {
    if (this.server) return;
    await this.startListening();
    this.holding = false;
    this.hold.release();
  }

  private async endConnections(flushMs: number): Promise<void> {
    const closing = [...this.peers].map(
      (peer) =>
        new Promise<void>((resolve) => {
          if (peer.socket.destroyed) return resolve();
          peer.socket.once('close', () => resolve());
          peer.socket.end();
        }),
    );
    const timer = setTimeout(() => {
      for (const peer of this.peers) peer.socket.destroy();
    }, flushMs);
    await Promise.all(closing);
    clearTimeout(timer);
  }

  async close(flushMs = 2_000): Promise<void> {
    await this.closeAll(flushMs);
    this.hold.release();
  }
}

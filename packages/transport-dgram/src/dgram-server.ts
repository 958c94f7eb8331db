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
  Burst,
  bindFailure,
  bindWithMode,
  ignoreTransportEvent,
  prepareSocketPath,
  QuiesceHold,
  removeIfStale,
  resolveSocketSource,
  sendBufferEvent,
  TransportError,
  type TransportEventListener,
} from '@udsipc/core/transport';
import {
  batchingCodec,
  type Codec,
  type CodecName,
  DEFAULT_SOCKET_MODE,
  datagramCodec,
  type Frame,
  flatFrame,
  framesThatFit,
  isBatch,
  MAX_DATAGRAM_BYTES,
  packBatch,
  unpackBatch,
} from '@udsipc/protocol';
import { describeSocket, raiseSendBuffer } from '@udsipc/sys';
import { AdoptionError, DatagramSocket } from './dgram-socket.js';
import { BACKPRESSURE_ERRNOS } from './errno.js';
import { probeSocket } from './probe-socket.js';
import { replyPathOf } from './reply-path.js';
import { senderIdentity } from './sender-identity.js';

export type DatagramServerOptions = ServerTransportOptions & DatagramServerSettings;

export interface DatagramServerSettings {
  /** Replies held for one peer whose receive queue is full; the oldest is dropped beyond this (default 256). */
  maxQueuedRepliesPerPeer?: number;
  /** Peers remembered between messages; beyond this the table is cleared (default 4096). */
  maxPeers?: number;
  onEvent?: TransportEventListener;
}

/**
 * The server socket's send buffer asked for (the kernel doubles it: 16 MiB): room for the unread
 * datagrams of ~23 stopped clients at 64 KiB each (11 each), or hundreds with small replies. Only
 * what clients leave unread takes memory.
 */
const SERVER_SEND_BUFFER_BYTES = 8 * 1024 * 1024;
const FIRST_RETRY_MS = 1;
const MAX_RETRY_MS = 64;

/**
 * One datagram peer, known by its reply path. The server cannot connect() to each client, so a
 * reply that finds the client's queue full (EAGAIN) waits in this peer's outbox and is retried on
 * a short back-off timer: no drop, no spin. A lone reply goes out at once; the replies to a batch,
 * and those that follow a first reply before the loop's check phase, leave together in the check
 * phase, as one batch datagram to a peer that batches itself (see dgram-batch.ts), else one by one.
 */
class DatagramPeer implements ServerPeer {
  readonly id: string;
  /** Set once the peer has sent a batch: it can read batched replies. */
  batches = false;
  private readonly outbox: Buffer[] = [];
  /** Which frames are pushed events (by identity: one event's frame is shared by its subscribers). */
  private readonly events = new WeakSet<Buffer>();
  /** Replies held back to leave together: see burst-policy.ts. */
  private readonly burst = new Burst(() => {
    if (!this.retryTimer) this.flush();
  });
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = FIRST_RETRY_MS;

  constructor(
    readonly path: string,
    private readonly server: DatagramServerTransport,
    /** Who bound the sender's path, when its directory proves it (see sender-identity.ts). */
    readonly caller: Caller | undefined,
  ) {
    this.id = `dgram:${path}`;
  }

  get queued(): number {
    return this.outbox.length;
  }

  /** From now to the loop's check phase, replies wait in the outbox and leave together. */
  holdUntilCheckPhase(): void {
    this.burst.start();
  }

  send(message: Frame): void {
    // A datagram is one buffer (and never holds a gathered frame: those are over 64 KiB).
    const frame = flatFrame(message);
    if (this.outbox.length === 0 && !this.burst.active) {
      this.burst.start();
      const outcome = this.server.sendTo(frame, this.path);
      if (outcome === 'ok') return;
      if (BACKPRESSURE_ERRNOS.has(outcome)) {
        this.outbox.push(frame);
        this.scheduleRetry();
        return;
      }
      this.server.reportSendFailure(this, outcome);
      return;
    }
    if (this.outbox.length >= this.server.maxQueuedRepliesPerPeer) {
      // Room for one more: an event gives way first (events are the ones a client can count as
      // missed), else the oldest reply (its client's resend is answered from memory).
      const event = this.outbox.findIndex((queued) => this.events.has(queued));
      this.outbox.splice(event === -1 ? 0 : event, 1);
      this.server.reportSendFailure(this, event === -1 ? 'QUEUE_FULL' : 'EVENT_DROPPED');
    }
    this.outbox.push(frame);
    // A burst leaves in growing parts, so the client starts on the first while the rest is
    // produced, yet a long burst still travels in few datagrams.
    if (!this.retryTimer && this.burst.partDue(this.outbox.length)) this.flush();
  }

  /**
   * Events wait in the same outbox as replies, but never push one out: a full outbox drops them.
   * They leave batched like replies to a peer that batches (every udsipc client does, see
   * dgram-client.ts), so a subscriber takes up to 64 in one read: sent one per datagram, the
   * kernel's queue of 10 and this outbox of 256 overflowed for a subscriber that kept up, and it
   * missed 30-60% of a pipelining publisher's events. What a stopped subscriber leaves unread
   * (up to 11 datagrams of 64 KiB) stays charged to the server socket's send buffer (af_unix.c
   * charges a datagram to its sender until it is read), which sizeSendBuffer raises for that.
   */
  offer(message: Frame): boolean {
    if (this.outbox.length >= this.server.maxQueuedRepliesPerPeer) return false;
    const frame = flatFrame(message);
    this.events.add(frame);
    this.send(frame);
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => this.flush(), this.retryDelay);
  }

  private flush(): void {
    this.retryTimer = undefined;
    let sent = false;
    while (this.outbox.length > 0) {
      const count = this.batches ? framesThatFit(this.outbox, this.server.maxFrameBytes) : 1;
      const datagram = count === 1 ? this.outbox[0]! : packBatch(this.outbox.slice(0, count));
      const outcome = this.server.sendTo(datagram, this.path);
      if (BACKPRESSURE_ERRNOS.has(outcome)) {
        // Back off further only when the client took nothing since the last try: large replies
        // fill the kernel's buffers after a few datagrams even for a client that reads promptly.
        this.retryDelay = sent ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, this.retryDelay * 2);
        this.scheduleRetry();
        return;
      }
      sent = true;
      this.outbox.splice(0, count);
      if (outcome !== 'ok') {
        // The client is gone: what is left for it can never be delivered.
        for (let dropped = this.outbox.length + count; dropped > 0; dropped--)
          this.server.reportSendFailure(this, outcome);
        this.outbox.length = 0;
      }
    }
    this.retryDelay = FIRST_RETRY_MS;
  }

  drop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.outbox.length = 0;
  }
}

/**
 * A datagram with no sender address: from a socket that bound no path, or one that was queued in
 * the server's socket when CRIU checkpointed it (criu restores queued datagrams without their
 * sender). It is still handled, and a request with an id is remembered, so its client's resend is
 * answered from memory, never executed a second time; its own reply cannot be sent (UNBOUND_PEER).
 */
class UnboundPeer implements ServerPeer {
  readonly id = 'dgram:unbound';
  /** A sender with no address cannot be named. */
  readonly caller = undefined;
  constructor(private readonly server: DatagramServerTransport) {}
  send(): void {
    this.server.reportSendFailure(this, 'UNBOUND_PEER');
  }
  offer(): boolean {
    return false;
  }
}

/** The datagram adapter's server half, on unix-dgram. */
export class DatagramServerTransport implements ServerTransport {
  readonly kind = 'dgram' as const;
  readonly path: string;
  readonly maxFrameBytes: number;
  readonly maxQueuedRepliesPerPeer: number;
  readonly codec: CodecName;
  private readonly batchCodec: Codec | undefined;
  private readonly mode: number;
  private readonly maxPeers: number;
  private readonly onEvent: TransportEventListener;
  private socket: DatagramSocket | undefined;
  /** The descriptor passed by socket activation, until it is adopted (once: closing it loses it). */
  private listenFd: number | undefined;
  /** Whether the socket is the activator's: never bound, unlinked or quiesced by us. */
  readonly activated: boolean;
  private readonly peers = new Map<string, DatagramPeer>();
  private readonly unbound = new UnboundPeer(this);
  private onFrame: FrameListener = () => {};
  private onSendFailure: SendFailureListener = () => {};
  private holding = false;
  private readonly hold = new QuiesceHold();

  constructor(options: DatagramServerOptions) {
    ({ path: this.path, listenFd: this.listenFd } = resolveSocketSource(options, 'dgram', describeSocket));
    this.activated = this.listenFd !== undefined;
    this.codec = options.codec;
    this.batchCodec = batchingCodec(options.codec);
    this.mode = options.mode ?? DEFAULT_SOCKET_MODE;
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? MAX_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES);
    this.maxQueuedRepliesPerPeer = options.maxQueuedRepliesPerPeer ?? 256;
    this.maxPeers = options.maxPeers ?? 4096;
    this.onEvent = options.onEvent ?? ignoreTransportEvent;
  }

  async listen(onFrame: FrameListener, onSendFailure: SendFailureListener): Promise<void> {
    this.onFrame = onFrame;
    this.onSendFailure = onSendFailure;
    await this.bindSocket();
  }

  private async bindSocket(): Promise<void> {
    if (this.activated) {
      this.adoptSocket();
      return;
    }
    await prepareSocketPath(this.path, probeSocket);
    const socket = new DatagramSocket((message, from) => this.receive(message, from));
    const failure = bindWithMode(this.path, this.mode, () => socket.bind(this.path));
    if (failure) {
      socket.close();
      throw bindFailure(this.path, failure);
    }
    this.socket = socket;
    this.sizeSendBuffer(socket);
  }

  /**
   * Every reply leaves through this one socket, and a datagram stays charged to its sender's send
   * buffer until its receiver reads it (net/unix/af_unix.c: the skb is allocated on the sender,
   * sock_wfree credits it back when the receiver frees it). A client that stops reading (frozen,
   * being checkpointed) holds up to net.unix.max_dgram_qlen + 1 of our datagrams, up to 64 KiB
   * each: at the default 212,992 bytes, one such client with batched replies stalls replies to
   * every client. So the buffer is raised to hold that for many stopped clients at once.
   */
  private sizeSendBuffer(socket: DatagramSocket): void {
    const outcome = raiseSendBuffer(socket.descriptor, SERVER_SEND_BUFFER_BYTES);
    this.onEvent(sendBufferEvent('dgram', SERVER_SEND_BUFFER_BYTES, outcome));
  }

  /**
   * Serves the socket the activator bound: whatever it queued while no server read it (a restart)
   * is read first. Its file mode and owner are the activator's (SocketMode=), so `mode` is not applied.
   */
  private adoptSocket(): void {
    const fd = this.listenFd;
    if (fd === undefined) throw activatedSocketHeld(this.path);
    try {
      this.socket = new DatagramSocket((message, from) => this.receive(message, from), fd);
      this.sizeSendBuffer(this.socket);
    } catch (error) {
      if (!(error instanceof AdoptionError)) throw error;
      throw new TransportError('ACTIVATED_SOCKET_UNUSABLE', `activated socket (fd ${fd}): ${error.message}`, {
        path: this.path,
        errno: error.errno,
      });
    }
    this.listenFd = undefined;
  }

  private receive(message: Buffer, from: string | undefined): void {
    if (this.holding) return;
    // A batch is in the codec that batches; one that does not unpack is answered as malformed in it.
    const batch = this.batchCodec !== undefined && isBatch(message);
    const codec = batch && this.batchCodec ? this.batchCodec : datagramCodec(this.codec, message);
    if (from === undefined) this.onEvent({ type: 'unbound-sender' });
    const peer = from === undefined ? this.unbound : this.peerFor(from);
    if (batch) {
      // A batch from no address (queued at a checkpoint, see UnboundPeer) is unpacked too: each of
      // its requests is run and remembered, so the resends are answered from memory.
      const frames = unpackBatch(message);
      if (frames) {
        if (peer instanceof DatagramPeer) {
          peer.batches = true;
          // A batch of one is a lone request (see dgram-client.ts): its reply leaves at once.
          if (frames.length > 1) peer.holdUntilCheckPhase();
        }
        for (const frame of frames) this.onFrame(frame, codec, peer);
        return;
      }
    }
    this.onFrame(message, codec, peer);
  }

  /** The peer that sent from `senderPath`; where it is answered is worked out once, when first seen. */
  private peerFor(senderPath: string): DatagramPeer {
    let peer = this.peers.get(senderPath);
    if (!peer) {
      if (this.peers.size >= this.maxPeers) this.forgetIdlePeers();
      peer = new DatagramPeer(replyPathOf(senderPath), this, senderIdentity(senderPath));
      this.peers.set(senderPath, peer);
    }
    return peer;
  }

  private forgetIdlePeers(): void {
    for (const [path, peer] of this.peers) if (peer.queued === 0) this.peers.delete(path);
  }

  /** @internal used by peers */
  sendTo(frame: Buffer, path: string): string {
    return this.socket ? this.socket.sendTo(frame, path) : 'TRANSPORT_CLOSED';
  }

  /** @internal used by peers */
  reportSendFailure(peer: ServerPeer, code: string): void {
    this.onSendFailure(peer, code);
  }

  pendingReplies(): number {
    let pending = 0;
    for (const peer of this.peers.values()) pending += peer.queued;
    return pending;
  }

  openConnections(): number {
    return 0;
  }

  /**
   * For CRIU: stop taking datagrams, deliver the replies already produced, then close the socket and
   * remove its file, so the checkpoint holds no datagram socket and no queue. What was still queued
   * unread is dropped unexecuted; its clients resend it once the server is back (`resume` binds
   * again, a new socket file that clients watching the path see at once).
   *
   * Why not checkpoint the bound socket with its queue: criu refills a restored socket's queue with
   * plain sends (criu/sk-queue.c, restore_sk_queue), while clients may already be sending into the
   * rebound path. Under load the queue (net.unix.max_dgram_qlen, 10 here) was full when dumped, a
   * client's datagram takes a slot first, and `criu restore` fails with EAGAIN (seen here with 3
   * clients x 64 in flight). Datagrams restored that way also come back without their sender
   * address, so their replies could not be sent.
   */
  async quiesce(flushMs = 2_000): Promise<void> {
    // Closed, an adopted socket could not be had again: refused before anything changes.
    if (this.activated) throw activatedSocketHeld(this.path);
    this.holding = true;
    this.hold.hold();
    await this.flushAndCloseSocket(flushMs);
  }

  async resume(): Promise<void> {
    if (this.socket) return;
    await this.bindSocket();
    this.holding = false;
    this.hold.release();
  }

  private async flushAndCloseSocket(flushMs: number): Promise<void> {
    const deadline = Date.now() + flushMs;
    while (this.pendingReplies() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const peer of this.peers.values()) peer.drop();
    this.peers.clear();
    if (this.socket) {
      this.socket.close();
      this.socket = undefined;
      // The activator's socket file stays: it still holds the socket, and queues for the next server.
      if (!this.activated) removeIfStale(this.path, probeSocket);
    }
  }

  /** An activated socket is no longer read: what arrives from now on waits in it for the next server. */
  stopTaking(): void {
    if (!this.activated) return;
    const failure = this.socket?.stopReading();
    if (failure !== undefined) this.onEvent({ type: 'socket-error', peer: 'listener', code: failure });
  }

  async close(flushMs = 2_000): Promise<void> {
    this.stopTaking();
    this.holding = true;
    await this.flushAndCloseSocket(flushMs);
    this.hold.release();
  }
}

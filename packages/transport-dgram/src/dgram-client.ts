import { randomBytes } from 'node:crypto';
import type {
  ClientTransport,
  ClientTransportOptions,
  LinkFailureListener,
  Owner,
  ServerBackListener,
  ServerTrust,
} from '@udsipc/core/transport';
import {
  Burst,
  bindFailure,
  bindWithMode,
  defaultServerTrust,
  ensurePrivateDirectory,
  REPLY_UNREACHABLE,
  removeIfStale,
  SERVER_NOT_TRUSTED,
  ServerWatch,
  sweepStaleReplySockets,
  trustsOwner,
  userReplyDirectory,
} from '@udsipc/core/transport';
import {
  allocateReplyPath,
  type Codec,
  codecNamed,
  type Frame,
  flatFrame,
  framesThatFit,
  isBatch,
  MAX_DATAGRAM_BYTES,
  packBatch,
  sendPathFor,
  unpackBatch,
} from '@udsipc/protocol';
import { DatagramSocket } from './dgram-socket.js';
import { PEER_GONE_ERRNOS } from './errno.js';
import { probeSocket } from './probe-socket.js';
import { openReplySocketTo } from './reply-access.js';
import { type GateWaiter, gateFor, releaseGate, ServerQueueGate } from './server-queue-gate.js';
import { socketFileOwner } from './socket-file-owner.js';

export interface DatagramClientOptions extends ClientTransportOptions {
  /** Where the reply socket is bound (default: the per-user directory of @udsipc/protocol). */
  replyDirectory?: string;
  /** Frames held while the server's queue is full; beyond this `send` answers QUEUE_FULL (default 4096). */
  maxQueuedFrames?: number;
}

/** A fence that met a full reply queue is sent again this soon: our own loop is draining that queue. */
const FENCE_RETRY_MS = 1;
/** Starts a fence datagram; neither `{` (JSON) nor 0x1E (a batch), so it can never pass for a reply. */
const FENCE_TAG = 0x00;
const liveReplyPaths = new Set<string>();
let exitHookInstalled = false;

/** A process that exits without closing its clients still removes their reply sockets. */
function removeReplySocketsOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const path of liveReplyPaths) removeIfStale(path, probeSocket);
  });
}

/**
 * The datagram adapter's client half, on two sockets:
 *
 * - the send socket, bound at `c-<pid>-<hex>.tx.sock`, is connect()ed to the server, so a full
 *   server queue is reported as congestion and then 'writable' instead of EAGAIN: frames wait in a
 *   queue keyed by request id and drain when the kernel has room. A server that restarted is a new
 *   socket: the connection is simply made again on the next send.
 * - the reply socket, bound at `c-<pid>-<hex>.sock`, is never connected and sends nothing but
 *   fences to itself; a udsipc server answers there (it derives the path from the send socket's
 *   name). Servers that answer the sender's address instead (the seed's C programs) reach the send
 *   socket, which is read too: those keep the purge hazard, and have no ids to be exact with anyway.
 *
 * Why two: when a connected datagram socket's peer is gone, the kernel purges that socket's receive
 * queue on the next send (net/unix/af_unix.c: unix_dgram_sendmsg -> unix_dgram_disconnected ->
 * skb_queue_purge), and again on every connect() to a new peer. Replies a server delivered just
 * before it exited would vanish unread, and the next server would execute their resends a second
 * time. An unconnected socket is never purged, so a reply that reached this client is always read.
 */
export class DatagramClientTransport implements ClientTransport {
  readonly kind = 'dgram' as const;
  readonly maxFrameBytes: number;
  readonly replyPath: string;
  readonly sendPath: string;
  private readonly serverPath: string;
  private readonly replyDirectory: string;
  private readonly maxQueuedFrames: number;
  /** The send socket (connected to the server). */
  private socket: DatagramSocket | undefined;
  /** The reply socket (never connected). */
  private replies: DatagramSocket | undefined;
  private readonly watch: ServerWatch;
  /** The fence in flight, if any: its bytes, unique to this client and this fence. */
  private fence: Buffer | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  readonly codec: Codec;
  private readonly trust: ServerTrust;
  /** Whether the server the send socket is connected to passed the trust check. */
  private trusted = false;
  /** The server owner (uid:gid) the reply socket was last opened to. */
  private repliesOpenTo: string | undefined;
  private readonly outbox = new Map<string, Buffer>();
  /** Requests held back to leave together: see burst-policy.ts. */
  private readonly burst = new Burst(() => {
    if (!this.congested) this.flush();
  });
  /** Whether this client waits in its gate's line for room in the server's queue. */
  private congested = false;
  /**
   * Shared with this process's other clients of the server while open (see server-queue-gate.ts);
   * a gate of its own before and after, so a client that never opens, or fails to, holds no place
   * in the shared one.
   */
  private gate = new ServerQueueGate();
  private sharesGate = false;
  /** This client as its gate's line sees it. */
  private readonly inLine: GateWaiter = { flush: () => this.flush() };
  private anonymousKeys = 0;
  private onFrame: (frame: Buffer) => void = () => {};
  private onLinkFailure: LinkFailureListener = () => {};
  private onServerBack: ServerBackListener = () => {};

  constructor(options: DatagramClientOptions) {
    this.serverPath = options.path;
    this.codec = codecNamed(options.wire);
    this.trust = options.serverTrust ?? defaultServerTrust();
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? MAX_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES);
    this.replyDirectory = options.replyDirectory ?? userReplyDirectory();
    this.maxQueuedFrames = options.maxQueuedFrames ?? 4096;
    this.replyPath = allocateReplyPath(this.replyDirectory);
    this.sendPath = sendPathFor(this.replyPath);
    this.watch = new ServerWatch(this.serverPath, () => this.serverAppeared());
  }

  async open(
    onFrame: (frame: Buffer) => void,
    onLinkFailure: LinkFailureListener,
    onServerBack: ServerBackListener = () => {},
  ): Promise<void> {
    this.onFrame = onFrame;
    this.onLinkFailure = onLinkFailure;
    this.onServerBack = onServerBack;
    ensurePrivateDirectory(this.replyDirectory);
    sweepStaleReplySockets(this.replyDirectory, probeSocket);
    const replies = new DatagramSocket((message, from) => this.receive(message, from));
    // A udsipc server answers on the reply socket; a server that answers wherever a datagram came
    // from (the seed's C programs) reaches the send socket, which is read as well.
    const socket = new DatagramSocket((message, from) => this.receive(message, from));
    for (const [bound, path] of [
      [replies, this.replyPath],
      [socket, this.sendPath],
    ] as const) {
      const failure = bindWithMode(path, 0o600, () => bound.bind(path));
      if (failure) {
        replies.close();
        socket.close();
        this.forgetSocketFiles();
        throw bindFailure(path, failure);
      }
      liveReplyPaths.add(path);
    }
    this.replies = replies;
    this.socket = socket;
    if (!this.sharesGate) {
      this.gate = gateFor(this.serverPath);
      this.sharesGate = true;
    }
    removeReplySocketsOnExit();
    // Only the socket whose send met the full queue polls (unix-dgram, one-shot): room for the line.
    socket.onWritable(() => this.gate.open());
    this.connectToServer(socket);
    this.watch.start();
  }

  /**
   * A new server socket is bound at the path (a restart, a CRIU restore). Connect to it, then send a
   * fence through the reply queue: datagram queues are first in, first out, so once the fence comes
   * back every reply the old server delivered has been handed on, and resending what is still
   * unanswered cannot run a request twice whose reply was merely unread.
   */
  private serverAppeared(): void {
    const socket = this.socket;
    if (!socket) return;
    this.connectToServer(socket);
    // A new server's queue is empty: whoever waited for room in the old one's may send.
    if (this.gate.isFull) this.gate.open();
    else if (this.outbox.size > 0 && !this.congested) this.flush();
    if (this.fence) return;
    this.fence = Buffer.concat([Buffer.of(FENCE_TAG), randomBytes(16)]);
    this.sendFence();
  }

  private sendFence(): void {
    this.fenceTimer = undefined;
    const { fence, replies } = this;
    if (!fence || !replies) return;
    const outcome = replies.sendTo(fence, this.replyPath);
    if (outcome === 'ok') return;
    // Our own queue is full (net.unix.max_dgram_qlen): this loop is draining it, so try again shortly.
    this.fenceTimer = setTimeout(() => this.sendFence(), FENCE_RETRY_MS);
  }

  private receive(message: Buffer, from: string | undefined): void {
    if (from === this.replyPath) {
      if (this.fence?.equals(message)) {
        this.fence = undefined;
        this.onServerBack();
      }
      return;
    }
    // Anyone who can reach the reply directory could write here: only the server is listened to.
    if (from !== this.serverPath) return;
    // Requests sent while handling these replies (the next ones of a pipeline) leave together.
    this.burst.start();
    if (this.codec.batches && isBatch(message)) {
      for (const frame of unpackBatch(message) ?? []) this.onFrame(frame);
      return;
    }
    this.onFrame(message);
  }

  /**
   * A lone request goes out at once. Requests that follow it before the event loop's check phase,
   * or that are sent while replies are being handled (the next ones of a pipeline), wait in the
   * outbox and leave together in the check phase, as one batch datagram. While the server's queue
   * is full the outbox also holds what could not be sent, keyed by request id so that a resend
   * replaces its queued original.
   */
  send(message: Frame, key?: string): string | undefined {
    // A datagram is one buffer (and never holds a gathered frame: those are over 64 KiB).
    const frame = flatFrame(message);
    const socket = this.socket;
    if (!socket) return 'TRANSPORT_CLOSED';
    const queueKey = key ?? `#${++this.anonymousKeys}`;
    if (this.outbox.size === 0 && !this.burst.active && !this.gate.isFull) {
      this.burst.start();
      // Even a lone JSON frame goes as a batch (of one): a server batches what it sends only to a
      // peer that batches itself (dgram-batch.ts), and a subscriber sends little but a subscribe,
      // yet must read events in batches to keep up with a pipelining publisher (see offer() in
      // dgram-server.ts). Five bytes and one small copy per lone request.
      const outcome = this.sendConnected(socket, this.codec.batches ? packBatch([frame]) : frame);
      if (outcome === 'congested') {
        this.outbox.set(queueKey, frame);
        this.waitForRoom();
        return undefined;
      }
      return outcome === 'ok' ? undefined : outcome;
    }
    if (!this.outbox.has(queueKey) && this.outbox.size >= this.maxQueuedFrames) return 'QUEUE_FULL';
    this.outbox.set(queueKey, frame);
    if (!this.congested && !this.burst.active) {
      // Held only because the server's queue is full (the gate): wait in line for room.
      this.flush();
      return undefined;
    }
    // A burst leaves in growing parts, so the server starts on the first while the rest is
    // produced, yet a long burst still travels in few datagrams.
    if (!this.congested && this.burst.partDue(this.outbox.size)) this.flush();
    return undefined;
  }

  /** Sends on the connection, connecting (again) first when there is none or the server was replaced. */
  private sendConnected(socket: DatagramSocket, frame: Buffer): string {
    if (!socket.connected || !this.trusted) {
      const failure = this.connectToServer(socket);
      if (failure) return failure;
    }
    const outcome = socket.send(frame);
    if (!PEER_GONE_ERRNOS.has(outcome)) return outcome;
    // The socket we were connected to is gone; a new server may already be bound at the path.
    const failure = this.connectToServer(socket);
    return failure ?? socket.send(frame);
  }

  /**
   * Connects the send socket to the server's path, then asks who bound it: the socket file's owner,
   * read after the connect, so it is the file connected to unless its owner replaced it since (in
   * a sticky or private directory no one else can). Nothing is sent to a server not trusted.
   */
  private connectToServer(socket: DatagramSocket): string | undefined {
    const failure = socket.connect(this.serverPath);
    if (failure) return failure;
    const owner = socketFileOwner(this.serverPath);
    if (typeof owner === 'string') return owner;
    this.trusted = trustsOwner(this.trust, owner) && this.repliesReachableBy(owner);
    if (this.trusted) return undefined;
    return trustsOwner(this.trust, owner) ? REPLY_UNREACHABLE : SERVER_NOT_TRUSTED;
  }

  /**
   * Opens the reply socket to a trusted server of another user (see reply-access.ts), once per
   * server owner; false when that user could never reach it.
   */
  private repliesReachableBy(owner: Owner): boolean {
    const key = `${owner.uid}:${owner.gid}`;
    if (this.repliesOpenTo === key) return true;
    const access = openReplySocketTo(owner, this.replyPath);
    if (access === undefined) return false;
    this.repliesOpenTo = key;
    return true;
  }

  /** This client's send met the server's queue full: its socket polls for room, and it waits in line. */
  private waitForRoom(): void {
    this.congested = true;
    this.gate.congested(this.inLine);
  }

  /** Sends the outbox, packing frames into batch datagrams, until it is empty or the server's queue is full. */
  private flush(): void {
    const socket = this.socket;
    if (socket && this.outbox.size > 0 && this.gate.isFull) {
      // Another client of this process met the queue full: wait in line rather than try.
      this.congested = true;
      this.gate.wait(this.inLine);
      return;
    }
    while (socket && this.outbox.size > 0) {
      const keys: string[] = [];
      const frames: Buffer[] = [];
      for (const [key, frame] of this.outbox) {
        keys.push(key);
        frames.push(frame);
        if (!this.codec.batches) break;
      }
      const count = this.codec.batches ? framesThatFit(frames, this.maxFrameBytes) : 1;
      const datagram = this.codec.batches ? packBatch(frames.slice(0, count)) : frames[0]!;
      const outcome = this.sendConnected(socket, datagram);
      if (outcome === 'congested') {
        this.waitForRoom();
        return;
      }
      for (const key of keys.slice(0, count)) {
        this.outbox.delete(key);
        if (outcome !== 'ok') this.onLinkFailure(outcome, key.startsWith('#') ? undefined : key);
      }
    }
    this.congested = false;
  }

  /** Removes this client's two socket files once their sockets are closed. */
  private forgetSocketFiles(): void {
    for (const path of [this.replyPath, this.sendPath]) {
      liveReplyPaths.delete(path);
      removeIfStale(path, probeSocket);
    }
  }

  async close(): Promise<void> {
    this.watch.stop();
    clearTimeout(this.fenceTimer);
    this.fence = undefined;
    if (this.socket && this.replies) {
      this.socket.close();
      this.replies.close();
      this.socket = undefined;
      this.replies = undefined;
      this.forgetSocketFiles();
    }
    this.outbox.clear();
    if (this.sharesGate) {
      this.sharesGate = false;
      releaseGate(this.serverPath, this.gate, this.inLine);
      this.gate = new ServerQueueGate();
    }
  }
}

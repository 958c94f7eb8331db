import type { Codec, CodecName, Frame, TransportName, WireFormat } from '@udsipc/protocol';
import type { Caller } from './caller.js';
import type { ServerTrust } from './server-trust.js';

/** Someone a server can answer: a datagram reply path or a stream connection. */
export interface ServerPeer {
  /** Stable for the peer's lifetime: `dgram:<reply path>` or `stream:<n>`. */
  readonly id: string;
  /** Who is at the other end, from the kernel; undefined when that cannot be established. */
  readonly caller: Caller | undefined;
  /**
   * Hands a reply to the transport; delivery failures are counted and reported, never thrown.
   * (Declared as properties, not methods, so an adapter taking only a Buffer fails to compile:
   * TypeScript checks method parameters bivariantly.)
   */
  send: (frame: Frame) => void;
  /**
   * Hands over a pushed event unless this peer is not keeping up: its queue is at the bound that
   * its replies back off within. Then false: the event is dropped (the subscriber sees the gap in
   * its numbers), and no reply is ever displaced by an event.
   */
  offer: (frame: Frame) => boolean;
}

/** Why a reply was not delivered, by stable code (errno names such as ECONNREFUSED, or QUEUE_FULL, PEER_CLOSED ...). */
export type SendFailureListener = (peer: ServerPeer, code: string) => void;

/** One message from a peer, with the codec it is in (the connection's, or under `auto` the datagram's own). */
export type FrameListener = (frame: Buffer, codec: Codec, peer: ServerPeer) => void;

/** Where a server's socket comes from: bound at `path` by the adapter, or adopted from an activator. */
export type ServerSocketSource =
  | { path: string; listenFd?: undefined }
  | {
      /**
       * A socket already bound (and, for stream, listening), passed by systemd or another socket
       * activator. The adapter checks it with the kernel, never binds it again and never unlinks its
       * file; it cannot be quiesced for a checkpoint (ACTIVATED_SOCKET_HELD).
       */
      listenFd: number;
      /** The path it must be bound at (ACTIVATED_SOCKET_UNUSABLE otherwise); unset: whatever it is. */
      path?: string | undefined;
    };

export type ServerTransportOptions = ServerSocketSource & ServerTransportSettings;

export interface ServerTransportSettings {
  /** Wire format expected: `auto` tells JSON from the seed's cstring records per message (datagram) or per connection (stream). */
  codec: CodecName;
  /** File mode of the socket file (default 0o600). */
  mode?: number;
  /** Largest frame accepted (default: the protocol's limit for the transport). */
  maxFrameBytes?: number;
}

/** The server half of a transport: both adapters implement it, and the request/reply layer knows nothing else. */
export interface ServerTransport {
  readonly kind: TransportName;
  readonly path: string;
  /** The wire format configured: one, or `auto` to answer each peer in the format it speaks. */
  readonly codec: CodecName;
  /** Largest frame this transport carries; replies must fit. */
  readonly maxFrameBytes: number;
  /** Checks and binds the socket file, then delivers frames to `onFrame`. */
  listen(onFrame: FrameListener, onSendFailure: SendFailureListener): Promise<void>;
  /**
   * The first step of a graceful stop, before the requests in flight are answered: takes nothing
   * more that the next server could take instead. An activated socket outlives this process, so
   * its adapter stops accepting connections or reading datagrams now, and what arrives waits in
   * the socket; a socket of our own goes with the process, and keeps being read until `close`.
   */
  stopTaking(): void;
  /** Stops taking frames and closes every connection and the socket, so the process holds no socket (for CRIU); `resume` undoes it. */
  quiesce(): Promise<void>;
  resume(): Promise<void>;
  /** Frames delivered but still waiting to be written, across all peers. */
  pendingReplies(): number;
  /** Stream connections open now (0 for datagram). */
  openConnections(): number;
  /** Stops, flushes what it can within `flushMs`, removes the socket file. */
  close(flushMs?: number): Promise<void>;
}

/** Why a sent frame may not have reached the server: the request/reply layer retries on these. */
export type LinkFailureListener = (code: string, frameKey: string | undefined) => void;

/**
 * A new server is reachable at the path (restarted, or restored by CRIU), and every reply the
 * previous one delivered to this client has already been handed to `onFrame`: what is still
 * unanswered may be resent at once without running a request twice whose reply was only unread.
 */
export type ServerBackListener = () => void;

export interface ClientTransportOptions {
  /** The server's socket path. */
  path: string;
  wire: WireFormat;
  maxFrameBytes?: number;
  /**
   * Whose servers to send to (default: root's and the user's own). A server owned by anyone else
   * is reported as the link failure SERVER_NOT_TRUSTED, and nothing is sent to it.
   */
  serverTrust?: ServerTrust;
}

/** The client half: send frames, receive frames, report link failures. Reconnecting is the adapter's business. */
export interface ClientTransport {
  readonly kind: TransportName;
  /** The wire format this client speaks, configured once (`wire`); the request/reply layer uses it as is. */
  readonly codec: Codec;
  readonly maxFrameBytes: number;
  open(
    onFrame: (frame: Buffer) => void,
    onLinkFailure: LinkFailureListener,
    onServerBack?: ServerBackListener,
  ): Promise<void>;
  /**
   * Sends one frame. `key` names what the frame is for (a request id): when the link is congested,
   * a newer frame with the same key replaces the queued one instead of queueing twice. Returns
   * undefined when the frame was sent or queued, else why not (an errno name, NOT_CONNECTED ...).
   */
  send: (frame: Frame, key?: string) => string | undefined;
  close(): Promise<void>;
}

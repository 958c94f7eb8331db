import type {
  FrameListener,
  SendFailureListener,
  ServerPeer,
  ServerTransport,
  TransportEventListener,
} from '@udsipc/core/transport';
import { QuiesceHold, TransportError } from '@udsipc/core/transport';
import { type CodecName, type Frame, flatFrame, jsonCodec } from '@udsipc/protocol';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { DEFAULT_NATS_URL, QUEUE_GROUP, validateNatsUrl, validateSubject } from './subjects.js';

/** How long a stop waits for NATS to take what was published, unless told otherwise. */
const DEFAULT_FLUSH_MS = 5_000;

/** Settles when `promise` does or after `ms`, whichever is first; never rejects. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** NATS's own default max_payload; the server tells the real one on connect. */
const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export interface NatsServerOptions {
  /** The NATS server (default nats://127.0.0.1:4222). */
  url?: string;
  /** The literal subject requests are sent to; every server of it joins one queue group. */
  subject: string;
  /** `json` or `auto` (the same here: the seed's cstring records never travel over NATS). */
  codec?: CodecName;
  /** Largest frame accepted or sent (default: the NATS server's max_payload). */
  maxFrameBytes?: number;
  /** Told when the link to NATS drops and comes back (for the server's log). */
  onEvent?: TransportEventListener;
}

/**
 * Someone to answer over NATS: the reply subject its request carried. Replies and pushed events
 * are published there; NATS gives them to the client's inbox subscription.
 */
class NatsPeer implements ServerPeer {
  readonly id: string;
  /** NATS does not say who published: no kernel names the caller here. */
  readonly caller = undefined;

  constructor(
    private readonly reply: string,
    private readonly server: NatsServerTransport,
  ) {
    this.id = `nats:${reply}`;
  }

  send(frame: Frame): void {
    this.server.publish(this, this.reply, flatFrame(frame));
  }

  /**
   * NATS itself bounds what a slow client may hold (its server cuts a slow consumer off); here an
   * event is only refused while the link to NATS is down, when nats.js would buffer it blindly.
   */
  offer(frame: Frame): boolean {
    if (!this.server.linkUp) return false;
    this.send(frame);
    return true;
  }
}

/**
 * The NATS adapter's server half: subscribes to the subject in the `udsipc` queue group and hands
 * each message to the request/reply layer with its reply subject as the peer. The link to NATS is
 * nats.js's, reconnecting by itself; `quiesce` drains and closes it (so a CRIU checkpoint holds no
 * TCP connection), `resume` connects again.
 */
export class NatsServerTransport implements ServerTransport {
  readonly kind = 'nats' as const;
  readonly path: string;
  readonly codec: CodecName;
  readonly url: string;
  readonly subject: string;
  private configuredMaxFrameBytes: number | undefined;
  private connection: NatsConnection | undefined;
  private subscription: Subscription | undefined;
  private onFrame: FrameListener | undefined;
  private onSendFailure: SendFailureListener | undefined;
  private readonly onEvent: TransportEventListener;
  private taking = true;
  /** With the link closed, nothing else would keep the quiesced process alive to be checkpointed. */
  private readonly hold = new QuiesceHold();
  /** False while nats.js is reconnecting (or quiesced): events are refused then. */
  linkUp = false;

  constructor(options: NatsServerOptions) {
    this.url = validateNatsUrl(options.url ?? DEFAULT_NATS_URL);
    this.subject = validateSubject(options.subject);
    this.path = `${this.url}/${this.subject}`;
    this.codec = options.codec ?? 'auto';
    if (this.codec === 'cstring') {
      throw new TransportError('INVALID_OPTION', 'the NATS transport carries JSON only (codec json or auto)');
    }
    this.configuredMaxFrameBytes = options.maxFrameBytes;
    this.onEvent = options.onEvent ?? (() => {});
  }

  get maxFrameBytes(): number {
    const announced = this.connection?.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
    return Math.min(this.configuredMaxFrameBytes ?? announced, announced);
  }

  async listen(onFrame: FrameListener, onSendFailure: SendFailureListener): Promise<void> {
    this.onFrame = onFrame;
    this.onSendFailure = onSendFailure;
    await this.connect();
  }

  private async connect(): Promise<void> {
    let connection: NatsConnection;
    try {
      connection = await connect({
        servers: this.url,
        name: `udsipc-server ${process.pid}`,
        // Once connected, never give up: a NATS server that restarts is waited for.
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransportError('BROKER_UNREACHABLE', `no NATS server at ${this.url}: ${reason}`, {
        path: this.url,
      });
    }
    this.connection = connection;
    this.linkUp = true;
    this.subscription = connection.subscribe(this.subject, {
      queue: QUEUE_GROUP,
      callback: (error, message) => {
        if (!error) this.receive(message);
      },
    });
    void this.watch(connection);
    // The subscription is registered with NATS once this round trip is back: only then is the
    // server really listening (a request sent before it would find no responder).
    await connection.flush();
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (connection !== this.connection) return;
      if (status.type === 'disconnect') {
        this.linkUp = false;
        this.onEvent({ type: 'link-down', url: this.url });
      } else if (status.type === 'reconnect') {
        this.linkUp = true;
        this.onEvent({ type: 'link-up', url: this.url });
      }
    }
  }

  private receive(message: Msg): void {
    if (!this.taking || !this.onFrame) return;
    const { reply } = message;
    const frame = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
    // A message without a reply subject has no one to answer; its request still runs once.
    const peer: ServerPeer = reply ? new NatsPeer(reply, this) : UNANSWERABLE;
    this.onFrame(frame, jsonCodec, peer);
  }

  /** Publishes a reply or an event; a failure is counted by the request/reply layer, never thrown. */
  publish(peer: ServerPeer, subject: string, frame: Buffer): void {
    const connection = this.connection;
    if (!connection || connection.isClosed() || connection.isDraining()) {
      this.onSendFailure?.(peer, 'BROKER_UNREACHABLE');
      return;
    }
    try {
      connection.publish(subject, frame);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.onSendFailure?.(peer, typeof code === 'string' ? code : 'BROKER_UNREACHABLE');
    }
  }

  stopTaking(): void {
    // Leave the queue group now: NATS gives what comes next to the other servers of the subject.
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  async quiesce(): Promise<void> {
    this.hold.hold();
    await this.disconnect();
  }

  async resume(): Promise<void> {
    await this.connect();
    this.hold.release();
  }

  pendingReplies(): number {
    return 0;
  }

  openConnections(): number {
    return 0;
  }

  async close(flushMs = DEFAULT_FLUSH_MS): Promise<void> {
    await this.disconnect(flushMs);
    this.taking = false;
  }

  /**
   * Leaves the queue group, then flushes what was published (the replies to everything answered)
   * to NATS before the link closes. The request/reply layer has answered what was running first.
   */
  private async disconnect(flushMs = DEFAULT_FLUSH_MS): Promise<void> {
    const connection = this.connection;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (!connection || connection.isClosed()) {
      this.connection = undefined;
      this.linkUp = false;
      return;
    }
    // A flush waits for NATS to answer; with the link down (nats.js reconnecting) it never would.
    await withinMs(connection.flush(), flushMs);
    this.connection = undefined;
    this.linkUp = false;
    await connection.close().catch(() => {});
  }
}

/** The peer of a message that named no reply subject. */
const UNANSWERABLE: ServerPeer = {
  id: 'nats:no-reply',
  caller: undefined,
  send: () => {},
  offer: () => false,
};

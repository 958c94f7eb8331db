import type { ClientTransport, LinkFailureListener, ServerBackListener } from '@udsipc/core/transport';
import { type Codec, type Frame, flatFrame, jsonCodec } from '@udsipc/protocol';
import { connect, createInbox, type Msg, type NatsConnection } from 'nats';
import { DEFAULT_NATS_URL, validateNatsUrl, validateSubject } from './subjects.js';

const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** NATS's status for a message that found no subscriber (`no_responders`). */
const NO_RESPONDERS_STATUS = 503;

export interface NatsClientOptions {
  /** The NATS server (default nats://127.0.0.1:4222). */
  url?: string;
  /** The subject the servers listen on. */
  subject: string;
  /** Largest frame sent or accepted (default: the NATS server's max_payload). */
  maxFrameBytes?: number;
}

/**
 * The NATS adapter's client half. Each request is published to the subject with its own reply
 * subject, `<inbox>.<key>`, under one inbox subscription: NATS answers a request that found no
 * server with a no-responders status on that subject, so the request/reply layer is told which
 * frame failed (NO_RESPONDERS) and resends it with back-off instead of waiting for its time-out.
 * The link is nats.js's: it connects in the background and reconnects by itself; while it is
 * down nats.js holds what is published, and when it is back the requests still unanswered are
 * resent at once (their ids make a resend safe).
 */
export class NatsClientTransport implements ClientTransport {
  readonly kind = 'nats' as const;
  readonly codec: Codec = jsonCodec;
  readonly url: string;
  readonly subject: string;
  private readonly inbox = createInbox();
  private connection: NatsConnection | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private configuredMaxFrameBytes: number | undefined;
  private onFrame: (frame: Buffer) => void = () => {};
  private onLinkFailure: LinkFailureListener = () => {};
  private onServerBack: ServerBackListener = () => {};

  constructor(options: NatsClientOptions) {
    this.url = validateNatsUrl(options.url ?? DEFAULT_NATS_URL);
    this.subject = validateSubject(options.subject);
    this.configuredMaxFrameBytes = options.maxFrameBytes;
  }

  get maxFrameBytes(): number {
    const announced = this.connection?.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
    return Math.min(this.configuredMaxFrameBytes ?? announced, announced);
  }

  /** Starts connecting and resolves at once: a NATS server that is not up yet is waited for. */
  async open(
    onFrame: (frame: Buffer) => void,
    onLinkFailure: LinkFailureListener,
    onServerBack: ServerBackListener = () => {},
  ): Promise<void> {
    this.onFrame = onFrame;
    this.onLinkFailure = onLinkFailure;
    this.onServerBack = onServerBack;
    // A connect that fails for good (a URL nats.js refuses) leaves every send BROKER_UNREACHABLE.
    this.connecting = this.connect().catch(() => {});
    // The first connection, if NATS is up, before the first request: not a failure if it is not.
    await Promise.race([this.connecting, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }

  private async connect(): Promise<void> {
    const connection = await connect({
      servers: this.url,
      name: `udsipc-client ${process.pid}`,
      waitOnFirstConnect: true,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
    });
    if (this.closed) {
      await connection.close();
      return;
    }
    this.connection = connection;
    connection.subscribe(`${this.inbox}.>`, {
      callback: (error, message) => {
        if (!error) this.receive(message);
      },
    });
    void this.watch(connection);
    await connection.flush();
    this.onServerBack();
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      // Back on a NATS server: what is unanswered may have been lost with the link, resend it now.
      if (status.type === 'reconnect') this.onServerBack();
    }
  }

  private receive(message: Msg): void {
    if (message.headers?.code === NO_RESPONDERS_STATUS && message.data.length === 0) {
      const key = message.subject.slice(this.inbox.length + 1);
      this.onLinkFailure('NO_RESPONDERS', key.length > 0 ? key : undefined);
      return;
    }
    this.onFrame(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
  }

  send(frame: Frame, key?: string): string | undefined {
    const connection = this.connection;
    if (this.closed) return 'TRANSPORT_CLOSED';
    if (!connection || connection.isClosed()) return 'BROKER_UNREACHABLE';
    try {
      // The key (a request id) names the reply subject, so a no-responders status names its frame.
      // A NATS message is one payload: a gathered frame's parts are copied together here.
      connection.publish(this.subject, flatFrame(frame), { reply: `${this.inbox}.${key ?? '_'}` });
      return undefined;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' ? code : 'BROKER_UNREACHABLE';
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection && !connection.isClosed()) {
      // close() flushes what it can; an explicit flush would wait forever while the link is down.
      await connection.close().catch(() => {});
    }
  }
}

import {
  builtinMessages,
  CANCEL_TYPE,
  type Codec,
  clientIdOf,
  codecNamed,
  DEFAULT_MAX_JSON_DEPTH,
  DEFAULT_MAX_JSON_VALUES,
  DESCRIBE_TYPE,
  type DescribeReply,
  describeTypes,
  errorReply,
  type Frame,
  isProtocolError,
  type MessageRegistry,
  okReply,
  PROTOCOL_VERSION,
  PUBLISH_TYPE,
  type PublishReply,
  parseRequestId,
  type ReplyEnvelope,
  type RequestEnvelope,
  type StatsReply,
  SUBSCRIBE_TYPE,
  UNSUBSCRIBE_TYPE,
  validateRequestPayload,
  type WireFormat,
} from '@udsipc/protocol';
import type { z } from 'zod';
import { type AccessPolicy, mayCall } from './access-policy.js';
import type { Caller } from './caller.js';
import { HandlerError } from './errors.js';
import {
  BELOW_WATERMARK,
  DEFAULT_REPLAY_LIMITS,
  ReplayCache,
  type ReplayLimits,
  ReplayTicket,
} from './replay-cache.js';
import { HandlerContext, type RequestContext } from './request-context.js';
import { DEFAULT_SUBSCRIPTION_LEASE_MS, TopicRegistry } from './topic-registry.js';
import type { ServerPeer, ServerTransport } from './transport.js';

/** What a handler is told besides its payload. */

export type { RequestContext };

export type Handler<R extends MessageRegistry, T extends keyof R> = (
  payload: z.infer<R[T]['request']>,
  context: RequestContext,
) => z.input<R[T]['reply']> | Promise<z.input<R[T]['reply']>>;

/**
 * A peer whose replies go nowhere: a notification's handler outcome (its acknowledgement went out
 * on receipt). An error is still reported as a handler-error event.
 */
class SilentPeer implements ServerPeer {
  readonly id: string;
  readonly caller: ServerPeer['caller'];
  constructor(peer: ServerPeer) {
    this.id = peer.id;
    this.caller = peer.caller;
  }
  send(): void {}
  offer(): boolean {
    return false;
  }
}

function silent(peer: ServerPeer): ServerPeer {
  return new SilentPeer(peer);
}

/** What the request/reply layer reports for logging; the server app turns these into log lines. */
export type RpcServerEvent =
  | { type: 'protocol-error'; code: string; message: string; peer: string }
  | { type: 'handler-error'; id: string; messageType: string; code: string; message: string }
  | { type: 'send-failure'; peer: string; code: string }
  | { type: 'forbidden'; id: string; messageType: string; peer: string; caller: Caller | undefined };

/** One decoded request, as `onRequest` reports it. */
export interface RequestTrace {
  id: string;
  messageType: string;
  peer: string;
  wire: WireFormat;
  caller: Caller | undefined;
}

export interface RpcServerOptions<R extends MessageRegistry> {
  transport: ServerTransport;
  messages?: R;
  replay?: Partial<ReplayLimits>;
  maxJsonDepth?: number;
  /** Most JSON values (objects, arrays, elements) in one request (default 100,000): bounds its parse time. */
  maxJsonValues?: number;
  /** Who may send which requests (default: everyone); a refused request is answered FORBIDDEN and never run. */
  access?: AccessPolicy;
  onEvent?: (event: RpcServerEvent) => void;
  /**
   * Called for every decoded request, for tracing. Left unset, a request costs nothing here: this is
   * on the hot path, so the record is not even built.
   */
  onRequest?: (request: RequestTrace) => void;
  /** The server program's version, told to whoever sends `describe`. */
  version?: string;
  /**
   * How long a subscription lasts unless its client renews it, in ms (default 30 s; clients renew
   * at a third of it). Time the server itself did not run (frozen, checkpointed) does not count.
   */
  subscriptionLeaseMs?: number;
}

const UNKNOWN_REQUEST_ID = '?';
/** The send failure of an event a reply displaced from a full queue (see the datagram adapter). */
const EVENT_DROPPED = 'EVENT_DROPPED';
/** Distinct clients are counted up to this many, so the count cannot grow memory without bound. */
const MAX_TRACKED_CLIENTS = 1_000_000;

function increment(counts: Record<string, number>, code: string): void {
  counts[code] = (counts[code] ?? 0) + 1;
}

/**
 * The server half of request/reply, written once over any ServerTransport: decode, answer resends
 * from memory, validate, dispatch by type, reply in the wire format the request came in. Nothing a
 * peer sends can throw out of here; a handler's throw becomes an error reply.
 */
export class RpcServer<R extends MessageRegistry = typeof builtinMessages> {
  readonly transport: ServerTransport;
  private readonly messages: R;
  private readonly handlers = new Map<string, Handler<R, keyof R>>();
  private readonly replay: ReplayCache;
  private readonly limits: { maxBytes: number; maxDepth: number; maxValues: number };
  private readonly onEvent: (event: RpcServerEvent) => void;
  private readonly access: AccessPolicy | undefined;
  private readonly onRequest: ((request: RequestTrace) => void) | undefined;
  private readonly startedAt = Date.now();
  private readonly clients = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Requests running now that a client may cancel (those with an id it remembers), by id. */
  private readonly running = new Map<string, HandlerContext>();
  /** The server program's version, for `describe`. */
  private readonly version: string | undefined;
  private described: DescribeReply | undefined;
  /** Subscriptions and the numbering of each topic's events (server push). */
  private readonly topics: TopicRegistry;
  private idle: (() => void) | undefined;
  private accepting = true;
  private readonly counters = {
    requests: 0,
    executed: 0,
    executedByType: {} as Record<string, number>,
    replies: 0,
    resendsAnsweredFromMemory: 0,
    errorsByCode: {} as Record<string, number>,
    sendFailuresByCode: {} as Record<string, number>,
  };

  constructor(options: RpcServerOptions<R>) {
    this.transport = options.transport;
    this.messages = options.messages ?? (builtinMessages as unknown as R);
    this.replay = new ReplayCache({ ...DEFAULT_REPLAY_LIMITS, ...options.replay });
    this.limits = {
      maxBytes: this.transport.maxFrameBytes,
      maxDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
      maxValues: options.maxJsonValues ?? DEFAULT_MAX_JSON_VALUES,
    };
    this.onEvent = options.onEvent ?? (() => {});
    this.access = options.access;
    this.onRequest = options.onRequest;
    // `cancel` is the request/reply layer's own: it reaches into the running requests and the
    // replay memory, which no handler of an application can.
    this.version = options.version;
    if (Object.hasOwn(this.messages, DESCRIBE_TYPE)) {
      this.handlers.set(DESCRIBE_TYPE, (() => this.describe()) as unknown as Handler<R, keyof R>);
    }
    if (Object.hasOwn(this.messages, CANCEL_TYPE)) {
      this.handlers.set(CANCEL_TYPE, ((payload: { id: string }, context: RequestContext) =>
        this.cancelRequest(payload.id, context.wire)) as unknown as Handler<R, keyof R>);
    }
    this.topics = new TopicRegistry(options.subscriptionLeaseMs ?? DEFAULT_SUBSCRIPTION_LEASE_MS, {
      maxBytes: this.transport.maxFrameBytes,
    });
    // Subscriptions are the request/reply layer's too: they hold on to the peer a request came from.
    const own = (type: string, handler: (payload: never, context: HandlerContext) => unknown) => {
      if (Object.hasOwn(this.messages, type))
        this.handlers.set(type, handler as unknown as Handler<R, keyof R>);
    };
    own(SUBSCRIBE_TYPE, (payload: { topic: string }, context) =>
      this.topics.subscribe(payload.topic, clientIdOf(context.id), context.origin),
    );
    own(UNSUBSCRIBE_TYPE, (payload: { topic: string }, context) => ({
      unsubscribed: this.topics.unsubscribe(payload.topic, clientIdOf(context.id)),
    }));
    own(PUBLISH_TYPE, (payload: { topic: string; event: unknown }) =>
      this.publish(payload.topic, payload.event),
    );
  }

  /**
   * Sends `event` to every subscriber of `topic` now, numbered in the topic's sequence. A subscriber
   * that is not keeping up (its queue at its bound) is not sent it: counted in `dropped` here and in
   * `stats`, and seen by the subscriber as a gap it counts as missed. Throws TOO_LARGE (nothing sent,
   * nothing numbered) for an event over the transport's frame limit.
   */
  publish(topic: string, event: unknown): PublishReply {
    try {
      return this.topics.publish(topic, event);
    } catch (error) {
      if (isProtocolError(error)) throw new HandlerError(error.code, error.message);
      throw error;
    }
  }

  /**
   * A client cancelled request `id`: abort its handler's signal if it is running (its reply is still
   * remembered, for nobody is sent it twice), else remember it as cancelled so a copy arriving
   * later is never run. False when it was answered already, or lies below its client's watermark.
   */
  private cancelRequest(id: string, wire: WireFormat): { cancelled: boolean } {
    const running = this.running.get(id);
    if (running) {
      running.cancel();
      return { cancelled: true };
    }
    const { clientId, counter } = parseRequestId(id);
    const known = this.replay.claim(id, clientId, Date.now(), counter);
    if (!(known instanceof ReplayTicket)) return { cancelled: false };
    const message = `request ${id} was cancelled by its client before it ran`;
    this.replay.complete(
      known,
      codecNamed(wire).encodeReply(errorReply(id, 'CANCELLED', message), this.limits),
      Date.now(),
    );
    return { cancelled: true };
  }

  /** Registers the handler for one message type of the registry. */
  handle<T extends keyof R & string>(type: T, handler: Handler<R, T>): this {
    if (!Object.hasOwn(this.messages, type)) throw new Error(`no schema for message type "${type}"`);
    this.handlers.set(type, handler as unknown as Handler<R, keyof R>);
    this.described = undefined;
    return this;
  }

  /**
   * The `describe` reply: the protocol version, the server's version, and the JSON Schemas of every
   * type this server answers (those with a handler), made once and again only after `handle`.
   */
  private describe(): DescribeReply {
    this.described ??= {
      protocol: PROTOCOL_VERSION,
      ...(this.version === undefined ? {} : { serverVersion: this.version }),
      types: describeTypes(this.messages, [...this.handlers.keys()].map(String).sort()),
    };
    return this.described;
  }

  async start(): Promise<void> {
    await this.transport.listen(
      (frame, codec, peer) => this.receive(frame, codec, peer),
      (peer, code) => {
        if (code === EVENT_DROPPED) this.topics.displaced();
        increment(this.counters.sendFailuresByCode, code);
        this.onEvent({ type: 'send-failure', peer: peer.id, code });
      },
    );
    this.sweepTimer = setInterval(() => this.replay.sweep(Date.now()), 10_000);
    this.sweepTimer.unref();
    this.topics.start();
  }

  private receive(frame: Buffer, codec: Codec, peer: ServerPeer): void {
    if (!this.accepting) return;
    let envelope: RequestEnvelope;
    try {
      envelope = codec.decodeRequest(frame, this.limits);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.counters.requests++;
      this.onEvent({ type: 'protocol-error', code: error.code, message: error.message, peer: peer.id });
      this.reply(peer, codec, errorReply(error.requestId ?? UNKNOWN_REQUEST_ID, error.code, error.message));
      return;
    }
    this.counters.requests++;
    this.onRequest?.({
      id: envelope.id,
      messageType: envelope.type,
      peer: peer.id,
      wire: codec.name,
      caller: peer.caller,
    });
    if (!mayCall(this.access, envelope.type, peer.caller)) {
      // Refused before the replay memory is asked: a caller not allowed leaves nothing behind.
      const who = peer.caller ? `uid ${peer.caller.uid} gid ${peer.caller.gid}` : 'an unknown caller';
      this.onEvent({
        type: 'forbidden',
        id: envelope.id,
        messageType: envelope.type,
        peer: peer.id,
        caller: peer.caller,
      });
      this.reply(peer, codec, errorReply(envelope.id, 'FORBIDDEN', `${who} may not send "${envelope.type}"`));
      return;
    }
    let ticket: ReplayTicket | undefined;
    if (codec.remembersRequests) {
      const { clientId, counter } = parseRequestId(envelope.id);
      const known = this.replay.claim(envelope.id, clientId, Date.now(), counter, envelope.low);
      if (known === BELOW_WATERMARK) {
        // Its client stopped waiting for it long ago and said so: never run it (it may have run).
        const message = `request ${envelope.id} is below its client's watermark: it is never run again`;
        this.reply(peer, codec, errorReply(envelope.id, 'STALE_REQUEST', message));
        return;
      }
      if (!(known instanceof ReplayTicket)) {
        this.counters.resendsAnsweredFromMemory++;
        // A resend of a request still running is answered when it completes, through the original reply.
        if (known !== 'pending') this.send(peer, known);
        return;
      }
      ticket = known;
      if (this.clients.size < MAX_TRACKED_CLIENTS) this.clients.add(clientId);
    }
    if (envelope.deadline !== undefined && Date.now() > envelope.deadline) {
      // Its client stopped waiting (it sat in a frozen or checkpointed server's queue): do not start
      // it. Remembered like any reply, so a late resend is not run either.
      const late = Date.now() - envelope.deadline;
      const message = `request ${envelope.id} reached the server ${late} ms after its deadline: not run`;
      this.finish(peer, codec, errorReply(envelope.id, 'DEADLINE_EXCEEDED', message), ticket);
      return;
    }
    if (envelope.notify && ticket) {
      // One-way: acknowledged on receipt, and the acknowledgement remembered, so a resend gets it
      // again and never runs the handler twice; the handler then runs with nobody to answer.
      const acknowledgement = this.reply(peer, codec, okReply(envelope.id, null));
      this.replay.complete(ticket, acknowledgement, Date.now());
      this.execute(envelope, codec, peer, undefined, true);
      return;
    }
    this.execute(envelope, codec, peer, ticket);
  }

  private execute(
    envelope: RequestEnvelope,
    codec: Codec,
    peer: ServerPeer,
    ticket: ReplayTicket | undefined,
    oneway = false,
  ): void {
    if (oneway) peer = silent(peer);
    let payload: unknown;
    try {
      payload = validateRequestPayload(envelope, this.messages);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.onEvent({ type: 'protocol-error', code: error.code, message: error.message, peer: peer.id });
      this.finish(peer, codec, errorReply(envelope.id, error.code, error.message), ticket);
      return;
    }
    const handler = this.handlers.get(envelope.type);
    if (!handler) {
      const message = `no handler for message type "${envelope.type}"`;
      this.finish(peer, codec, errorReply(envelope.id, 'UNKNOWN_TYPE', message), ticket);
      return;
    }
    const context = new HandlerContext(
      envelope.id,
      envelope.type,
      peer.id,
      codec.name,
      peer.caller,
      envelope.deadline,
      peer,
    );
    this.counters.executed++;
    increment(this.counters.executedByType, envelope.type);
    if (ticket) this.running.set(envelope.id, context);
    let result: unknown;
    try {
      result = handler(payload as never, context);
    } catch (error) {
      context.settle();
      this.finish(peer, codec, this.handlerFailure(envelope, error), ticket);
      return;
    }
    if (!(result instanceof Promise)) {
      context.settle();
      this.finish(peer, codec, okReply(envelope.id, result), ticket);
      return;
    }
    this.inFlight++;
    result
      .then(
        (value) => okReply(envelope.id, value),
        (error: unknown) => this.handlerFailure(envelope, error),
      )
      .then((reply) => {
        context.settle();
        this.finish(peer, codec, reply, ticket);
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      });
  }

  private handlerFailure(envelope: RequestEnvelope, error: unknown): ReplyEnvelope {
    const code = error instanceof HandlerError ? error.code : 'HANDLER_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    this.onEvent({ type: 'handler-error', id: envelope.id, messageType: envelope.type, code, message });
    return errorReply(envelope.id, code, message);
  }

  private finish(
    peer: ServerPeer,
    codec: Codec,
    reply: ReplyEnvelope,
    ticket: ReplayTicket | undefined,
  ): void {
    // A notification's outcome has no one to go to: not encoded, not counted as a reply.
    if (peer instanceof SilentPeer) return;
    const encoded = this.reply(peer, codec, reply);
    if (ticket) {
      this.running.delete(reply.id);
      this.replay.complete(ticket, encoded, Date.now());
    }
  }

  /** Encodes and sends a reply; one too large for the transport becomes a REPLY_TOO_LARGE error instead. */
  private reply(peer: ServerPeer, codec: Codec, reply: ReplyEnvelope): Frame {
    if (!reply.ok) increment(this.counters.errorsByCode, reply.error.code);
    let encoded: Frame;
    try {
      // A large attachment of the reply is sent (and remembered) as the handler's own bytes.
      encoded = codec.encodeReplyFrame(reply, this.limits);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      const fallback = errorReply(reply.id, 'REPLY_TOO_LARGE', error.message);
      increment(this.counters.errorsByCode, 'REPLY_TOO_LARGE');
      encoded = codec.encodeReply(fallback, this.limits);
    }
    this.send(peer, encoded);
    return encoded;
  }

  private send(peer: ServerPeer, encoded: Frame): void {
    this.counters.replies++;
    peer.send(encoded);
  }

  stats(): StatsReply {
    return {
      transport: this.transport.kind,
      codec: this.transport.codec,
      uptimeMs: Date.now() - this.startedAt,
      requests: this.counters.requests,
      executed: this.counters.executed,
      executedByType: { ...this.counters.executedByType },
      replies: this.counters.replies,
      resendsAnsweredFromMemory: this.counters.resendsAnsweredFromMemory,
      errorsByCode: { ...this.counters.errorsByCode },
      sendFailuresByCode: { ...this.counters.sendFailuresByCode },
      distinctClients: this.clients.size,
      openConnections: this.transport.openConnections(),
      events: { subscriptions: this.topics.subscriptions, ...this.topics.counters },
    };
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Resolves once every running handler has replied. */
  private async settle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.idle = undefined;
  }

  /** For CRIU: answer what is in flight, then let the transport drop every connection (stream) and hold. */
  async quiesce(timeoutMs = 5_000): Promise<void> {
    await this.settle(timeoutMs);
    await this.transport.quiesce();
  }

  async resume(): Promise<void> {
    await this.transport.resume();
  }

  /** Graceful stop: no new requests, running handlers answered, replies flushed, socket file removed. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.accepting = false;
    this.transport.stopTaking();
    clearInterval(this.sweepTimer);
    await this.settle(timeoutMs);
    // After the last reply, so the numbers it tells are final: nothing more is published here.
    this.topics.stop();
    this.topics.end();
    await this.transport.close(timeoutMs);
  }
}

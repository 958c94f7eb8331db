import {
  builtinMessages,
  CANCEL_TYPE,
  type Codec,
  createClientId,
  createRequestIdGenerator,
  DEFAULT_MAX_JSON_DEPTH,
  type EventEnvelope,
  type Frame,
  isProtocolError,
  type MessageRegistry,
  PROTOCOL_VERSION,
  ProtocolError,
  type ReplyEnvelope,
  type ReplyPayload,
  type RequestPayload,
  requestCounterOf,
  SUBSCRIBE_TYPE,
  type SubscribeReply,
  SubscribeReplySchema,
  TopicSchema,
  UNSUBSCRIBE_TYPE,
  validateReplyPayload,
} from '@udsipc/protocol';
import { type BackoffPolicy, backoffDelay, DEFAULT_RETRY_BACKOFF } from './backoff.js';
import { RequestError } from './errors.js';
import { REPLY_UNREACHABLE, SERVER_NOT_TRUSTED } from './server-trust.js';
import {
  type SubscribeOptions,
  Subscription,
  type SubscriptionEvent,
  type SubscriptionLink,
} from './subscription.js';
import type { ClientTransport } from './transport.js';

export interface RequestOptions {
  /** How long one attempt waits for its reply before it is resent, in ms (default 1000). */
  timeoutMs?: number;
  /**
   * How many times a request is resent after a time-out, with the same id, before it fails with
   * TIMEOUT (default 10). While the server cannot be reached at all (ECONNREFUSED, ENOENT, no
   * connection) resends follow the back-off instead, for as long as `(retries + 1) * timeoutMs`,
   * so a request is as patient with a server that is down as with one that is frozen.
   */
  retries?: number;
  /**
   * How long the caller waits at most, in ms from the call: the request carries the deadline, a
   * server does not start it once the deadline has passed (DEADLINE_EXCEEDED), and the client
   * gives up then (TIMEOUT) even with retries left. Default: `(retries + 1) * timeoutMs`, as long
   * as the client would wait anyway.
   */
  deadlineMs?: number;
  /**
   * Cancels the request when it aborts: the client stops resending, rejects with CANCELLED at once,
   * and tells the server (a `cancel` request), which aborts the handler's signal if it is running
   * and never runs a later copy.
   */
  signal?: AbortSignal;
}

/** What a request does when it is not told otherwise: the one place these live (the CLI's help shows them). */
export const REQUEST_DEFAULTS: Readonly<Required<Omit<RequestOptions, 'deadlineMs' | 'signal'>>> = {
  timeoutMs: 1_000,
  retries: 10,
};

export interface RpcClientOptions<R extends MessageRegistry> extends RequestOptions {
  /** Its codec (the wire format) is the transport's: configured once, on the transport. */
  transport: ClientTransport;
  messages?: R;
  backoff?: BackoffPolicy;
  clientId?: string;
}

/** A settled request: its reply payload, the id it carried and how many times it was sent. */
export interface Exchange<P> {
  id: string;
  attempts: number;
  payload: P;
}

/** What a client did, for summaries: `sent` counts requests, `retried` counts resends. */
export interface ClientCounters {
  sent: number;
  replied: number;
  failed: number;
  retried: number;
  /** Replies for requests already settled (answers to resends that crossed the first reply). */
  lateReplies: number;
  /** Replies that could not be decoded. */
  badReplies: number;
  /** Events pushed by the server for a topic this client is not subscribed to (any more). */
  strayEvents: number;
}

interface Pending {
  readonly id: string;
  /** The id's counter: the oldest pending request's is the `low` every new request carries. */
  readonly counter: number;
  readonly type: string;
  /** Kept for resends; a large attachment in it is the caller's own bytes (gather-frame.ts). */
  readonly frame: Frame;
  readonly timeoutMs: number;
  readonly retries: number;
  attempts: number;
  timeouts: number;
  /** After this (ms since the epoch) a request that cannot reach the server fails. */
  readonly giveUpAt: number;
  /** When the caller stops waiting, if it chose a deadline (ms since the epoch); else infinity. */
  readonly deadline: number;
  waitingToResend: boolean;
  /** When the current attempt times out (ms since the epoch); checked by the client's one sweep timer. */
  replyDeadline: number;
  /** Only set while waiting to resend after a failure. */
  resendTimer: NodeJS.Timeout | undefined;
  /** Resolve with the Exchange (for `exchange`) or with the payload alone (for `request`). */
  readonly detailed: boolean;
  /** A notification: its acknowledgement carries no payload to check. */
  readonly oneway: boolean;
  /** Removes the abort listener of the caller's signal, if any. */
  forgetSignal: (() => void) | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * How often in-flight requests are checked for a time-out. One timer for all of them costs far
 * less than a timer per request (set and cleared ~150,000 times a second when pipelining); a
 * time-out then fires up to this much late.
 */
const TIMEOUT_SWEEP_MS = 20;

/**
 * The client half of request/reply, written once over any ClientTransport. Requests are matched to
 * replies by id, many in flight at once. Retries follow the Lazy Pirate pattern: on a time-out or a
 * link failure the same request (same id) is resent with bounded, jittered back-off, so a server
 * that restarts, freezes or is checkpointed loses nothing, and executes nothing twice while it
 * remembers the id.
 */
export class RpcClient<R extends MessageRegistry = typeof builtinMessages> {
  readonly transport: ClientTransport;
  readonly clientId: string;
  readonly counters: ClientCounters = {
    sent: 0,
    replied: 0,
    failed: 0,
    retried: 0,
    lateReplies: 0,
    badReplies: 0,
    strayEvents: 0,
  };
  private readonly codec: Codec;
  /** By topic: at most one subscription per topic and client (the server keeps one per pair). */
  private readonly subscriptions = new Map<string, Subscription<unknown>>();
  private readonly messages: R;
  private readonly backoff: BackoffPolicy;
  private readonly defaultTimeoutMs: number;
  private readonly defaultRetries: number;
  private readonly defaultDeadlineMs: number | undefined;
  private readonly nextId: () => string;
  private readonly pending = new Map<string, Pending>();
  private readonly limits: { maxBytes: number; maxDepth: number };
  private closed = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: RpcClientOptions<R>) {
    this.transport = options.transport;
    this.codec = this.transport.codec;
    this.messages = options.messages ?? (builtinMessages as unknown as R);
    this.backoff = options.backoff ?? DEFAULT_RETRY_BACKOFF;
    this.defaultTimeoutMs = options.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs;
    this.defaultRetries = options.retries ?? REQUEST_DEFAULTS.retries;
    this.defaultDeadlineMs = options.deadlineMs;
    this.clientId = options.clientId ?? createClientId();
    this.nextId = createRequestIdGenerator(this.clientId);
    this.limits = { maxBytes: this.transport.maxFrameBytes, maxDepth: DEFAULT_MAX_JSON_DEPTH };
  }

  open(): Promise<void> {
    return this.transport.open(
      (frame) => this.receive(frame),
      (code, key) => this.linkFailed(code, key),
      () => this.serverBack(),
    );
  }

  /**
   * A new server listens and every reply of the old one has been read (the transport's promise):
   * resend what is unanswered now, instead of when its back-off or time-out ends. Resends carry
   * their ids, so one the server already ran is answered from its memory, not run again.
   */
  private serverBack(): void {
    // A server that restarted has no subscriptions, and one restored may have lost its connection:
    // renew now rather than when the leases say.
    for (const subscription of this.subscriptions.values()) subscription.renewNow();
    for (const entry of [...this.pending.values()]) {
      if (entry.waitingToResend) {
        clearTimeout(entry.resendTimer);
      } else {
        this.counters.retried++;
      }
      this.transmit(entry);
    }
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one request and resolves with its validated reply payload. Rejects with a ProtocolError
   * (refused before sending, or a reply that fails its schema) or a RequestError (TIMEOUT,
   * SERVER_UNAVAILABLE, REMOTE_ERROR with the server's code, CLOSED).
   */
  request<T extends keyof R & string>(
    type: T,
    payload: RequestPayload<R, T>,
    options: RequestOptions = {},
  ): Promise<ReplyPayload<R, T>> {
    return this.issue(type, payload, options, false) as Promise<ReplyPayload<R, T>>;
  }

  /**
   * A one-way message: resolves once the server has it (its acknowledgement on receipt), not when
   * its handler is done; there is no reply. Resent like a request until acknowledged, with the same
   * id, so the server runs it once. Rejects as `request` does when it cannot be delivered.
   */
  async notify<T extends keyof R & string>(
    type: T,
    payload: RequestPayload<R, T>,
    options: RequestOptions = {},
  ): Promise<void> {
    await this.issue(type, payload, options, false, true);
  }

  /**
   * `request`, reporting also the id the request carried and how many times it was sent. On
   * failure the RequestError (or a reply's ProtocolError) carries the same `requestId`.
   */
  exchange<T extends keyof R & string>(
    type: T,
    payload: RequestPayload<R, T>,
    options: RequestOptions = {},
  ): Promise<Exchange<ReplyPayload<R, T>>> {
    return this.issue(type, payload, options, true) as Promise<Exchange<ReplyPayload<R, T>>>;
  }

  private issue(
    type: string,
    payload: unknown,
    options: RequestOptions,
    detailed: boolean,
    oneway = false,
  ): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(new RequestError('CLOSED', 'client is closed', { requestId: '', attempts: 0 }));
    }
    if (options.signal?.aborted) {
      return Promise.reject(
        new RequestError('CANCELLED', `${type}: cancelled before it was sent`, {
          requestId: '',
          attempts: 0,
        }),
      );
    }
    const id = this.nextId();
    const counter = requestCounterOf(id) ?? 0;
    // The oldest request still waiting (pending is in issue order), or this one: the server may
    // forget every id of ours below it, since we never send those again.
    const low = this.pending.values().next().value?.counter ?? counter;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const retries = options.retries ?? this.defaultRetries;
    // The deadline the server is told. Only one the caller chose also ends the client's wait early;
    // by default it is when the client would have given up anyway, and the client gives up as before.
    const chosenMs = options.deadlineMs ?? this.defaultDeadlineMs;
    const deadline = Date.now() + (chosenMs ?? (retries + 1) * timeoutMs);
    let frame: Frame;
    try {
      frame = this.codec.encodeRequestFrame(
        {
          v: PROTOCOL_VERSION,
          id,
          type,
          payload,
          low,
          deadline,
          ...(oneway ? { notify: true as const } : {}),
        },
        this.limits,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    this.counters.sent++;
    return new Promise<unknown>((resolve, reject) => {
      const entry: Pending = {
        id,
        counter,
        type,
        frame,
        timeoutMs,
        retries,
        attempts: 0,
        timeouts: 0,
        giveUpAt: Math.min(Date.now() + (retries + 1) * timeoutMs, deadline),
        deadline: chosenMs === undefined ? Number.POSITIVE_INFINITY : deadline,
        waitingToResend: false,
        replyDeadline: 0,
        resendTimer: undefined,
        detailed,
        oneway,
        forgetSignal: undefined,
        resolve,
        reject,
      };
      const { signal } = options;
      if (signal) {
        const onAbort = () => this.cancel(entry);
        signal.addEventListener('abort', onAbort, { once: true });
        entry.forgetSignal = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.transmit(entry);
    });
  }

  private transmit(entry: Pending): void {
    entry.waitingToResend = false;
    entry.resendTimer = undefined;
    entry.attempts++;
    const failure = this.transport.send(entry.frame, entry.id);
    if (failure !== undefined) {
      this.attemptFailed(entry, 'SERVER_UNAVAILABLE', failure);
      return;
    }
    entry.replyDeadline = Math.min(Date.now() + entry.timeoutMs, entry.deadline);
    this.sweepTimer ??= setInterval(() => this.sweepTimeouts(), TIMEOUT_SWEEP_MS);
  }

  private sweepTimeouts(): void {
    const now = Date.now();
    const expired: Pending[] = [];
    for (const entry of this.pending.values()) {
      if (!entry.waitingToResend && entry.replyDeadline <= now) expired.push(entry);
    }
    if (expired.length > 0) {
      // A process that was starved of CPU runs its timers before it reads its sockets, so a reply
      // may be waiting already: decide in the check phase, after this turn's I/O was read.
      setImmediate(() => {
        for (const entry of expired) {
          const current = this.pending.get(entry.id) === entry;
          if (current && !entry.waitingToResend && entry.replyDeadline <= now) {
            this.attemptFailed(entry, 'TIMEOUT', 'TIMEOUT');
          }
        }
      });
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  private attemptFailed(entry: Pending, failure: 'TIMEOUT' | 'SERVER_UNAVAILABLE', code: string): void {
    if (failure === 'TIMEOUT') entry.timeouts++;
    const pastDeadline = Date.now() >= entry.deadline;
    const exhausted =
      pastDeadline || (failure === 'TIMEOUT' ? entry.timeouts > entry.retries : Date.now() >= entry.giveUpAt);
    if (exhausted || this.closed) {
      this.settle(entry);
      this.counters.failed++;
      // A server was there all along, but not one this client may (or can) talk to: say that, not
      // "unavailable".
      const final = code === SERVER_NOT_TRUSTED || code === REPLY_UNREACHABLE ? code : failure;
      const what =
        failure === 'TIMEOUT'
          ? pastDeadline
            ? 'no reply before its deadline'
            : 'no reply'
          : final === SERVER_NOT_TRUSTED
            ? 'the server at the path is not owned by a trusted user or group (nothing was sent to it)'
            : final === REPLY_UNREACHABLE
              ? "the server's user cannot reach this client's reply socket (nothing was sent to it; choose a reply directory that user can traverse)"
              : `server unavailable (${code})`;
      entry.reject(
        new RequestError(final, `${entry.type} ${entry.id}: ${what} after ${entry.attempts} attempts`, {
          requestId: entry.id,
          attempts: entry.attempts,
        }),
      );
      return;
    }
    entry.waitingToResend = true;
    this.counters.retried++;
    entry.resendTimer = setTimeout(
      () => this.transmit(entry),
      backoffDelay(this.backoff, entry.attempts - 1),
    );
  }

  /** A link failure for one frame (by key), or for everything in flight (a lost connection). */
  private linkFailed(code: string, key: string | undefined): void {
    if (key !== undefined) {
      const entry = this.pending.get(key);
      if (entry && !entry.waitingToResend) this.attemptFailed(entry, 'SERVER_UNAVAILABLE', code);
      return;
    }
    for (const entry of [...this.pending.values()]) {
      if (!entry.waitingToResend) this.attemptFailed(entry, 'SERVER_UNAVAILABLE', code);
    }
  }

  private settle(entry: Pending): void {
    if (entry.resendTimer) clearTimeout(entry.resendTimer);
    entry.forgetSignal?.();
    this.pending.delete(entry.id);
  }

  /**
   * The caller's signal aborted: stop waiting and resending, reject with CANCELLED, and tell the
   * server, whose answer nobody waits for (sent with the request's own patience, so a server that
   * is restarting still hears it).
   */
  private cancel(entry: Pending): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.settle(entry);
    this.counters.failed++;
    entry.reject(
      new RequestError('CANCELLED', `${entry.type} ${entry.id}: cancelled by its caller`, {
        requestId: entry.id,
        attempts: entry.attempts,
      }),
    );
    if (this.closed || !this.codec.remembersRequests) return;
    this.issue(
      CANCEL_TYPE,
      { id: entry.id },
      { timeoutMs: entry.timeoutMs, retries: entry.retries },
      false,
    ).catch(() => {
      // Best effort: a server that never hears it runs the request at most once, as before.
    });
  }

  /**
   * Subscribes to `topic`: `listener` gets every event published on it from now on, in order.
   * Resolves once the server has the subscription (rejects as a request does, for instance with
   * REMOTE_ERROR UNKNOWN_TYPE from a server without server push). The subscription then renews
   * itself, follows the server across restarts and restores, and counts what it could not receive
   * (see SubscriptionCounters) until it is closed.
   */
  async subscribe<P = unknown>(
    topic: string,
    listener: (event: SubscriptionEvent<P>) => void,
    options: SubscribeOptions = {},
  ): Promise<Subscription<P>> {
    const checked = TopicSchema.safeParse(topic);
    if (!checked.success) {
      throw new ProtocolError(
        'INVALID_PAYLOAD',
        `invalid topic ${JSON.stringify(topic)}: ${checked.error.issues[0]?.message}`,
        {
          field: 'topic',
        },
      );
    }
    if (this.subscriptions.has(topic)) {
      throw new RequestError('ALREADY_SUBSCRIBED', `this client is subscribed to ${topic} already`, {
        requestId: '',
        attempts: 0,
      });
    }
    const subscription = new Subscription<P>(topic, this.subscriptionLink, listener, options);
    this.subscriptions.set(topic, subscription as Subscription<unknown>);
    try {
      await subscription.start();
    } catch (error) {
      subscription.dispose();
      throw error;
    }
    return subscription;
  }

  private readonly subscriptionLink: SubscriptionLink = {
    subscribe: async (topic) =>
      SubscribeReplySchema.parse(await this.issue(SUBSCRIBE_TYPE, { topic }, {}, false)) as SubscribeReply,
    unsubscribe: (topic) => this.issue(UNSUBSCRIBE_TYPE, { topic }, {}, false),
    forget: (subscription) => {
      if (this.subscriptions.get(subscription.topic) === subscription) {
        this.subscriptions.delete(subscription.topic);
      }
    },
  };

  private receive(frame: Buffer): void {
    let message: ReplyEnvelope | EventEnvelope;
    try {
      message = this.codec.decodeFromServer(frame, this.limits);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.counters.badReplies++;
      return;
    }
    if ('event' in message) {
      const subscription = this.subscriptions.get(message.event);
      if (subscription) subscription.deliver(message);
      else this.counters.strayEvents++;
      return;
    }
    const reply = message;
    const entry = this.codec.matchReply(reply, this.pending);
    if (!entry) {
      this.counters.lateReplies++;
      return;
    }
    this.settle(entry);
    this.counters.replied++;
    if (!reply.ok) {
      this.counters.failed++;
      entry.reject(
        new RequestError('REMOTE_ERROR', `${reply.error.code}: ${reply.error.message}`, {
          requestId: entry.id,
          attempts: entry.attempts,
          remoteCode: reply.error.code,
        }),
      );
      return;
    }
    if (entry.oneway) {
      entry.resolve(undefined);
      return;
    }
    let payload: unknown;
    try {
      payload = validateReplyPayload(entry.type, reply.payload, this.messages, entry.id);
    } catch (error) {
      this.counters.failed++;
      entry.reject(error as Error);
      return;
    }
    entry.resolve(entry.detailed ? { id: entry.id, attempts: entry.attempts, payload } : payload);
  }

  /** Fails what is still in flight with CLOSED and closes the transport. */
  async close(): Promise<void> {
    for (const subscription of [...this.subscriptions.values()]) subscription.dispose();
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const entry of [...this.pending.values()]) {
      this.settle(entry);
      this.counters.failed++;
      entry.reject(
        new RequestError('CLOSED', `${entry.type} ${entry.id}: client closed`, {
          requestId: entry.id,
          attempts: entry.attempts,
        }),
      );
    }
    await this.transport.close();
  }
}

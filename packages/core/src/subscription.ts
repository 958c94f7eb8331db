import type { EventEnvelope, SubscribeReply } from '@udsipc/protocol';

/** One event as a subscriber gets it. */
export interface SubscriptionEvent<P = unknown> {
  readonly topic: string;
  /** Its number on the topic, under `epoch` (the server instance that published it). */
  readonly seq: number;
  readonly epoch: string;
  readonly payload: P;
}

/**
 * What a subscription saw. Every event published while it was subscribed is either `received` or
 * counted in `missed`: dropped by a server whose queue for this client was full, published by a
 * new server before this client subscribed to it, or sent to a connection that was gone. The one
 * thing that cannot be counted is what a server published after this client's last event and
 * before it died without a graceful stop (kill -9): each such server counts once in `unaccounted`.
 */
export interface SubscriptionCounters {
  received: number;
  missed: number;
  /** Servers that went away without telling their last number (killed): their tail is unknown. */
  unaccounted: number;
  /** Times the subscription moved to a new server instance (a restart; a CRIU restore keeps the instance). */
  restarts: number;
  /** Subscribe renewals that failed (the server unreachable for a whole request's patience); retried. */
  renewalFailures: number;
}

export interface SubscribeOptions {
  /** Told of each gap as it is counted, with how many events it lost. */
  onMissed?: (count: number) => void;
  /** Closes the subscription when it aborts. */
  signal?: AbortSignal;
}

/** What a subscription needs of its client. */
export interface SubscriptionLink {
  subscribe(topic: string): Promise<SubscribeReply>;
  unsubscribe(topic: string): Promise<unknown>;
  forget(subscription: { readonly topic: string }): void;
}

/** A failed renewal is tried again after this long. */
const RENEW_RETRY_MS = 1_000;

/**
 * A client's subscription to one topic: renews its lease before it runs out, renews at once when
 * the server is back (restarted, restored) or says it is stopping, and keeps the counts of
 * SubscriptionCounters from the numbers on events and on subscribe replies. Events of one server
 * come in the order published (one queue per client, replies and events together), so a number
 * beyond the next one is a gap, and a subscribe reply's number closes the count up to it.
 */
export class Subscription<P = unknown> {
  readonly counters: SubscriptionCounters = {
    received: 0,
    missed: 0,
    unaccounted: 0,
    restarts: 0,
    renewalFailures: 0,
  };
  private epoch: string | undefined;
  /** The last number received or counted as missed, under `epoch`. */
  private last = 0;
  /** The current server said it is stopping, and its last number was counted. */
  private ended = false;
  private closed = false;
  private renewing = false;
  private renewAgain = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly forgetSignal: (() => void) | undefined;

  constructor(
    readonly topic: string,
    private readonly link: SubscriptionLink,
    private readonly listener: (event: SubscriptionEvent<P>) => void,
    private readonly options: SubscribeOptions = {},
  ) {
    const { signal } = options;
    if (signal) {
      const onAbort = () => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.forgetSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** The first subscribe: resolves once the server has it, rejects as the request does. */
  async start(): Promise<void> {
    this.renewing = true;
    let reply: SubscribeReply;
    try {
      reply = await this.link.subscribe(this.topic);
    } finally {
      this.renewing = false;
    }
    this.accept(reply);
    // A renewal asked for meanwhile (the transport found the server at open) is already answered.
    this.renewAgain = false;
    this.scheduleRenewal(reply);
  }

  /** An event for this topic, from the client's receive path. */
  deliver(event: EventEnvelope): void {
    if (this.closed || event.epoch !== this.epoch) return;
    if (event.end) {
      this.countUpTo(event.seq);
      this.ended = true;
      this.renewNow();
      return;
    }
    if (event.seq <= this.last) return;
    this.countUpTo(event.seq - 1);
    this.last = event.seq;
    this.counters.received++;
    this.listener({ topic: this.topic, seq: event.seq, epoch: event.epoch, payload: event.payload as P });
  }

  /** Renews now (the server is back, or said it is stopping), not when the lease would have it. */
  renewNow(): void {
    if (this.closed) return;
    if (this.renewing) {
      this.renewAgain = true;
      return;
    }
    clearTimeout(this.renewTimer);
    void this.renew();
  }

  /** Stops renewing and tells the server (best effort). */
  async close(): Promise<void> {
    if (!this.dispose()) return;
    await this.link.unsubscribe(this.topic).catch(() => {
      // The lease runs out on the server by itself.
    });
  }

  /** Stops renewing, without a word to the server (its client is closing). False if already done. */
  dispose(): boolean {
    if (this.closed) return false;
    this.closed = true;
    clearTimeout(this.renewTimer);
    this.forgetSignal?.();
    this.link.forget(this);
    return true;
  }

  private async renew(): Promise<void> {
    this.renewing = true;
    let reply: SubscribeReply | undefined;
    try {
      reply = await this.link.subscribe(this.topic);
    } catch {
      this.counters.renewalFailures++;
    }
    this.renewing = false;
    if (this.closed) return;
    if (reply) this.accept(reply);
    if (this.renewAgain) {
      this.renewAgain = false;
      void this.renew();
      return;
    }
    this.scheduleRenewal(reply);
  }

  private scheduleRenewal(reply: SubscribeReply | undefined): void {
    if (this.closed) return;
    const delay = reply ? Math.max(1, Math.floor(reply.leaseMs / 3)) : RENEW_RETRY_MS;
    this.renewTimer = setTimeout(() => void this.renew(), delay);
    this.renewTimer.unref();
  }

  /** A subscribe reply: the server's number for the topic when the subscription took effect. */
  private accept(reply: SubscribeReply): void {
    if (this.epoch === undefined) {
      // Events before the first subscription were never ours to miss.
      this.epoch = reply.epoch;
      this.last = reply.seq;
      return;
    }
    if (reply.epoch !== this.epoch) {
      if (!this.ended) this.counters.unaccounted++;
      this.counters.restarts++;
      this.epoch = reply.epoch;
      this.ended = false;
      this.last = 0;
    }
    // Everything up to the reply's number was sent before the reply, on the same queue: what has
    // not come was lost on the way (dropped, or sent to a connection that is gone).
    this.countUpTo(reply.seq);
  }

  private countUpTo(seq: number): void {
    if (seq <= this.last) return;
    const missed = seq - this.last;
    this.last = seq;
    this.counters.missed += missed;
    this.options.onMissed?.(missed);
  }
}

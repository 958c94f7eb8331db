import { randomBytes } from 'node:crypto';
import {
  type EventEnvelope,
  encodeJson,
  type JsonLimits,
  PROTOCOL_VERSION,
  type PublishReply,
  type SubscribeReply,
} from '@udsipc/protocol';
import type { ServerPeer } from './transport.js';

/** How long a subscription lasts without renewal (clients renew at a third of it). */
export const DEFAULT_SUBSCRIPTION_LEASE_MS = 30_000;
/** How often leases are checked. */
const SWEEP_MS = 1_000;

interface Subscriber {
  /** The peer events go to: replaced when its client renews from elsewhere (a new connection). */
  peer: ServerPeer;
  expiresAt: number;
}

interface Topic {
  /** The number of the last event published on it under this registry's epoch. */
  seq: number;
  /** By client id: one subscription per client and topic, whatever peer it last came from. */
  readonly subscribers: Map<string, Subscriber>;
}

/** What the registry counts, for `stats`. */
export interface TopicCounters {
  published: number;
  delivered: number;
  dropped: number;
  expired: number;
}

/**
 * The server's subscriptions and the numbering of each topic's events (see subscriptions.ts in
 * @udsipc/protocol). Everything lives in the process: a graceful stop tells each subscriber the
 * last number (an `end` event) so it can count what it missed until it subscribes to the next
 * server; a freeze or a checkpoint keeps it all, numbering included.
 */
export class TopicRegistry {
  /** This instance's name for its numbering. A CRIU restore keeps it: the numbers go on. */
  readonly epoch = randomBytes(8).toString('hex');
  readonly counters: TopicCounters = { published: 0, delivered: 0, dropped: 0, expired: 0 };
  private readonly topics = new Map<string, Topic>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastSweep = Date.now();

  constructor(
    readonly leaseMs: number,
    private readonly limits: JsonLimits,
  ) {}

  start(): void {
    this.lastSweep = Date.now();
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  get subscriptions(): number {
    let count = 0;
    for (const topic of this.topics.values()) count += topic.subscribers.size;
    return count;
  }

  /** Only JSON clients can subscribe (a subscription is asked for by name), so events are JSON. */
  subscribe(topicName: string, clientId: string, peer: ServerPeer): SubscribeReply {
    const topic = this.topic(topicName);
    const known = topic.subscribers.get(clientId);
    const expiresAt = Date.now() + this.leaseMs;
    if (known) {
      known.peer = peer;
      known.expiresAt = expiresAt;
    } else {
      topic.subscribers.set(clientId, { peer, expiresAt });
    }
    return { epoch: this.epoch, seq: topic.seq, leaseMs: this.leaseMs, renewed: known !== undefined };
  }

  unsubscribe(topicName: string, clientId: string): boolean {
    const topic = this.topics.get(topicName);
    if (!topic?.subscribers.delete(clientId)) return false;
    if (topic.subscribers.size === 0 && topic.seq === 0) this.topics.delete(topicName);
    return true;
  }

  /**
   * Numbers the event and offers it to every subscriber, encoded once. A peer that
   * is not keeping up drops it (counted here; its client sees the gap). An event too large for the
   * transport throws TOO_LARGE before it is numbered.
   */
  publish(topicName: string, payload: unknown): PublishReply {
    const topic = this.topic(topicName);
    const envelope: EventEnvelope = {
      v: PROTOCOL_VERSION,
      event: topicName,
      epoch: this.epoch,
      seq: topic.seq + 1,
      payload,
    };
    const encoded = encodeJson(envelope, this.limits);
    topic.seq++;
    this.counters.published++;
    let delivered = 0;
    let dropped = 0;
    for (const subscriber of topic.subscribers.values()) {
      if (subscriber.peer.offer(encoded)) delivered++;
      else dropped++;
    }
    this.counters.delivered += delivered;
    this.counters.dropped += dropped;
    return { seq: topic.seq, delivered, dropped };
  }

  /** An event counted as delivered was dropped from its peer's queue after all (a reply needed room). */
  displaced(): void {
    this.counters.delivered--;
    this.counters.dropped++;
  }

  /**
   * The server is stopping: tell every subscriber each topic's last number, so it can count what
   * it missed, and let go of everything.
   */
  end(): void {
    for (const [name, topic] of this.topics) {
      const envelope: EventEnvelope = {
        v: PROTOCOL_VERSION,
        event: name,
        epoch: this.epoch,
        seq: topic.seq,
        payload: null,
        end: true,
      };
      const encoded = encodeJson(envelope, this.limits);
      // Sent like a reply, not offered like an event: a subscriber that is behind must still learn
      // the last number, or it could not count what it missed. Where its queue is full, the oldest
      // event waiting gives way (and is missed, by the number this carries).
      for (const subscriber of topic.subscribers.values()) subscriber.peer.send(encoded);
    }
    this.topics.clear();
  }

  /**
   * Lets go of subscriptions not renewed in time. A server that did not run for a while (frozen,
   * checkpointed, starved) does not hold its own absence against its subscribers: leases are
   * extended by the time between sweeps beyond the usual, before any is judged.
   */
  private sweep(now: number): void {
    const absent = now - this.lastSweep - SWEEP_MS;
    this.lastSweep = now;
    for (const [name, topic] of this.topics) {
      for (const [clientId, subscriber] of topic.subscribers) {
        if (absent > SWEEP_MS) subscriber.expiresAt += absent;
        if (subscriber.expiresAt <= now) {
          topic.subscribers.delete(clientId);
          this.counters.expired++;
        }
      }
      if (topic.subscribers.size === 0 && topic.seq === 0) this.topics.delete(name);
    }
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { seq: 0, subscribers: new Map() };
      this.topics.set(name, topic);
    }
    return topic;
  }
}

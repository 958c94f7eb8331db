import { z } from 'zod';
import { MAX_TOPIC_LENGTH, PROTOCOL_VERSION } from './limits.js';

/**
 * Server push: a client subscribes to a topic, and every event published on it afterwards is sent
 * to the client unasked, as an event envelope (below) on the same socket its replies use.
 *
 * Each server instance numbers the events of a topic 1, 2, 3 ... under its `epoch` (a random name
 * made at start; a CRIU restore keeps it, a restart makes a new one). A subscriber that knows the
 * last number it saw can therefore count what it missed (a gap), and the numbers a server tells it
 * when it subscribes and when it stops close the counts at both ends of its stay.
 */

/** What a topic is made of: letters, digits and `._:/-`. */
export const TOPIC_PATTERN = /^[A-Za-z0-9._:/-]+$/;

/** A topic name: letters, digits and `._:/-`, 1 to 128 characters. */
export const TopicSchema = z
  .string()
  .min(1)
  .max(MAX_TOPIC_LENGTH)
  .regex(TOPIC_PATTERN, 'a topic is letters, digits and ._:/- only');

/** A server instance's name for the numbering of its events. */
export const EpochSchema = z.string().min(1).max(64);
export const EventSeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * `subscribe`: start (or renew) this client's subscription to `topic`. A subscription is a lease,
 * kept by the server for `leaseMs` after the last subscribe and renewed by the client well before.
 * `seq` is the number of the last event published on the topic before this subscription took
 * effect: every later one is sent. `renewed` is false when the server did not have it (a new
 * subscription, or one the server had let go).
 */
export const SubscribeRequestSchema = z.object({ topic: TopicSchema });
export const SubscribeReplySchema = z.object({
  epoch: EpochSchema,
  seq: EventSeqSchema,
  leaseMs: z.number().int().positive(),
  renewed: z.boolean(),
});

/** `unsubscribe`: stop sending `topic` to this client; false when it was not subscribed. */
export const UnsubscribeRequestSchema = z.object({ topic: TopicSchema });
export const UnsubscribeReplySchema = z.object({ unsubscribed: z.boolean() });

/**
 * `publish`: send `event` (any JSON value, binary attachments allowed) to every subscriber of
 * `topic`. Answered with the event's number, how many subscribers it was handed to, and how many
 * it was not (their queue was full: a slow subscriber drops events, never replies).
 */
export const PublishRequestSchema = z.object({ topic: TopicSchema, event: z.unknown() });
export const PublishReplySchema = z.object({
  seq: EventSeqSchema,
  delivered: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
});

/**
 * What a server sends a subscriber, unasked: `event` is the topic, `seq` the event's number under
 * `epoch`. With `end: true` it carries no event: the server is stopping, and `seq` is the topic's
 * last number, so the subscriber can count what it missed before the next server takes over.
 */
export const EventEnvelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  event: TopicSchema,
  epoch: EpochSchema,
  seq: EventSeqSchema,
  payload: z.unknown(),
  end: z.literal(true).optional(),
});

export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
export type SubscribeReply = z.infer<typeof SubscribeReplySchema>;
export type PublishReply = z.infer<typeof PublishReplySchema>;

export const SUBSCRIBE_TYPE = 'subscribe';
export const UNSUBSCRIBE_TYPE = 'unsubscribe';
export const PUBLISH_TYPE = 'publish';

/** True for a topic name the server accepts. */
export function isTopic(value: unknown): value is string {
  return TopicSchema.safeParse(value).success;
}

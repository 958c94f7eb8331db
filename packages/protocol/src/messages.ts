import { z } from 'zod';
import { AttachmentSchema } from './attachments.js';
import { DescribeReplySchema, DescribeRequestSchema } from './describe.js';
import { RequestIdSchema } from './envelope.js';
import {
  PublishReplySchema,
  PublishRequestSchema,
  SubscribeReplySchema,
  SubscribeRequestSchema,
  UnsubscribeReplySchema,
  UnsubscribeRequestSchema,
} from './subscriptions.js';

/** A message type is two schemas: what the request's payload must be, and what the reply's payload is. */
export interface MessageDefinition<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly reply: Res;
}

export function defineMessage<Req extends z.ZodType, Res extends z.ZodType>(
  request: Req,
  reply: Res,
): MessageDefinition<Req, Res> {
  return { request, reply };
}

export const TextPayloadSchema = z.object({ text: z.string() });

/** echo's payload: its text, and optionally binary data that travels as an attachment, echoed as is. */
export const EchoPayloadSchema = z.object({ text: z.string(), data: AttachmentSchema.optional() });

/** The seed server's one answer, whatever it was sent. */
export const ACK_TEXT = 'OK,I got it!';

export const AckReplySchema = z.object({ text: z.literal(ACK_TEXT) });

export const PingRequestSchema = z.object({ sentAt: z.number().optional() });
export const PingReplySchema = z.object({
  serverTime: z.number(),
  uptimeMs: z.number().nonnegative(),
  pid: z.number().int().positive(),
});

/**
 * `cancel`: its client no longer waits for request `id` (an AbortSignal fired). A server aborts that
 * request's handler signal if it is running, and remembers the id so a later copy is never run.
 * Answered `{ cancelled }`: false when the request had already been answered.
 */
export const CancelRequestSchema = z.object({ id: RequestIdSchema });
export const CancelReplySchema = z.object({ cancelled: z.boolean() });

export const StatsRequestSchema = z.object({});
export const StatsReplySchema = z.object({
  transport: z.enum(['dgram', 'stream', 'nats']),
  codec: z.enum(['auto', 'json', 'cstring']),
  uptimeMs: z.number().nonnegative(),
  /** Requests decoded, including resends. */
  requests: z.number().int().nonnegative(),
  /** Handler executions: each request id is executed once while the server remembers it. */
  executed: z.number().int().nonnegative(),
  /** Handler executions by message type. */
  executedByType: z.record(z.string(), z.number().int().nonnegative()),
  /** Replies handed to the transport. */
  replies: z.number().int().nonnegative(),
  /** Resends answered from the replay memory instead of executing the handler again. */
  resendsAnsweredFromMemory: z.number().int().nonnegative(),
  /** Error replies by code (protocol, handler and transport codes). */
  errorsByCode: z.record(z.string(), z.number().int().nonnegative()),
  /** Replies the transport could not deliver (peer gone, write failed), by code. */
  sendFailuresByCode: z.record(z.string(), z.number().int().nonnegative()),
  distinctClients: z.number().int().nonnegative(),
  /** Stream connections open now (0 in datagram mode). */
  openConnections: z.number().int().nonnegative(),
  /** Server push (absent from servers that predate it). */
  events: z
    .object({
      /** Subscriptions held now (a client and a topic each). */
      subscriptions: z.number().int().nonnegative(),
      /** Events published. */
      published: z.number().int().nonnegative(),
      /** Event copies handed to the transport, one per subscriber. */
      delivered: z.number().int().nonnegative(),
      /** Event copies not sent because their subscriber's queue was full (it counts them as missed). */
      dropped: z.number().int().nonnegative(),
      /** Subscriptions let go because their client stopped renewing them. */
      expired: z.number().int().nonnegative(),
    })
    .optional(),
});

/** The built-in message types every udsipc server answers. */
export const builtinMessages = {
  ack: defineMessage(TextPayloadSchema, AckReplySchema),
  echo: defineMessage(EchoPayloadSchema, EchoPayloadSchema),
  ping: defineMessage(PingRequestSchema, PingReplySchema),
  stats: defineMessage(StatsRequestSchema, StatsReplySchema),
  cancel: defineMessage(CancelRequestSchema, CancelReplySchema),
  describe: defineMessage(DescribeRequestSchema, DescribeReplySchema),
  subscribe: defineMessage(SubscribeRequestSchema, SubscribeReplySchema),
  unsubscribe: defineMessage(UnsubscribeRequestSchema, UnsubscribeReplySchema),
  publish: defineMessage(PublishRequestSchema, PublishReplySchema),
};

/** The message type that asks a server for its contract (see describe.ts); every udsipc server answers it. */
export const DESCRIBE_TYPE = 'describe';

/** The message type a client sends to cancel one of its requests; every udsipc server answers it. */
export const CANCEL_TYPE = 'cancel';

export type MessageRegistry = Readonly<Record<string, MessageDefinition>>;
export type BuiltinMessages = typeof builtinMessages;
export type BuiltinMessageType = keyof BuiltinMessages;

export type RequestPayload<R extends MessageRegistry, T extends keyof R> = z.input<R[T]['request']>;
export type ReplyPayload<R extends MessageRegistry, T extends keyof R> = z.infer<R[T]['reply']>;

export type StatsReply = z.infer<typeof StatsReplySchema>;
export type PingReply = z.infer<typeof PingReplySchema>;
export type TextPayload = z.infer<typeof TextPayloadSchema>;
export type EchoPayload = z.infer<typeof EchoPayloadSchema>;

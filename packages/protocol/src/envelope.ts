import { z } from 'zod';
import { MAX_REQUEST_ID_LENGTH, MAX_TYPE_NAME_LENGTH, PROTOCOL_VERSION } from './limits.js';

export const RequestIdSchema = z.string().min(1).max(MAX_REQUEST_ID_LENGTH);
export const TypeNameSchema = z.string().min(1).max(MAX_TYPE_NAME_LENGTH);

/**
 * `low` (optional): the counter of the oldest request its client still waits for, a promise that
 * this client never sends an id with a lower counter again. A server forgets what it remembered of
 * those ids (see the transport's replay memory); a server that does not know the field ignores it.
 */
export const LowWatermarkSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * `deadline` (optional): when its client stops waiting, in ms since the epoch (both ends share the
 * host's clock). A server does not start a request whose deadline has passed (DEADLINE_EXCEEDED);
 * a server that does not know the field ignores it, and a request without it has no deadline.
 */
export const DeadlineSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const RequestEnvelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: RequestIdSchema,
  type: TypeNameSchema,
  payload: z.unknown(),
  low: LowWatermarkSchema.optional(),
  deadline: DeadlineSchema.optional(),
  /**
   * `notify` (optional, always true): a one-way message. The server acknowledges it on receipt
   * (an ok reply with payload null, remembered like any reply, so a resend is never run twice),
   * then runs its handler and sends nothing more. A server that predates the field runs it and
   * replies as to a request, which the client takes as the acknowledgement all the same.
   */
  notify: z.literal(true).optional(),
});

/** The error half of a reply: `code` is stable (a ProtocolError code, a transport code or a handler's own). */
export const ErrorBodySchema = z.object({
  code: z.string().min(1).max(64),
  message: z.string(),
});

export const OkReplyEnvelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: RequestIdSchema,
  ok: z.literal(true),
  payload: z.unknown(),
});

export const ErrorReplyEnvelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: RequestIdSchema,
  ok: z.literal(false),
  error: ErrorBodySchema,
});

export const ReplyEnvelopeSchema = z.discriminatedUnion('ok', [
  OkReplyEnvelopeSchema,
  ErrorReplyEnvelopeSchema,
]);

export type RequestEnvelope = z.infer<typeof RequestEnvelopeSchema>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type OkReplyEnvelope = z.infer<typeof OkReplyEnvelopeSchema>;
export type ErrorReplyEnvelope = z.infer<typeof ErrorReplyEnvelopeSchema>;
export type ReplyEnvelope = z.infer<typeof ReplyEnvelopeSchema>;

export function okReply(id: string, payload: unknown): OkReplyEnvelope {
  return { v: PROTOCOL_VERSION, id, ok: true, payload };
}

export function errorReply(id: string, code: string, message: string): ErrorReplyEnvelope {
  return { v: PROTOCOL_VERSION, id, ok: false, error: { code, message } };
}

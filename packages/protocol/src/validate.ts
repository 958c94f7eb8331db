import type { z } from 'zod';
import type { RequestEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import type { MessageRegistry } from './messages.js';

/** Names the first failing field of a zod error as a dotted path under `prefix`. */
export function describeZodIssue(error: z.ZodError, prefix: string): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: prefix, message: 'invalid' };
  const field = [prefix, ...issue.path.map(String)].join('.');
  return { field, message: issue.message };
}

/**
 * Checks a decoded request against the registry: the type must be known and the payload must
 * match its schema. Returns the parsed payload (with schema defaults applied).
 */
export function validateRequestPayload(envelope: RequestEnvelope, registry: MessageRegistry): unknown {
  const definition = Object.hasOwn(registry, envelope.type) ? registry[envelope.type] : undefined;
  if (!definition) {
    throw new ProtocolError(
      'UNKNOWN_TYPE',
      `unknown message type "${envelope.type.slice(0, 64)}" (field type)`,
      {
        field: 'type',
        requestId: envelope.id,
      },
    );
  }
  const result = definition.request.safeParse(envelope.payload);
  if (!result.success) {
    const { field, message } = describeZodIssue(result.error, 'payload');
    throw new ProtocolError('INVALID_PAYLOAD', `invalid ${field} for type "${envelope.type}": ${message}`, {
      field,
      requestId: envelope.id,
    });
  }
  return result.data;
}

/** Checks a reply payload against the registry; used by clients so a reply is typed only once it is proven. */
/** `requestId` is the id the reply answers: the error names it, so a caller need not rebuild it. */
export function validateReplyPayload(
  type: string,
  payload: unknown,
  registry: MessageRegistry,
  requestId?: string,
): unknown {
  const definition = Object.hasOwn(registry, type) ? registry[type] : undefined;
  if (!definition) return payload;
  const result = definition.reply.safeParse(payload);
  if (!result.success) {
    const { field, message } = describeZodIssue(result.error, 'payload');
    throw new ProtocolError('INVALID_PAYLOAD', `invalid reply ${field} for type "${type}": ${message}`, {
      field,
      requestId,
    });
  }
  return result.data;
}

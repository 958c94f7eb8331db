import {
  ATTACHED_HEADER_BYTES,
  attachBinary,
  type DetachedPayload,
  detachBinary,
  gatherAttached,
  isAttached,
  packAttached,
  splitAttached,
} from './attachments.js';
import type { ErrorBody, ReplyEnvelope, RequestEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { type Frame, GATHER_MIN_ATTACHMENT_BYTES } from './gather-frame.js';
import { assertJsonDepth } from './json-limits.js';
import { envelopeText } from './json-text.js';
import {
  DEFAULT_MAX_JSON_DEPTH,
  MAX_REQUEST_ID_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_TYPE_NAME_LENGTH,
  PROTOCOL_VERSION,
} from './limits.js';
import { type EventEnvelope, TOPIC_PATTERN } from './subscriptions.js';
import { decodeUtf8 } from './utf8-text.js';

export interface JsonLimits {
  /** Largest encoded message accepted or produced, in bytes. */
  maxBytes: number;
  /** Deepest JSON nesting accepted. */
  maxDepth?: number;
  /** Most JSON values (objects, arrays, elements) accepted; unlimited when unset. Servers set it. */
  maxValues?: number;
}

/**
 * Encodes an envelope as UTF-8 JSON, refusing (never cutting) a message over the limit. A payload
 * with binary fields is encoded in the attached layout (see attachments.ts).
 */
export function encodeJson(
  envelope: RequestEnvelope | ReplyEnvelope | EventEnvelope,
  limits: JsonLimits,
): Buffer {
  const detached = 'payload' in envelope ? detachBinary(envelope.payload) : undefined;
  if (detached) return packAttached(attachedJson(envelope, detached, limits), detached.parts, detached.bytes);
  return encodePlain(envelope, limits);
}

/**
 * encodeJson's message as a Frame to send: the same bytes, but with attachments of
 * GATHER_MIN_ATTACHMENT_BYTES or more left where they are, to be written after the JSON by a
 * gathering write instead of copied behind it (see gather-frame.ts).
 */
export function encodeJsonFrame(
  envelope: RequestEnvelope | ReplyEnvelope | EventEnvelope,
  limits: JsonLimits,
): Frame {
  const detached = 'payload' in envelope ? detachBinary(envelope.payload) : undefined;
  if (!detached) return encodePlain(envelope, limits);
  const json = attachedJson(envelope, detached, limits);
  return detached.bytes >= GATHER_MIN_ATTACHMENT_BYTES
    ? gatherAttached(json, detached.parts)
    : packAttached(json, detached.parts, detached.bytes);
}

function encodePlain(envelope: RequestEnvelope | ReplyEnvelope | EventEnvelope, limits: JsonLimits): Buffer {
  const bytes = Buffer.from(envelopeText(envelope), 'utf8');
  if (bytes.length > limits.maxBytes) {
    throw new ProtocolError(
      'TOO_LARGE',
      `encoded message is ${bytes.length} bytes, over the limit of ${limits.maxBytes}`,
      { requestId: idOf(envelope) },
    );
  }
  return bytes;
}

/** The request id an envelope answers to, if any (an event answers none). */
function idOf(envelope: RequestEnvelope | ReplyEnvelope | EventEnvelope): string | undefined {
  return 'id' in envelope ? envelope.id : undefined;
}

/** The JSON envelope of a message with attachments, once the whole message is known to fit. */
function attachedJson(
  envelope: RequestEnvelope | ReplyEnvelope | EventEnvelope,
  detached: DetachedPayload,
  limits: JsonLimits,
): Buffer {
  const json = Buffer.from(envelopeText({ ...envelope, payload: detached.json, bin: detached.bin }), 'utf8');
  const total = ATTACHED_HEADER_BYTES + json.length + detached.bytes;
  if (total > limits.maxBytes) {
    throw new ProtocolError(
      'TOO_LARGE',
      `encoded message is ${total} bytes (${detached.bytes} of them binary), over the limit of ${limits.maxBytes}`,
      { requestId: idOf(envelope) },
    );
  }
  return json;
}

/** A received message's JSON object, and the attachments' bytes when it is in the attached layout. */
interface ParsedMessage {
  readonly message: Record<string, unknown>;
  readonly attachments: Uint8Array | undefined;
}

function parseMessage(bytes: Uint8Array, limits: JsonLimits): ParsedMessage {
  if (!isAttached(bytes)) return { message: parseJsonObject(bytes, limits), attachments: undefined };
  if (bytes.length > limits.maxBytes) {
    throw new ProtocolError(
      'TOO_LARGE',
      `message is ${bytes.length} bytes, over the limit of ${limits.maxBytes}`,
    );
  }
  const { json, rest } = splitAttached(bytes);
  return { message: parseJsonObject(json, limits), attachments: rest };
}

/** The payload, with its attachments put back when the message carried some. */
function payloadOf(parsed: ParsedMessage, id: string | undefined): unknown {
  const payload = requirePayload(parsed.message, id);
  if (parsed.attachments === undefined) {
    if (parsed.message.bin !== undefined) {
      throw new ProtocolError('MALFORMED', 'field bin is only allowed in a binary message', {
        field: 'bin',
        requestId: id,
      });
    }
    return payload;
  }
  return attachBinary(payload, parsed.message.bin, parsed.attachments, id);
}

function parseJsonObject(bytes: Uint8Array, limits: JsonLimits): Record<string, unknown> {
  if (bytes.length === 0) throw new ProtocolError('EMPTY', 'message is empty');
  if (bytes.length > limits.maxBytes) {
    throw new ProtocolError(
      'TOO_LARGE',
      `message is ${bytes.length} bytes, over the limit of ${limits.maxBytes}`,
    );
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new ProtocolError('INVALID_UTF8', 'message is not valid UTF-8');
  assertJsonDepth(bytes, limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, limits.maxValues);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    throw new ProtocolError('MALFORMED', `message is not JSON: ${reason}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('MALFORMED', 'message is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function readableId(message: Record<string, unknown>): string | undefined {
  const { id } = message;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID_LENGTH ? id : undefined;
}

function checkVersionAndId(message: Record<string, unknown>): string {
  const id = readableId(message);
  if (message.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'BAD_VERSION',
      `field v must be ${PROTOCOL_VERSION}, got ${JSON.stringify(message.v)}`,
      {
        field: 'v',
        requestId: id,
      },
    );
  }
  if (id === undefined) {
    throw new ProtocolError(
      'MALFORMED',
      `field id must be a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters`,
      {
        field: 'id',
      },
    );
  }
  return id;
}

function requirePayload(message: Record<string, unknown>, id: string | undefined): unknown {
  if (!Object.hasOwn(message, 'payload')) {
    throw new ProtocolError('MALFORMED', 'field payload is missing', { field: 'payload', requestId: id });
  }
  return message.payload;
}

/**
 * Decodes a request envelope. The checks are written out by hand because this runs for every
 * message; they accept exactly what RequestEnvelopeSchema accepts (a property test holds them to it).
 */
export function decodeJsonRequest(bytes: Uint8Array, limits: JsonLimits): RequestEnvelope {
  const parsed = parseMessage(bytes, limits);
  const { message } = parsed;
  const id = checkVersionAndId(message);
  const { type } = message;
  if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_NAME_LENGTH) {
    throw new ProtocolError(
      'MALFORMED',
      `field type must be a string of 1 to ${MAX_TYPE_NAME_LENGTH} characters`,
      {
        field: 'type',
        requestId: id,
      },
    );
  }
  const payload = payloadOf(parsed, id);
  const envelope: RequestEnvelope = { v: PROTOCOL_VERSION, id, type, payload };
  const low = optionalCount(message, 'low', id);
  if (low !== undefined) envelope.low = low;
  const deadline = optionalCount(message, 'deadline', id);
  if (deadline !== undefined) envelope.deadline = deadline;
  const { notify } = message;
  if (notify !== undefined) {
    if (notify !== true) {
      throw new ProtocolError('MALFORMED', 'field notify must be true when present', {
        field: 'notify',
        requestId: id,
      });
    }
    envelope.notify = true;
  }
  return envelope;
}

/** An optional non-negative integer field (`low`, `deadline`): undefined when absent. */
function optionalCount(
  message: Record<string, unknown>,
  field: string,
  id: string | undefined,
): number | undefined {
  const value = message[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ProtocolError('MALFORMED', `field ${field} must be a non-negative integer`, {
      field,
      requestId: id,
    });
  }
  return value;
}

function checkErrorBody(value: unknown, id: string): ErrorBody {
  if (typeof value !== 'object' || value === null) {
    throw new ProtocolError('MALFORMED', 'field error must be an object', { field: 'error', requestId: id });
  }
  const { code, message } = value as Record<string, unknown>;
  if (typeof code !== 'string' || code.length === 0 || code.length > 64) {
    throw new ProtocolError('MALFORMED', 'field error.code must be a string of 1 to 64 characters', {
      field: 'error.code',
      requestId: id,
    });
  }
  if (typeof message !== 'string') {
    throw new ProtocolError('MALFORMED', 'field error.message must be a string', {
      field: 'error.message',
      requestId: id,
    });
  }
  return { code, message };
}

/** Decodes a reply envelope; hand-checked like decodeJsonRequest and held to ReplyEnvelopeSchema by tests. */
export function decodeJsonReply(bytes: Uint8Array, limits: JsonLimits): ReplyEnvelope {
  return replyOf(parseMessage(bytes, limits));
}

function replyOf(parsed: ParsedMessage): ReplyEnvelope {
  const { message } = parsed;
  const id = checkVersionAndId(message);
  if (message.ok === true) return { v: PROTOCOL_VERSION, id, ok: true, payload: payloadOf(parsed, id) };
  if (message.ok === false) {
    return { v: PROTOCOL_VERSION, id, ok: false, error: checkErrorBody(message.error, id) };
  }
  throw new ProtocolError('MALFORMED', 'field ok must be true or false', { field: 'ok', requestId: id });
}

/**
 * Client side: one message from a server, a reply or (when it has the field `event`, which no reply
 * has) a pushed event. Parsed once; hand-checked like the other decoders.
 */
export function decodeJsonServerMessage(
  bytes: Uint8Array,
  limits: JsonLimits,
): ReplyEnvelope | EventEnvelope {
  const parsed = parseMessage(bytes, limits);
  const { message } = parsed;
  if (message.event === undefined) return replyOf(parsed);
  if (message.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'BAD_VERSION',
      `field v must be ${PROTOCOL_VERSION}, got ${JSON.stringify(message.v)}`,
      {
        field: 'v',
      },
    );
  }
  const topic = message.event;
  if (
    typeof topic !== 'string' ||
    topic.length === 0 ||
    topic.length > MAX_TOPIC_LENGTH ||
    !TOPIC_PATTERN.test(topic)
  ) {
    throw new ProtocolError(
      'MALFORMED',
      `field event must be a topic of 1 to ${MAX_TOPIC_LENGTH} letters, digits and ._:/-`,
      {
        field: 'event',
      },
    );
  }
  const { epoch } = message;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) {
    throw new ProtocolError('MALFORMED', 'field epoch must be a string of 1 to 64 characters', {
      field: 'epoch',
    });
  }
  const seq = optionalCount(message, 'seq', undefined);
  if (seq === undefined) {
    throw new ProtocolError('MALFORMED', 'field seq is missing', { field: 'seq' });
  }
  const event: EventEnvelope = {
    v: PROTOCOL_VERSION,
    event: topic,
    epoch,
    seq,
    payload: payloadOf(parsed, undefined),
  };
  if (message.end !== undefined) {
    if (message.end !== true) {
      throw new ProtocolError('MALFORMED', 'field end must be true when present', { field: 'end' });
    }
    event.end = true;
  }
  return event;
}

import { decodeCString, encodeCString } from './cstring-codec.js';
import type { ReplyEnvelope, RequestEnvelope } from './envelope.js';
import { errorReply, okReply } from './envelope.js';
import { ProtocolError } from './errors.js';
import { decodeJsonReply, decodeJsonRequest, encodeJson, type JsonLimits } from './json-codec.js';
import { CSTRING_MAX_TEXT_BYTES, PROTOCOL_VERSION } from './limits.js';

export const CODEC_NAMES = ['auto', 'json', 'cstring'] as const;
/** `auto` is for servers: each message is answered in the wire format it arrived in. */
export type CodecName = (typeof CODEC_NAMES)[number];
export type WireFormat = Exclude<CodecName, 'auto'>;

/**
 * The id given to requests that arrive as cstring records, which carry none. A server never
 * remembers it, so such requests are executed every time they are sent (at-least-once).
 */
export const CSTRING_REQUEST_ID = 'cstring';

const OPEN_BRACE = 0x7b;

/** JSON envelopes always start with `{`; a seed cstring record starts with its text or a NUL. */
export function detectWireFormat(bytes: Uint8Array): WireFormat {
  return bytes[0] === OPEN_BRACE ? 'json' : 'cstring';
}

export function wireFormatFor(codec: CodecName, bytes: Uint8Array): WireFormat {
  return codec === 'auto' ? detectWireFormat(bytes) : codec;
}

export interface InboundRequest {
  wire: WireFormat;
  envelope: RequestEnvelope;
}

/** Server side: one received message to a request envelope. A cstring text becomes an `ack` request. */
export function decodeRequest(bytes: Uint8Array, wire: WireFormat, limits: JsonLimits): InboundRequest {
  if (wire === 'json') return { wire, envelope: decodeJsonRequest(bytes, limits) };
  const text = decodeCString(bytes);
  return { wire, envelope: { v: PROTOCOL_VERSION, id: CSTRING_REQUEST_ID, type: 'ack', payload: { text } } };
}

function replyText(reply: ReplyEnvelope): string {
  if (!reply.ok) return `ERROR ${reply.error.code}: ${reply.error.message}`;
  const { payload } = reply;
  if (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as { text?: unknown }).text === 'string'
  ) {
    return (payload as { text: string }).text;
  }
  return JSON.stringify(payload);
}

/** Server side: a reply in the wire format its request came in. */
export function encodeReply(reply: ReplyEnvelope, wire: WireFormat, limits: JsonLimits): Buffer {
  if (wire === 'json') return encodeJson(reply, limits);
  const text = replyText(reply);
  if (!reply.ok && Buffer.byteLength(text) > CSTRING_MAX_TEXT_BYTES) {
    // An error must still reach a seed client; its code alone always fits.
    return encodeCString(`ERROR ${reply.error.code}`);
  }
  return encodeCString(text);
}

/** Client side: a request in the chosen wire format. cstring carries only a text payload. */
export function encodeRequest(request: RequestEnvelope, wire: WireFormat, limits: JsonLimits): Buffer {
  if (wire === 'json') return encodeJson(request, limits);
  const { payload } = request;
  const text =
    typeof payload === 'object' && payload !== null ? (payload as { text?: unknown }).text : undefined;
  if (typeof text !== 'string') {
    throw new ProtocolError(
      'INVALID_PAYLOAD',
      `type "${request.type}" cannot be sent as cstring: it has no text`,
      {
        field: 'payload.text',
        requestId: request.id,
      },
    );
  }
  return encodeCString(text);
}

/** Codes are upper case with digits and underscores (`INVALID_UTF8`), as ErrorBodySchema allows up to 64. */
const ERROR_PREFIX = /^ERROR ([A-Z][A-Z0-9_]{0,63})(?:: (.*))?$/s;

/**
 * Client side: one received message to a reply. A cstring reply has no id (the caller matches it
 * to its oldest request); udsipc servers write errors as `ERROR CODE: message`.
 */
export function decodeReply(bytes: Uint8Array, wire: WireFormat, limits: JsonLimits): ReplyEnvelope {
  if (wire === 'json') return decodeJsonReply(bytes, limits);
  const text = decodeCString(bytes);
  const failure = ERROR_PREFIX.exec(text);
  if (failure) return errorReply(CSTRING_REQUEST_ID, failure[1]!, failure[2] ?? failure[1]!);
  return okReply(CSTRING_REQUEST_ID, { text });
}

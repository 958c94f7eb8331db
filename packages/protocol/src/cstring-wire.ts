import type { Codec } from './codec.js';
import { decodeCString, encodeCString } from './cstring-codec.js';
import { errorReply, okReply, type ReplyEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { CSTRING_MAX_TEXT_BYTES, CSTRING_RECORD_BYTES, PROTOCOL_VERSION } from './limits.js';

/**
 * The id given to requests that arrive as cstring records, which carry none. A server never
 * remembers it, so such requests are executed every time they are sent (at-least-once).
 */
export const CSTRING_REQUEST_ID = 'cstring';

/** Codes are upper case with digits and underscores (`INVALID_UTF8`), as ErrorBodySchema allows up to 64. */
const ERROR_PREFIX = /^ERROR ([A-Z][A-Z0-9_]{0,63})(?:: (.*))?$/s;

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

/**
 * The seed's format: fixed 1024-byte NUL-terminated text records, on a stream or one per
 * datagram. A text is an `ack` request; replies carry no id, and the seed's servers answer in
 * order, so a reply answers the oldest request waiting.
 */
export const cstringCodec: Codec = {
  name: 'cstring',
  remembersRequests: false,
  batches: false,
  stream: {
    headerBytes: 0,
    minFrameBytes: CSTRING_RECORD_BYTES,
    bodyBytes: () => CSTRING_RECORD_BYTES,
    frame: (body) => body,
    header: () => undefined,
  },
  decodeRequest(bytes) {
    const text = decodeCString(bytes);
    return { v: PROTOCOL_VERSION, id: CSTRING_REQUEST_ID, type: 'ack', payload: { text } };
  },
  encodeReply(reply) {
    const text = replyText(reply);
    if (!reply.ok && Buffer.byteLength(text) > CSTRING_MAX_TEXT_BYTES) {
      // An error must still reach a seed client; its code alone always fits.
      return encodeCString(`ERROR ${reply.error.code}`);
    }
    return encodeCString(text);
  },
  encodeRequest(request) {
    const { payload } = request;
    const text =
      typeof payload === 'object' && payload !== null ? (payload as { text?: unknown }).text : undefined;
    if (typeof text !== 'string') {
      throw new ProtocolError(
        'INVALID_PAYLOAD',
        `type "${request.type}" cannot be sent as cstring: it has no text`,
        { field: 'payload.text', requestId: request.id },
      );
    }
    return encodeCString(text);
  },
  // A cstring record is 1024 bytes and never carries attachments: the frame is the record.
  encodeReplyFrame(reply, limits) {
    return this.encodeReply(reply, limits);
  },
  encodeRequestFrame(request, limits) {
    return this.encodeRequest(request, limits);
  },
  /** udsipc servers write errors as `ERROR CODE: message`. */
  decodeReply(bytes) {
    const text = decodeCString(bytes);
    const failure = ERROR_PREFIX.exec(text);
    if (failure) return errorReply(CSTRING_REQUEST_ID, failure[1]!, failure[2] ?? failure[1]!);
    return okReply(CSTRING_REQUEST_ID, { text });
  },
  decodeFromServer(bytes, limits) {
    return this.decodeReply(bytes, limits);
  },
  matchReply: (_reply, waiting) => waiting.values().next().value,
};

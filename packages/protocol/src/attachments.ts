import { z } from 'zod';
import { ProtocolError } from './errors.js';
import { GatherFrame } from './gather-frame.js';

/**
 * Binary attachments: a payload's top-level fields that hold binary data (a Uint8Array, so also a
 * Buffer) travel as raw bytes after the JSON, never as JSON numbers or base64. Layout of such a
 * message (a datagram, or a stream frame's body):
 *
 *   byte 0       0x01 (ATTACHED_MARKER: neither `{`, which starts every plain JSON message, nor
 *                0x1E, a batch, nor text, which starts a seed cstring record)
 *   bytes 1..4   the length J of the JSON envelope, 32-bit big-endian
 *   bytes 5..    the JSON envelope: as always, except that each attached field of `payload` is
 *                `null`, and a field `bin` lists them in order: [["field", length], ...]
 *   then         the attachments' bytes, one after another in `bin`'s order, nothing after them
 *
 * A message with no binary field is plain JSON, byte for byte as before, so JSON-only peers (a
 * Python socket, the seed's programs) never see this layout unless they use a type with binary
 * fields. Receivers get each attachment as a Buffer view of the received bytes (no copy).
 */
export const ATTACHED_MARKER = 0x01;
export const ATTACHED_HEADER_BYTES = 5;
/** Most binary fields in one payload. */
export const MAX_ATTACHMENTS = 16;
const MAX_FIELD_NAME_LENGTH = 64;

/** The schema of a binary field: declare one in a message's payload schema to carry bytes. */
export const AttachmentSchema = z.custom<Uint8Array>(
  (value) => value instanceof Uint8Array,
  'expected binary data (a Uint8Array or Buffer)',
);

/** A payload with its binary fields taken out: what goes in the JSON, and the bytes after it. */
export interface DetachedPayload {
  readonly json: Record<string, unknown>;
  readonly bin: [string, number][];
  readonly parts: Uint8Array[];
  readonly bytes: number;
}

/**
 * The binary top-level fields of `payload`, taken out (`null` left in their place), or undefined
 * when it has none: then the message is plain JSON.
 */
export function detachBinary(payload: unknown): DetachedPayload | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  if (payload instanceof Uint8Array) {
    throw new ProtocolError('INVALID_PAYLOAD', 'binary data must be a field of an object payload', {
      field: 'payload',
    });
  }
  let detached:
    | { json: Record<string, unknown>; bin: [string, number][]; parts: Uint8Array[]; bytes: number }
    | undefined;
  const fields = payload as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (!(value instanceof Uint8Array)) continue;
    detached ??= { json: { ...fields }, bin: [], parts: [], bytes: 0 };
    detached.json[key] = null;
    detached.bin.push([key, value.byteLength]);
    detached.parts.push(value);
    detached.bytes += value.byteLength;
  }
  if (detached && detached.parts.length > MAX_ATTACHMENTS) {
    throw new ProtocolError(
      'TOO_LARGE',
      `${detached.parts.length} binary fields, over the limit of ${MAX_ATTACHMENTS}`,
      {
        field: 'payload',
      },
    );
  }
  return detached;
}

/** One message in the attached layout: the marker, the JSON's length, the JSON, the bytes. */
export function packAttached(json: Buffer, parts: readonly Uint8Array[], bytes: number): Buffer {
  const message = Buffer.allocUnsafe(ATTACHED_HEADER_BYTES + json.length + bytes);
  writeAttachedHeader(message, json.length);
  json.copy(message, ATTACHED_HEADER_BYTES);
  let offset = ATTACHED_HEADER_BYTES + json.length;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.byteLength;
  }
  return message;
}

/** The same message as parts to write in order, the bytes not copied (see gather-frame.ts). */
export function gatherAttached(json: Buffer, parts: readonly Uint8Array[]): GatherFrame {
  const header = Buffer.allocUnsafe(ATTACHED_HEADER_BYTES);
  writeAttachedHeader(header, json.length);
  return new GatherFrame([header, json, ...parts]);
}

function writeAttachedHeader(target: Buffer, jsonBytes: number): void {
  target[0] = ATTACHED_MARKER;
  target.writeUInt32BE(jsonBytes, 1);
}

export function isAttached(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === ATTACHED_MARKER;
}

const OPEN_BRACE = 0x7b;

/**
 * Whether a message of unknown format is one in the attached layout, for telling formats apart
 * (`auto`): the marker, a JSON length that fits in what follows, and the JSON's `{` right after
 * the header. A seed cstring record that merely starts with the byte 0x01 (the fuzzer sends such
 * records) fails the last two and stays a cstring record.
 */
export function looksAttached(bytes: Uint8Array): boolean {
  if (bytes.length < ATTACHED_HEADER_BYTES + 1 || bytes[0] !== ATTACHED_MARKER) return false;
  const jsonBytes = ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
  return jsonBytes <= bytes.length - ATTACHED_HEADER_BYTES && bytes[ATTACHED_HEADER_BYTES] === OPEN_BRACE;
}

/** The JSON part and the attachments' bytes of a message in the attached layout. */
export function splitAttached(bytes: Uint8Array): { json: Uint8Array; rest: Uint8Array } {
  if (bytes.length < ATTACHED_HEADER_BYTES) {
    throw new ProtocolError('MALFORMED', 'binary message shorter than its 5-byte header');
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const jsonBytes = view.readUInt32BE(1);
  if (jsonBytes > bytes.length - ATTACHED_HEADER_BYTES) {
    throw new ProtocolError(
      'MALFORMED',
      `binary message announces ${jsonBytes} bytes of JSON, but only ${bytes.length - ATTACHED_HEADER_BYTES} follow`,
    );
  }
  return {
    json: view.subarray(ATTACHED_HEADER_BYTES, ATTACHED_HEADER_BYTES + jsonBytes),
    rest: view.subarray(ATTACHED_HEADER_BYTES + jsonBytes),
  };
}

/**
 * Puts the attachments back into a decoded payload: checks `bin` (each entry a field of the
 * payload that is null, lengths adding up to exactly the bytes after the JSON) and sets each field
 * to its bytes, as a Buffer view of the message.
 */
export function attachBinary(
  payload: unknown,
  bin: unknown,
  rest: Uint8Array,
  id: string | undefined,
): unknown {
  const malformed = (why: string): never => {
    throw new ProtocolError('MALFORMED', `field bin ${why}`, { field: 'bin', requestId: id });
  };
  if (!Array.isArray(bin) || bin.length === 0 || bin.length > MAX_ATTACHMENTS) {
    return malformed(`must list 1 to ${MAX_ATTACHMENTS} [field, length] pairs`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return malformed('needs an object payload');
  }
  const fields = payload as Record<string, unknown>;
  const view = Buffer.from(rest.buffer, rest.byteOffset, rest.length);
  let offset = 0;
  for (const entry of bin) {
    if (!Array.isArray(entry) || entry.length !== 2)
      return malformed('entries must be [field, length] pairs');
    const [key, length] = entry as [unknown, unknown];
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_FIELD_NAME_LENGTH) {
      return malformed(`names must be strings of 1 to ${MAX_FIELD_NAME_LENGTH} characters`);
    }
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      return malformed('lengths must be non-negative integers');
    }
    if (!Object.hasOwn(fields, key) || fields[key] !== null) {
      return malformed(`names payload.${key}, which is not a null field of the payload`);
    }
    if (offset + length > view.length) return malformed('lengths add up to more bytes than follow the JSON');
    fields[key] = view.subarray(offset, offset + length);
    offset += length;
  }
  if (offset !== view.length)
    return malformed(`lengths add up to ${offset} bytes, but ${view.length} follow the JSON`);
  return fields;
}

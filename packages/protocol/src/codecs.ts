import { ATTACHED_HEADER_BYTES, ATTACHED_MARKER, looksAttached } from './attachments.js';
import type { Codec, CodecName, WireFormat } from './codec.js';
import { cstringCodec } from './cstring-wire.js';
import { jsonCodec } from './json-wire.js';
import { FRAME_HEADER_BYTES } from './stream-frame.js';

const OPEN_BRACE = 0x7b;

export function codecNamed(name: WireFormat): Codec {
  return name === 'json' ? jsonCodec : cstringCodec;
}

/**
 * JSON envelopes always start with `{` (or 0x01, with binary attachments: see attachments.ts); a
 * seed cstring record starts with its text or a NUL.
 */
export function detectCodec(bytes: Uint8Array): Codec {
  return bytes[0] === OPEN_BRACE || looksAttached(bytes) ? jsonCodec : cstringCodec;
}

/** A server's datagram codec: the configured one, or under `auto` the one each message shows. */
export function datagramCodec(choice: CodecName, bytes: Uint8Array): Codec {
  return choice === 'auto' ? detectCodec(bytes) : codecNamed(choice);
}

/**
 * A stream connection's codec, read from its first bytes under `auto`: a JSON frame's header has a
 * zero top byte (frames stay under 16 MiB) and its body starts with `{` (or 0x01, attachments); a seed cstring record
 * starts with its text. Undefined while too few bytes have arrived to tell.
 */
export function detectStreamCodec(head: Uint8Array): Codec | undefined {
  if (head.length < FRAME_HEADER_BYTES + 1) {
    return head.length > 0 && head[0] !== 0 ? cstringCodec : undefined;
  }
  if (head[0] !== 0) return cstringCodec;
  const first = head[FRAME_HEADER_BYTES];
  if (first === OPEN_BRACE) return jsonCodec;
  if (first !== ATTACHED_MARKER) return cstringCodec;
  // A frame body in the attached layout has its JSON's `{` 5 bytes in: wait until that byte is here.
  const brace = FRAME_HEADER_BYTES + ATTACHED_HEADER_BYTES;
  if (head.length <= brace) return undefined;
  return head[brace] === OPEN_BRACE ? jsonCodec : cstringCodec;
}

/**
 * The codec of a datagram that carries a batch, under a server's codec choice, or undefined when
 * that choice allows no batches (a cstring-only server answers a batch as one record).
 */
export function batchingCodec(choice: CodecName): Codec | undefined {
  const codec = choice === 'auto' ? jsonCodec : codecNamed(choice);
  return codec.batches ? codec : undefined;
}

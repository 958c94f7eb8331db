import { ProtocolError } from './errors.js';
import { CSTRING_MAX_TEXT_BYTES, CSTRING_RECORD_BYTES } from './limits.js';
import { decodeUtf8 } from './utf8-text.js';

/** Encodes text as the seed's wire: one 1024-byte buffer, NUL-terminated and NUL-padded. */
export function encodeCString(text: string): Buffer {
  const textBytes = Buffer.from(text, 'utf8');
  if (textBytes.length > CSTRING_MAX_TEXT_BYTES) {
    throw new ProtocolError(
      'TOO_LARGE',
      `cstring text is ${textBytes.length} bytes, over the limit of ${CSTRING_MAX_TEXT_BYTES}`,
      { field: 'payload.text' },
    );
  }
  if (textBytes.includes(0)) {
    throw new ProtocolError('MALFORMED', 'cstring text must not contain a NUL byte', {
      field: 'payload.text',
    });
  }
  const record = Buffer.alloc(CSTRING_RECORD_BYTES);
  textBytes.copy(record);
  return record;
}

/**
 * Reads the text of one cstring record: the bytes before the first NUL. Whatever follows the NUL
 * is ignored, as the seed's programs ignore it (they reuse one buffer between messages).
 */
export function decodeCString(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new ProtocolError('EMPTY', 'cstring record is empty');
  if (bytes.length > CSTRING_RECORD_BYTES) {
    throw new ProtocolError(
      'TOO_LARGE',
      `cstring record is ${bytes.length} bytes, over the limit of ${CSTRING_RECORD_BYTES}`,
    );
  }
  const end = bytes.indexOf(0);
  if (end === -1) throw new ProtocolError('NOT_TERMINATED', 'cstring record has no terminating NUL byte');
  const text = bytes.subarray(0, end);
  const decoded = decodeUtf8(text);
  if (decoded === undefined) throw new ProtocolError('INVALID_UTF8', 'cstring text is not valid UTF-8');
  return decoded;
}

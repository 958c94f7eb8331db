import { ProtocolError } from './errors.js';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Measures the nesting depth of JSON text without parsing it, stopping as soon as `maxDepth` is
 * exceeded. JSON.parse recurses per level, so a deeply nested message from a hostile peer is
 * refused here, in linear time, before the parser ever sees it.
 */
export function assertJsonDepth(bytes: Uint8Array, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) {
        throw new ProtocolError('TOO_DEEP', `JSON nesting exceeds the limit of ${maxDepth} levels`);
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
}

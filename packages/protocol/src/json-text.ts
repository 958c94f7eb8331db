/**
 * JSON text of an envelope, the same characters JSON.stringify gives, faster when the payload has
 * long plain strings.
 *
 * Why: Node 20's JSON.stringify looks at a string one character at a time to escape it, ~3 ns a
 * character here: 12 µs for the 4 KiB echo's text, most of a 4 KiB message's encoding cost on
 * both sides, 3 ms for 1 MiB. A string of printable ASCII without `"` or `\` needs no escaping at
 * all; that is checked below a 32-bit word at a time, ~4x faster, and such a string is then
 * quoted as it is. Everything else (short strings, numbers, nested values, any string that needs
 * escaping or holds a character outside ASCII) still goes through JSON.stringify, so the wire is
 * unchanged byte for byte (a property test holds this module to JSON.stringify).
 */

/** Strings shorter than this are left to JSON.stringify: below it the check saves less than it costs. */
export const LONG_STRING_CHARS = 512;

const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;
const SPACES = 0x20202020;
const ONES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;

/**
 * Where a long string's UTF-8 bytes are put to be checked: kept between calls and grown to the
 * longest string seen, up to 1 MiB. A longer string gets a buffer of its own for the one check, so
 * a single huge message does not pin its size in memory for the life of the process.
 */
const MAX_KEPT_SCRATCH_BYTES = 1024 * 1024;
let kept = Buffer.allocUnsafeSlow(64 * 1024);
let keptWords = new Int32Array(kept.buffer, 0, kept.length >>> 2);

interface Scratch {
  readonly bytes: Buffer;
  /** The same memory, 4 bytes at a time (the buffer has an ArrayBuffer of its own, from offset 0). */
  readonly words: Int32Array;
}

function scratchFor(chars: number): Scratch {
  if (chars > MAX_KEPT_SCRATCH_BYTES) {
    const bytes = Buffer.allocUnsafeSlow(chars);
    return { bytes, words: new Int32Array(bytes.buffer, 0, chars >>> 2) };
  }
  if (kept.length < chars) {
    let size = kept.length;
    while (size < chars) size *= 2;
    kept = Buffer.allocUnsafeSlow(size);
    keptWords = new Int32Array(kept.buffer, 0, size >>> 2);
  }
  return { bytes: kept, words: keptWords };
}

/**
 * Whether `text` is all ASCII from 0x20 up, with no `"` and no `\`: JSON's quoted form of it is
 * then the text between two quotes. Its UTF-8 is written to the scratch buffer and read 4 bytes at a
 * time: a byte from 0x80 up, below 0x20, or equal to `"` or `\` marks the word (the high bit of
 * `x - 0x01` and not of `x` is set only for a byte 0 of `x`; exact once no byte has its high bit).
 * A string with a character outside ASCII writes more bytes than it has characters, or stops early
 * at the end of the buffer; either way a count that is not its length, or a high bit, refuses it.
 */
export function needsNoEscaping(text: string): boolean {
  const { bytes, words: view } = scratchFor(text.length);
  const written = bytes.write(text, 0, 'utf8');
  if (written !== text.length) return false;
  const whole = written >>> 2;
  let marks = 0;
  for (let i = 0; i < whole; i++) {
    const word = view[i]!;
    const quote = word ^ QUOTES;
    const backslash = word ^ BACKSLASHES;
    marks |= word | ((word - SPACES) & ~word) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
    // Checked every 64 words: a string that needs escaping is found early, a clean one costs no branch per word.
    if ((i & 63) === 63 && (marks & HIGH_BITS) !== 0) return false;
  }
  if ((marks & HIGH_BITS) !== 0) return false;
  for (let i = whole << 2; i < written; i++) {
    const byte = bytes[i]!;
    if (byte < 0x20 || byte >= 0x80 || byte === 0x22 || byte === 0x5c) return false;
  }
  return true;
}

/** JSON.stringify(value) for a value that is a field of an object (it has a key). */
function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length >= LONG_STRING_CHARS && needsNoEscaping(value)) {
    return `"${value}"`;
  }
  return JSON.stringify(value);
}

/**
 * Whether `value` is an object JSON.stringify would write as its own enumerable fields, with no
 * `toJSON` of its own or of a field (a `toJSON` is called with the field's key, which a
 * field-by-field JSON.stringify would not pass), and one of its fields a long string.
 */
function worthSplitting(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const fields = value as Record<string, unknown>;
  if (typeof fields.toJSON === 'function') return false;
  let long = false;
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    if (typeof field === 'string') {
      if (field.length >= LONG_STRING_CHARS) long = true;
    } else if (
      typeof field === 'object' &&
      field !== null &&
      typeof (field as { toJSON?: unknown }).toJSON === 'function'
    ) {
      return false;
    }
  }
  return long;
}

/** `{"key":text,...}` from each own enumerable field, skipping those JSON.stringify skips. */
function objectText(
  fields: Record<string, unknown>,
  textOf: (value: unknown, key: string) => string | undefined,
): string {
  let text = '{';
  let first = true;
  for (const key of Object.keys(fields)) {
    const field = textOf(fields[key], key);
    if (field === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${field}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * JSON.stringify(envelope), character for character, for an envelope built by udsipc (a plain
 * object). Its payload is written field by field when one of its fields is a long string.
 */
export function envelopeText(envelope: object): string {
  const { payload } = envelope as { payload?: unknown };
  if (!worthSplitting(payload)) return JSON.stringify(envelope);
  return objectText(envelope as Record<string, unknown>, (value, key) =>
    key === 'payload' ? objectText(payload, fieldText) : JSON.stringify(value),
  );
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeText, LONG_STRING_CHARS, needsNoEscaping } from '../src/json-text.js';

const LONG = LONG_STRING_CHARS;

/** A long string of `unit` characters: what takes the fast path when it needs no escaping. */
function longString(
  unit: 'grapheme-ascii' | 'grapheme' | 'binary' | fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  return fc.string({ unit, minLength: LONG, maxLength: LONG * 3 });
}

/** Printable ASCII and DEL without `"` or `\`: a long string of these is quoted as it is. */
const PLAIN_CHARACTER = fc
  .integer({ min: 0x20, max: 0x7f })
  .filter((code) => code !== 0x22 && code !== 0x5c)
  .map((code) => String.fromCharCode(code));

function request(payload: unknown): object {
  return { v: 1, id: 'c0ffee-1', type: 'echo', payload, low: 1 };
}

describe('envelopeText', () => {
  it('gives exactly what JSON.stringify gives, for any JSON payload with long strings in it', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string(),
          fc.oneof(
            fc.jsonValue(),
            longString('grapheme-ascii'),
            longString('grapheme'),
            longString('binary'),
            longString(PLAIN_CHARACTER),
            fc.constant(undefined),
          ),
        ),
        longString(PLAIN_CHARACTER),
        (fields, text) => {
          const envelope = request({ ...fields, text });
          expect(envelopeText(envelope)).toBe(JSON.stringify(envelope));
        },
      ),
    );
  });

  it('escapes like JSON.stringify whatever character a long string holds, wherever it is', () => {
    const specials = [
      '"',
      '\\',
      '\u0000',
      '\n',
      '\u001f',
      '\u007f',
      'é',
      '\u2028',
      '\ud83d\ude00',
      '\ud800',
      '\udfff',
      'Ā',
      'Ģ',
      'Ŝ',
    ];
    for (const special of specials) {
      for (const at of [0, 1, 2, 3, 4, 255, 256, LONG - 1, LONG]) {
        const text = `${'a'.repeat(at)}${special}${'b'.repeat(LONG + 3 - at)}`;
        const envelope = { v: 1, id: 'x-1', ok: true, payload: { text } };
        expect(envelopeText(envelope), `${JSON.stringify(special)} at ${at}`).toBe(JSON.stringify(envelope));
      }
    }
  });

  it('follows JSON.stringify where a payload is not plain data', () => {
    const text = 'z'.repeat(LONG);
    class Point {
      constructor(readonly text: string) {}
    }
    const keyed = { toJSON: (key: string) => `field ${key}` };
    const payloads: unknown[] = [
      { text, when: new Date(0) },
      { text, keyed },
      { text, toJSON: () => 'replaced' },
      Object.assign(Object.create(null), { text, n: 1 }),
      new Point(text),
      { text, skipped: undefined, fn: () => 1, sym: Symbol('s'), nan: Number.NaN, inf: Infinity },
      { 10: 'ten', 2: 'two', text, b: [text, { text }] },
      [text, text],
      text,
    ];
    for (const payload of payloads) {
      const envelope = request(payload);
      expect(envelopeText(envelope)).toBe(JSON.stringify(envelope));
    }
    expect(() => envelopeText(request({ text, big: 1n }))).toThrow(TypeError);
    const cyclic: Record<string, unknown> = { text };
    cyclic.self = cyclic;
    expect(() => envelopeText(request(cyclic))).toThrow(TypeError);
  });
});

describe('needsNoEscaping', () => {
  it('accepts printable ASCII without quote or backslash, DEL included, and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const plain = [...text].every((c) => c >= ' ' && c <= '\u007f' && c !== '"' && c !== '\\');
        expect(needsNoEscaping(text)).toBe(plain);
        if (plain) expect(`"${text}"`).toBe(JSON.stringify(text));
      }),
    );
  });

  it('is not misled by the bytes of a longer string checked before, or by a string longer than its buffer or than what it keeps', () => {
    expect(needsNoEscaping(`${'a'.repeat(1000)}"`)).toBe(false);
    expect(needsNoEscaping('a'.repeat(999))).toBe(true);
    // Longer than the 64 KiB it starts with: the buffer grows instead of cutting the string short.
    expect(needsNoEscaping(`${'a'.repeat(200_000)}\\`)).toBe(false);
    expect(needsNoEscaping('a'.repeat(200_000))).toBe(true);
    // Longer than the 1 MiB it keeps: checked in a buffer of its own, the kept one left as it was.
    expect(needsNoEscaping(`${'a'.repeat(1_200_000)}\u0001`)).toBe(false);
    expect(needsNoEscaping('a'.repeat(1_200_001))).toBe(true);
    expect(needsNoEscaping(`${'a'.repeat(999)}"`)).toBe(false);
    // One character outside ASCII where a cut write would stop at exactly the string's length.
    expect(needsNoEscaping(`é${'a'.repeat(LONG - 2)}€`)).toBe(false);
  });
});

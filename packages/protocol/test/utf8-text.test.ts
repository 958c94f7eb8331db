import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../src/utf8-text.js';

describe('decodeUtf8', () => {
  it('gives what toString("utf8") gives for any valid UTF-8, ASCII or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (text) => {
          const bytes = Buffer.from(text, 'utf8');
          expect(decodeUtf8(bytes)).toBe(bytes.toString('utf8'));
        },
      ),
    );
  });

  it('refuses bytes that are not UTF-8, wherever the bad byte is', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(0x80, 0xc0, 0xff, 0xed), fc.nat(), (text, bad, at) => {
        const good = Buffer.from(Buffer.from(text, 'latin1').map((byte) => byte & 0x7f));
        const bytes = Buffer.concat([
          good.subarray(0, at % (good.length + 1)),
          Buffer.of(bad),
          good.subarray(at % (good.length + 1)),
        ]);
        expect(decodeUtf8(bytes)).toBeUndefined();
      }),
    );
  });

  it('reads a view into a larger buffer without the bytes around it', () => {
    const whole = Buffer.from('xx{"é":1}yy', 'utf8');
    expect(decodeUtf8(whole.subarray(2, whole.length - 2))).toBe('{"é":1}');
    // Cut inside the é: its first byte alone is not UTF-8.
    expect(decodeUtf8(new Uint8Array(whole.buffer, whole.byteOffset + 2, 3))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array(whole.buffer, whole.byteOffset + 2, 2))).toBe('{"');
  });
});

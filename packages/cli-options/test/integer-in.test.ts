import { describe, expect, it } from 'vitest';
import { integerIn } from '../src/mod.js';

describe('integerIn', () => {
  const schema = integerIn(0, 1_000);

  it('takes decimal digits within bounds', () => {
    expect(['0', '7', '0042', '1000'].map((text) => schema.parse(text))).toEqual([0, 7, 42, 1000]);
  });

  it('refuses a sign, an exponent, hex, blanks, a fraction, nothing, or a number out of bounds, in one wording', () => {
    for (const text of ['-1', '1e3', '0x10', ' 1', '1.5', '', '1001', '99999999999999999999']) {
      const result = schema.safeParse(text);
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]?.message, text).toBe('must be an integer from 0 to 1000');
    }
  });
});

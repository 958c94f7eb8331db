import { describe, expect, it } from 'vitest';
import { parseSocketMode, TransportError } from '../src/mod.js';

describe('parseSocketMode', () => {
  it("uses the protocol's one mode schema: the same modes as udsipc-server's --mode", () => {
    expect(parseSocketMode('0660')).toBe(0o660);
    expect(parseSocketMode(0o600)).toBe(0o600);
  });

  it('throws TransportError INVALID_OPTION with the reason and the mode as given', () => {
    const cases: Array<[string | number, string]> = [
      ['0999', 'socket mode must be an octal mode like 0600, 0660 or 0666, got 0999'],
      [0o400, 'socket mode must give the owner read and write (at least 0600), got 0o400'],
      [1.5, 'socket mode must be an octal mode like 0600, 0660 or 0666, got 1.5'],
    ];
    for (const [mode, message] of cases) {
      let caught: unknown;
      try {
        parseSocketMode(mode);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TransportError);
      expect(caught).toMatchObject({ code: 'INVALID_OPTION', message });
    }
  });
});

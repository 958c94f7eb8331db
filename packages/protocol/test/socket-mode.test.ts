import { describe, expect, it } from 'vitest';
import { socketModeSchema } from '../src/mod.js';

function reason(mode: string | number): string | undefined {
  return socketModeSchema.safeParse(mode).error?.issues[0]?.message;
}

describe('socketModeSchema', () => {
  it('reads octal text with or without its leading 0, and takes a number as it is', () => {
    expect(['0600', '660', '0666', '0777'].map((text) => socketModeSchema.parse(text))).toEqual([
      0o600, 0o660, 0o666, 0o777,
    ]);
    expect(socketModeSchema.parse(0o640)).toBe(0o640);
  });

  it('refuses what is not three octal digits of permission bits', () => {
    for (const mode of ['0999', '06000', '0o600', '600x', '', 0o1600, -1, 1.5]) {
      expect(reason(mode), String(mode)).toBe('must be an octal mode like 0600, 0660 or 0666');
    }
  });

  it('refuses a mode that does not give the owner read and write: the socket could not be connected to', () => {
    for (const mode of ['0400', '0200', '0066', 0o400]) {
      expect(reason(mode), String(mode)).toBe('must give the owner read and write (at least 0600)');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isUdsipcError, ProtocolError, toUdsipcError, UdsipcError } from '../src/mod.js';

describe('errors', () => {
  it('share one base with a stable code, a message and the cause behind them', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new ProtocolError('MALFORMED', 'message is not JSON', { field: 'payload', cause });
    expect(error).toBeInstanceOf(UdsipcError);
    expect(error).toBeInstanceOf(Error);
    expect(isUdsipcError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'ProtocolError', code: 'MALFORMED', field: 'payload' });
    expect(error.cause).toBe(cause);
    expect(error.stack).toContain('ProtocolError');
    expect(new ProtocolError('EMPTY', 'message is empty').cause).toBeUndefined();
  });

  it('normalize anything caught: udsipc errors as they are, the rest as INTERNAL with the original as cause', () => {
    const own = new ProtocolError('TOO_LARGE', 'too large');
    expect(toUdsipcError(own)).toBe(own);
    const foreign = new RangeError('out of range');
    expect(toUdsipcError(foreign)).toMatchObject({
      code: 'INTERNAL',
      message: 'out of range',
      cause: foreign,
    });
    expect(toUdsipcError('plain text')).toMatchObject({ code: 'INTERNAL', message: 'plain text' });
    expect(isUdsipcError(foreign)).toBe(false);
  });
});

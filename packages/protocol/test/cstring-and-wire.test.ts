import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACK_TEXT,
  CSTRING_RECORD_BYTES,
  cstringCodec,
  decodeCString,
  detectCodec,
  encodeCString,
  encodeJson,
  errorReply,
  jsonCodec,
  okReply,
  ProtocolError,
  type ProtocolErrorCode,
} from '../src/mod.js';

const limits = { maxBytes: 65_536 };

function codeOf(action: () => unknown): ProtocolErrorCode | 'none' {
  try {
    action();
    return 'none';
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
}

const cstringText = fc
  .string({ unit: 'grapheme', maxLength: 300 })
  .filter((text) => !text.includes('\0') && Buffer.byteLength(text) <= 1023);

describe('cstring codec', () => {
  it('round-trips any text of up to 1023 bytes in one 1024-byte NUL-padded record', () => {
    fc.assert(
      fc.property(cstringText, (text) => {
        const record = encodeCString(text);
        expect(record.length).toBe(CSTRING_RECORD_BYTES);
        expect(record[Buffer.byteLength(text)]).toBe(0);
        expect(decodeCString(record)).toBe(text);
      }),
    );
  });

  it('matches the seed byte for byte', () => {
    const record = encodeCString('How are you !!!');
    expect(record.subarray(0, 15).toString()).toBe('How are you !!!');
    expect(record.subarray(15).every((byte) => byte === 0)).toBe(true);
  });

  it('refuses text over 1023 bytes instead of cutting it', () => {
    expect(codeOf(() => encodeCString('x'.repeat(1023)))).toBe('none');
    expect(codeOf(() => encodeCString('x'.repeat(1024)))).toBe('TOO_LARGE');
    expect(codeOf(() => encodeCString('é'.repeat(512)))).toBe('TOO_LARGE');
  });

  it('ignores bytes after the NUL, as the seed programs reuse their buffer', () => {
    const record = Buffer.alloc(1024);
    record.write('OK\0stale bytes');
    expect(decodeCString(record)).toBe('OK');
  });

  const malformed: Array<[string, Uint8Array, ProtocolErrorCode]> = [
    ['empty', Buffer.alloc(0), 'EMPTY'],
    ['a record with no NUL', Buffer.alloc(1024, 0x41), 'NOT_TERMINATED'],
    ['a record over 1024 bytes', Buffer.alloc(1025), 'TOO_LARGE'],
    ['invalid UTF-8', Buffer.from([0xc3, 0x28, 0]), 'INVALID_UTF8'],
  ];
  for (const [name, bytes, code] of malformed) {
    it(`refuses ${name} with ${code}`, () => {
      expect(codeOf(() => decodeCString(bytes))).toBe(code);
    });
  }

  it('reads a NUL-only record as the empty text', () => {
    expect(decodeCString(Buffer.alloc(1024))).toBe('');
  });
});

describe('wire formats', () => {
  it('tells JSON from cstring by the first byte', () => {
    expect(detectCodec(encodeJson({ v: 1, id: 'a', type: 'ack', payload: { text: 'x' } }, limits)).name).toBe(
      'json',
    );
    expect(detectCodec(encodeCString('How are you !!!')).name).toBe('cstring');
    expect(detectCodec(encodeCString('')).name).toBe('cstring');
  });

  it('turns a seed cstring message into an ack request and answers it as the seed server does', () => {
    const envelope = cstringCodec.decodeRequest(encodeCString('How are you !!!'), limits);
    expect(envelope.type).toBe('ack');
    expect(envelope.payload).toEqual({ text: 'How are you !!!' });
    const reply = cstringCodec.encodeReply(okReply(envelope.id, { text: ACK_TEXT }), limits);
    expect(reply.length).toBe(1024);
    expect(decodeCString(reply)).toBe(ACK_TEXT);
  });

  it('carries errors over cstring as ERROR CODE: message', () => {
    const wire = cstringCodec.encodeReply(errorReply('cstring', 'NOT_TERMINATED', 'no NUL'), limits);
    const reply = cstringCodec.decodeReply(wire, limits);
    expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_TERMINATED', message: 'no NUL' } });
    // A code with a digit is still an error, not a reply text.
    const utf8 = cstringCodec.encodeReply(errorReply('cstring', 'INVALID_UTF8', 'bad text'), limits);
    expect(cstringCodec.decodeReply(utf8, limits)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_UTF8', message: 'bad text' },
    });
    const long = cstringCodec.encodeReply(errorReply('cstring', 'X', 'y'.repeat(5000)), limits);
    expect(cstringCodec.decodeReply(long, limits)).toMatchObject({ ok: false, error: { code: 'X' } });
  });

  it('refuses to send a request without text as cstring', () => {
    expect(
      codeOf(() => cstringCodec.encodeRequest({ v: 1, id: 'a', type: 'ping', payload: {} }, limits)),
    ).toBe('INVALID_PAYLOAD');
  });

  it('round-trips JSON requests and replies through the wire helpers', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.string(), (id, text) => {
        const request = { v: 1 as const, id, type: 'echo', payload: { text } };
        expect(jsonCodec.decodeRequest(jsonCodec.encodeRequest(request, limits), limits)).toEqual(request);
        const reply = okReply(id, { text });
        expect(jsonCodec.decodeReply(jsonCodec.encodeReply(reply, limits), limits)).toEqual(reply);
      }),
    );
  });
});

import { HandlerError, RequestError, TransportError } from '@udsipc/core';
import { encodeCString, frameHeader, UdsipcError } from '@udsipc/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FramingError } from '../src/stream-framing.js';

function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

describe('stream framing', () => {
  it('recovers length-prefixed JSON frames however the stream splits or merges them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (texts, cuts) => {
          const frames = texts.map((text) => Buffer.from(`{"t":${JSON.stringify(text)}}`));
          const stream = Buffer.concat(frames.flatMap((frame) => [frameHeader(frame.length), frame]));
          const decoder = new FrameDecoder('auto', 1 << 20);
          const received: string[] = [];
          for (const chunk of chunksOf(stream, cuts))
            decoder.push(chunk, (frame) => received.push(frame.toString()));
          expect(received).toEqual(frames.map((frame) => frame.toString()));
          expect(decoder.codec?.name).toBe('json');
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('recovers 1024-byte cstring records however the stream splits or merges them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 50 }).filter((text) => !text.includes('\0')),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.array(fc.nat(), { maxLength: 20 }),
        (texts, cuts) => {
          const stream = Buffer.concat(texts.map((text) => encodeCString(text)));
          const decoder = new FrameDecoder('auto', 1 << 20);
          const received: Buffer[] = [];
          for (const chunk of chunksOf(stream, cuts))
            decoder.push(chunk, (frame) => received.push(Buffer.from(frame)));
          expect(received.map((record) => record.length)).toEqual(texts.map(() => 1024));
          expect(Buffer.concat(received).equals(stream)).toBe(true);
          expect(decoder.codec?.name).toBe('cstring');
        },
      ),
    );
  });

  it('refuses a header over the limit as soon as the header is read', () => {
    const decoder = new FrameDecoder('json', 1000);
    expect(() => decoder.push(frameHeader(1001), () => {})).toThrow(FramingError);
  });

  it('holds at most one partial frame, gathered without a copy per chunk', () => {
    const decoder = new FrameDecoder('json', 1 << 24);
    const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
    body[0] = 0x7b;
    const stream = Buffer.concat([frameHeader(body.length), body]);
    let frames = 0;
    for (let offset = 0; offset < stream.length; offset += 65_536) {
      decoder.push(stream.subarray(offset, offset + 65_536), (frame) => {
        frames++;
        expect(frame.length).toBe(body.length);
      });
      expect(decoder.pendingBytes).toBeLessThanOrEqual(stream.length);
    }
    expect(frames).toBe(1);
  });
});

describe('transport errors', () => {
  it('are UdsipcErrors with their stable codes and their own fields', () => {
    const errors = [
      new TransportError('SOCKET_IN_USE', 'in use', { path: '/tmp/s.sock', errno: 'EADDRINUSE' }),
      new RequestError('TIMEOUT', 'no reply', { requestId: 'c:1', attempts: 11 }),
      new HandlerError('OUT_OF_STOCK', 'none left'),
      new FramingError('header announces too much'),
    ];
    expect(errors.map((error) => error instanceof UdsipcError)).toEqual([true, true, true, true]);
    expect(errors.map((error) => [error.name, error.code])).toEqual([
      ['TransportError', 'SOCKET_IN_USE'],
      ['RequestError', 'TIMEOUT'],
      ['HandlerError', 'OUT_OF_STOCK'],
      ['FramingError', 'FRAME_TOO_LARGE'],
    ]);
    expect(errors[0]).toMatchObject({ path: '/tmp/s.sock', errno: 'EADDRINUSE' });
    expect(errors[1]).toMatchObject({ requestId: 'c:1', attempts: 11 });
  });
});

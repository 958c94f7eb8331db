// The codec objects are where json and cstring differ; every layer above asks them. These pin what
// each answers, so no layer needs to know a format by name.
import { describe, expect, it } from 'vitest';
import {
  batchingCodec,
  CSTRING_RECORD_BYTES,
  codecNamed,
  cstringCodec,
  datagramCodec,
  detectStreamCodec,
  encodeCString,
  errorReply,
  frameHeader,
  jsonCodec,
  okReply,
} from '../src/mod.js';

const limits = { maxBytes: 65_536 };

describe('codecs', () => {
  it('match replies by id (json) and by order, to the oldest waiting (cstring)', () => {
    const waiting = new Map([
      ['c-1', 'first'],
      ['c-2', 'second'],
    ]);
    expect(jsonCodec.matchReply(okReply('c-2', {}), waiting)).toBe('second');
    expect(jsonCodec.matchReply(okReply('c-9', {}), waiting)).toBeUndefined();
    const seedReply = cstringCodec.decodeReply(encodeCString('I am fine !!!'), limits);
    expect(cstringCodec.matchReply(seedReply, waiting)).toBe('first');
    expect(cstringCodec.matchReply(seedReply, new Map())).toBeUndefined();
  });

  it('say which requests a server may remember and which may travel in batches', () => {
    expect([jsonCodec.remembersRequests, cstringCodec.remembersRequests]).toEqual([true, false]);
    expect([jsonCodec.batches, cstringCodec.batches]).toEqual([true, false]);
    expect(batchingCodec('auto')).toBe(jsonCodec);
    expect(batchingCodec('json')).toBe(jsonCodec);
    expect(batchingCodec('cstring')).toBeUndefined();
  });

  it('frame stream messages: a length header for json, the record as it is for cstring', () => {
    const body = Buffer.from('{"v":1}');
    const framed = jsonCodec.stream.frame(body);
    expect(framed.subarray(0, 4)).toEqual(frameHeader(body.length));
    expect(jsonCodec.stream.bodyBytes(framed, 0)).toBe(body.length);
    const record = encodeCString('How are you !!!');
    expect(cstringCodec.stream.frame(record)).toBe(record);
    expect(cstringCodec.stream.bodyBytes(record, 0)).toBe(CSTRING_RECORD_BYTES);
    expect([jsonCodec.stream.minFrameBytes, cstringCodec.stream.minFrameBytes]).toEqual([4, 1024]);
  });

  it('are chosen by name, by a datagram first byte under auto, and by a stream head', () => {
    expect(codecNamed('json')).toBe(jsonCodec);
    expect(codecNamed('cstring')).toBe(cstringCodec);
    const json = jsonCodec.encodeRequest({ v: 1, id: 'a', type: 'ack', payload: { text: 'x' } }, limits);
    expect(datagramCodec('auto', json)).toBe(jsonCodec);
    expect(datagramCodec('auto', encodeCString('hi'))).toBe(cstringCodec);
    expect(datagramCodec('cstring', json)).toBe(cstringCodec);
    expect(detectStreamCodec(jsonCodec.stream.frame(json))).toBe(jsonCodec);
    expect(detectStreamCodec(encodeCString('hi'))).toBe(cstringCodec);
    // Too few bytes to tell a JSON header from a record that starts with NUL: wait for more.
    expect(detectStreamCodec(Buffer.from([0, 0]))).toBeUndefined();
    expect(detectStreamCodec(Buffer.alloc(0))).toBeUndefined();
    // An error travels over cstring as text, and back as an error reply.
    const wire = cstringCodec.encodeReply(errorReply('x', 'TIMEOUT', 'late'), limits);
    expect(cstringCodec.decodeReply(wire, limits)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });
});

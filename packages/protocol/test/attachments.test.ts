// Binary attachments on the wire: the layout byte by byte, plain JSON unchanged when there are
// none, detection beside JSON, batches and cstring, and every malformed variant refused by name.
import { describe, expect, it } from 'vitest';
import {
  ATTACHED_MARKER,
  AttachmentSchema,
  decodeJsonReply,
  decodeJsonRequest,
  detectCodec,
  detectStreamCodec,
  encodeJson,
  encodeJsonFrame,
  flatFrame,
  framed,
  GATHER_MIN_ATTACHMENT_BYTES,
  GatherFrame,
  jsonCodec,
  ProtocolError,
} from '../src/mod.js';

const LIMITS = { maxBytes: 65_535 };

function request(payload: unknown) {
  return { v: 1 as const, id: 'c:1', type: 'blob', payload };
}

function errorOf(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}

/** A message in the attached layout, built by hand from its parts. */
function attached(json: object, ...parts: Buffer[]): Buffer {
  const body = Buffer.from(JSON.stringify(json));
  const header = Buffer.alloc(5);
  header[0] = ATTACHED_MARKER;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body, ...parts]);
}

describe('binary attachments', () => {
  it('leave a payload without binary fields plain JSON, byte for byte', () => {
    const envelope = request({ text: 'hi' });
    expect(encodeJson(envelope, LIMITS).toString()).toBe(JSON.stringify(envelope));
  });

  it('are laid out as marker, JSON length, JSON with null fields and a bin list, then the bytes in order', () => {
    const encoded = encodeJson(
      request({ name: 'n', data: Buffer.from('ABC'), more: new Uint8Array([1, 2]) }),
      LIMITS,
    );
    const json = JSON.stringify({
      v: 1,
      id: 'c:1',
      type: 'blob',
      payload: { name: 'n', data: null, more: null },
      bin: [
        ['data', 3],
        ['more', 2],
      ],
    });
    expect(encoded[0]).toBe(0x01);
    expect(encoded.readUInt32BE(1)).toBe(Buffer.byteLength(json));
    expect(encoded.subarray(5, 5 + Buffer.byteLength(json)).toString()).toBe(json);
    expect([...encoded.subarray(5 + Buffer.byteLength(json))]).toEqual([0x41, 0x42, 0x43, 1, 2]);
  });

  it('come back as Buffers in their fields, on requests and replies, and pass AttachmentSchema', () => {
    const bytes = Buffer.from([0, 255, 10, 13, 0x7b]);
    const decoded = decodeJsonRequest(
      encodeJson(request({ data: bytes, empty: Buffer.alloc(0) }), LIMITS),
      LIMITS,
    );
    const payload = decoded.payload as { data: Buffer; empty: Buffer };
    expect(Buffer.isBuffer(payload.data) && payload.data.equals(bytes)).toBe(true);
    expect(payload.empty.length).toBe(0);
    expect(AttachmentSchema.safeParse(payload.data).success).toBe(true);
    expect(AttachmentSchema.safeParse('text').success).toBe(false);
    const reply = decodeJsonReply(
      encodeJson({ v: 1, id: 'c:1', ok: true, payload: { data: bytes } }, LIMITS),
      LIMITS,
    );
    expect(reply).toMatchObject({ ok: true, payload: { data: bytes } });
  });

  it('are told from JSON, batches and cstring records, in datagrams and in stream frames', () => {
    const message = encodeJson(request({ data: Buffer.from('x') }), LIMITS);
    expect(detectCodec(message)).toBe(jsonCodec);
    expect(detectStreamCodec(framed(message))).toBe(jsonCodec);
    expect(detectCodec(Buffer.from('How are you !!!\0'))).not.toBe(jsonCodec);
    // A seed record that merely starts with the byte 0x01 (no fitting length, no `{` at byte 5)
    // stays a cstring record, in a datagram and at the start of a stream.
    const record = Buffer.alloc(1024, 0x41);
    record[0] = ATTACHED_MARKER;
    expect(detectCodec(record)).not.toBe(jsonCodec);
    expect(detectStreamCodec(Buffer.concat([Buffer.alloc(4), record]))).not.toBe(jsonCodec);
    // A stream that has shown only the marker so far is not decided yet.
    expect(detectStreamCodec(framed(message).subarray(0, 7))).toBeUndefined();
  });

  it('count toward the size limit, refused with the sizes (TOO_LARGE), never cut', () => {
    const error = errorOf(() => encodeJson(request({ data: Buffer.alloc(65_535) }), LIMITS));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/65535 of them binary/);
    expect(
      errorOf(() => decodeJsonRequest(Buffer.concat([attached({}), Buffer.alloc(65_535)]), LIMITS)).code,
    ).toBe('TOO_LARGE');
  });

  it('refuse a malformed binary message by name: short header, JSON overrunning, bad bin, lengths not adding up', () => {
    const base = { v: 1, id: 'c:1', type: 'blob' };
    const cases: [Buffer, RegExp][] = [
      [Buffer.from([ATTACHED_MARKER, 0, 0]), /shorter than its 5-byte header/],
      [Buffer.from([ATTACHED_MARKER, 0, 0, 0, 9, 0x7b]), /announces 9 bytes of JSON/],
      [attached({ ...base, payload: { data: null } }, Buffer.from('ab')), /field bin must list/],
      [
        attached({ ...base, payload: { data: null }, bin: [['data', 3]] }, Buffer.from('ab')),
        /more bytes than follow/,
      ],
      [
        attached({ ...base, payload: { data: null }, bin: [['data', 1]] }, Buffer.from('ab')),
        /add up to 1 bytes, but 2 follow/,
      ],
      [
        attached({ ...base, payload: { data: 'x' }, bin: [['data', 2]] }, Buffer.from('ab')),
        /not a null field/,
      ],
      [
        attached(
          {
            ...base,
            payload: { d: null },
            bin: [
              ['d', 1],
              ['d', 1],
            ],
          },
          Buffer.from('ab'),
        ),
        /not a null field/,
      ],
      [attached({ ...base, payload: [null], bin: [['0', 2]] }, Buffer.from('ab')), /needs an object payload/],
      [
        attached({ ...base, payload: { data: null }, bin: [['data', -1]] }, Buffer.from('ab')),
        /non-negative integers/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const error = errorOf(() => decodeJsonRequest(bytes, LIMITS));
      expect([error.code, error.message], message.source).toEqual([
        'MALFORMED',
        expect.stringMatching(message),
      ]);
    }
    // `bin` means nothing in a plain JSON message: refused rather than silently ignored.
    const plain = Buffer.from(JSON.stringify({ ...base, payload: { data: null }, bin: [['data', 0]] }));
    expect(errorOf(() => decodeJsonRequest(plain, LIMITS)).message).toMatch(
      /only allowed in a binary message/,
    );
  });
});

describe('large attachments as a gathered frame (encodeJsonFrame)', () => {
  const BIG = { maxBytes: 16 * 1024 * 1024 };

  it('below 64 KiB of bytes: one buffer, the same bytes as encodeJson', () => {
    const envelope = request({ text: 't', data: Buffer.alloc(GATHER_MIN_ATTACHMENT_BYTES - 1, 7) });
    const frame = encodeJsonFrame(envelope, BIG);
    expect(Buffer.isBuffer(frame)).toBe(true);
    expect((frame as Buffer).equals(encodeJson(envelope, BIG))).toBe(true);
    const plain = request({ text: 'no bytes' });
    expect((encodeJsonFrame(plain, BIG) as Buffer).equals(encodeJson(plain, BIG))).toBe(true);
  });

  it('from 64 KiB: header, JSON, then the caller own bytes (not copies), the same bytes as encodeJson', () => {
    const data = Buffer.alloc(GATHER_MIN_ATTACHMENT_BYTES, 1);
    const more = new Uint8Array(5000).fill(2);
    const envelope = request({ text: 't', data, more });
    const frame = encodeJsonFrame(envelope, BIG);
    expect(frame).toBeInstanceOf(GatherFrame);
    const gathered = frame as GatherFrame;
    expect(gathered.parts.slice(2)).toEqual([data, more]);
    expect(gathered.parts[2]).toBe(data);
    expect(gathered.parts[3]).toBe(more);
    const flat = encodeJson(envelope, BIG);
    expect(gathered.length).toBe(flat.length);
    expect(gathered.flat().equals(flat)).toBe(true);
    expect(flatFrame(frame).equals(flat)).toBe(true);
    const decoded = decodeJsonRequest(gathered.flat(), BIG).payload as { data: Buffer; more: Buffer };
    expect(decoded.data.equals(data)).toBe(true);
    expect(Buffer.from(decoded.more).equals(Buffer.from(more))).toBe(true);
  });

  it('over the limit: TOO_LARGE as from encodeJson, nothing gathered', () => {
    const envelope = request({ data: Buffer.alloc(200_000) });
    const error = errorOf(() => encodeJsonFrame(envelope, { maxBytes: 100_000 }));
    expect(error.code).toBe('TOO_LARGE');
    expect(errorOf(() => encodeJson(envelope, { maxBytes: 100_000 })).message).toBe(error.message);
  });
});

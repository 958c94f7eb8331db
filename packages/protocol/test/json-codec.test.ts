import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeJsonReply,
  decodeJsonRequest,
  decodeJsonServerMessage,
  EventEnvelopeSchema,
  encodeJson,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  type ProtocolErrorCode,
  ReplyEnvelopeSchema,
  RequestEnvelopeSchema,
} from '../src/mod.js';

const limits = { maxBytes: MAX_DATAGRAM_BYTES };

function codeOf(action: () => unknown): ProtocolErrorCode | 'none' {
  try {
    action();
    return 'none';
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
}

const requestArbitrary = fc.record(
  {
    v: fc.constant(1 as const),
    id: fc.string({ minLength: 1, maxLength: 128 }),
    type: fc.string({ minLength: 1, maxLength: 64 }),
    payload: fc.jsonValue({ maxDepth: 5 }),
    low: fc.nat(),
    deadline: fc.nat(),
  },
  { requiredKeys: ['v', 'id', 'type', 'payload'] },
);

const replyArbitrary = fc.oneof(
  fc.record({
    v: fc.constant(1 as const),
    id: fc.string({ minLength: 1, maxLength: 128 }),
    ok: fc.constant(true as const),
    payload: fc.jsonValue({ maxDepth: 5 }),
  }),
  fc.record({
    v: fc.constant(1 as const),
    id: fc.string({ minLength: 1, maxLength: 128 }),
    ok: fc.constant(false as const),
    error: fc.record({ code: fc.string({ minLength: 1, maxLength: 64 }), message: fc.string() }),
  }),
);

describe('json codec', () => {
  it('keeps the deadline optional both ways: a request without one (an earlier client) has none, and a reader that predates it sees the same request', () => {
    const earlier = { v: 1 as const, id: 'c:1', type: 'echo', payload: { text: 'x' }, low: 1 };
    expect(decodeJsonRequest(encodeJson(earlier, limits), limits)).toEqual(earlier);
    const current = { ...earlier, deadline: 1_800_000_000_000 };
    const decoded = decodeJsonRequest(encodeJson(current, limits), limits);
    expect(decoded.deadline).toBe(1_800_000_000_000);
    // What a server of the previous release read (it knew v, id, type, payload and low, and
    // ignored other fields): the same request, so it still answers a current client.
    const { deadline: _ignored, ...asEarlierServerSees } = decoded;
    expect(asEarlierServerSees).toEqual(earlier);
    expect(
      RequestEnvelopeSchema.strip().safeParse(JSON.parse(encodeJson(current, limits).toString())).success,
    ).toBe(true);
  });

  it('round-trips every valid request envelope', () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        const decoded = decodeJsonRequest(encodeJson(request, limits), limits);
        expect(decoded).toEqual(JSON.parse(JSON.stringify(request)));
      }),
    );
  });

  it('round-trips every valid reply envelope', () => {
    fc.assert(
      fc.property(replyArbitrary, (reply) => {
        const decoded = decodeJsonReply(encodeJson(reply, limits), limits);
        expect(decoded).toEqual(JSON.parse(JSON.stringify(reply)));
      }),
    );
  });

  it('accepts exactly what the zod request schema accepts (the hand-written fast path agrees)', () => {
    const candidate = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.constant(2), fc.string(), fc.constant(null)),
        id: fc.oneof(fc.string({ maxLength: 140 }), fc.integer(), fc.constant(null)),
        type: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
        payload: fc.jsonValue({ maxDepth: 3 }),
        low: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string({ maxLength: 3 }), fc.constant(null)),
        deadline: fc.oneof(
          fc.nat(),
          fc.integer(),
          fc.double(),
          fc.string({ maxLength: 3 }),
          fc.constant(null),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(candidate, (message) => {
        const bytes = Buffer.from(JSON.stringify(message));
        const zodAccepts = RequestEnvelopeSchema.safeParse(JSON.parse(bytes.toString())).success;
        expect(codeOf(() => decodeJsonRequest(bytes, limits)) === 'none').toBe(zodAccepts);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly what the zod reply schema accepts', () => {
    const candidate = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.constant(0)),
        id: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(7)),
        ok: fc.oneof(fc.boolean(), fc.constant('yes')),
        payload: fc.jsonValue({ maxDepth: 2 }),
        error: fc.oneof(
          fc.record({ code: fc.string({ maxLength: 66 }), message: fc.string() }, { requiredKeys: [] }),
          fc.constant(null),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(candidate, (message) => {
        const bytes = Buffer.from(JSON.stringify(message));
        const zodAccepts = ReplyEnvelopeSchema.safeParse(JSON.parse(bytes.toString())).success;
        expect(codeOf(() => decodeJsonReply(bytes, limits)) === 'none').toBe(zodAccepts);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells an event from a reply, and accepts exactly the events the zod event schema accepts', () => {
    const event = { v: 1 as const, event: 'a.b', epoch: 'e1', seq: 3, payload: { x: 1 } };
    expect(decodeJsonServerMessage(encodeJson(event, limits), limits)).toEqual(event);
    const reply = { v: 1 as const, id: 'c:1', ok: true as const, payload: null };
    expect(decodeJsonServerMessage(encodeJson(reply, limits), limits)).toEqual(reply);
    const end = { v: 1 as const, event: 'a.b', epoch: 'e1', seq: 9, payload: null, end: true as const };
    expect(decodeJsonServerMessage(encodeJson(end, limits), limits)).toEqual(end);
    const candidate = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.constant(2)),
        event: fc.oneof(
          fc.constantFrom('t', 'a/b:c-d.e_f', 'x'.repeat(128), 'x'.repeat(129), '', 'a b', 'é'),
          fc.constant(5),
        ),
        epoch: fc.oneof(fc.string({ maxLength: 3 }), fc.constant('e'.repeat(65)), fc.constant(1)),
        seq: fc.oneof(fc.nat(), fc.constant(-1), fc.constant(1.5), fc.constant('1')),
        payload: fc.jsonValue({ maxDepth: 2 }),
        end: fc.oneof(fc.constant(true), fc.constant(false)),
      },
      { requiredKeys: ['event'] },
    );
    fc.assert(
      fc.property(candidate, (message) => {
        const bytes = Buffer.from(JSON.stringify(message));
        const parsed = JSON.parse(bytes.toString()) as Record<string, unknown>;
        const zodAccepts = EventEnvelopeSchema.safeParse(parsed).success;
        expect(codeOf(() => decodeJsonServerMessage(bytes, limits)) === 'none', JSON.stringify(message)).toBe(
          zodAccepts,
        );
      }),
      { numRuns: 2000 },
    );
  });

  const malformed: Array<[string, Uint8Array, ProtocolErrorCode]> = [
    ['empty', Buffer.alloc(0), 'EMPTY'],
    ['not JSON', Buffer.from('hello'), 'MALFORMED'],
    ['truncated JSON', Buffer.from('{"v":1,"id":"a","ty'), 'MALFORMED'],
    ['an array', Buffer.from('[1,2]'), 'MALFORMED'],
    ['a number', Buffer.from('42'), 'MALFORMED'],
    ['wrong version', Buffer.from('{"v":2,"id":"a","type":"echo","payload":{}}'), 'BAD_VERSION'],
    ['missing version', Buffer.from('{"id":"a","type":"echo","payload":{}}'), 'BAD_VERSION'],
    ['id of the wrong type', Buffer.from('{"v":1,"id":5,"type":"echo"}'), 'MALFORMED'],
    ['id too long', Buffer.from(`{"v":1,"id":"${'x'.repeat(129)}","type":"echo"}`), 'MALFORMED'],
    ['missing type', Buffer.from('{"v":1,"id":"a"}'), 'MALFORMED'],
    ['missing payload', Buffer.from('{"v":1,"id":"a","type":"echo"}'), 'MALFORMED'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'INVALID_UTF8'],
    ['NUL-only', Buffer.alloc(16), 'MALFORMED'],
    ['oversize', Buffer.alloc(MAX_DATAGRAM_BYTES + 1, 0x20), 'TOO_LARGE'],
    ['deep nesting', Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), 'TOO_DEEP'],
  ];
  for (const [name, bytes, code] of malformed) {
    it(`refuses ${name} with ${code}`, () => {
      expect(codeOf(() => decodeJsonRequest(bytes, limits))).toBe(code);
    });
  }

  it('names the field at fault and keeps the request id when it is readable', () => {
    try {
      decodeJsonRequest(Buffer.from('{"v":9,"id":"c1:1","type":"echo"}'), limits);
      expect.unreachable();
    } catch (error) {
      const protocolError = error as ProtocolError;
      expect(protocolError.field).toBe('v');
      expect(protocolError.requestId).toBe('c1:1');
      expect(protocolError.message).toContain('field v');
    }
  });

  it('counts depth only outside strings', () => {
    const text = JSON.stringify({ v: 1, id: 'a', type: 'echo', payload: { text: '[[[[[[[[[['.repeat(100) } });
    expect(codeOf(() => decodeJsonRequest(Buffer.from(text), { maxBytes: 1e6, maxDepth: 3 }))).toBe('none');
    // Escaped quotes and backslashes do not end a string early, nor make one run on.
    for (const inner of ['\\"[[[[', '"[[[[', '\\\\', 'a\\"b\\\\"[[[[', '\\']) {
      const escaped = JSON.stringify({ v: 1, id: 'a', type: 'echo', payload: { text: inner, next: [[1]] } });
      expect(
        codeOf(() => decodeJsonRequest(Buffer.from(escaped), { maxBytes: 1e6, maxDepth: 4 })),
        inner,
      ).toBe('none');
      expect(
        codeOf(() => decodeJsonRequest(Buffer.from(escaped), { maxBytes: 1e6, maxDepth: 3 })),
        inner,
      ).toBe('TOO_DEEP');
    }
  });

  it('refuses more JSON values than maxValues with TOO_LARGE, before parsing, counting none inside strings', () => {
    const values = (n: number) =>
      Buffer.from(`{"v":1,"id":"a","type":"echo","payload":{"text":"[,{","pad":[${'[],'.repeat(n)}0]}}`);
    // Envelope, payload and pad (3), the 4 commas between their fields (4), and 2 per `[],`: 7 + 2n.
    expect(codeOf(() => decodeJsonRequest(values(1_000), { maxBytes: 1e6, maxValues: 2_007 }))).toBe('none');
    expect(codeOf(() => decodeJsonRequest(values(1_000), { maxBytes: 1e6, maxValues: 2_006 }))).toBe(
      'TOO_LARGE',
    );
    // Unset, there is no limit: a client trusts its server's replies.
    expect(codeOf(() => decodeJsonRequest(values(200_000), { maxBytes: 1e7 }))).toBe('none');
  });

  it('refuses to encode a message over the limit instead of cutting it', () => {
    const request = {
      v: 1 as const,
      id: 'a',
      type: 'echo',
      payload: { text: 'x'.repeat(MAX_DATAGRAM_BYTES) },
    };
    expect(codeOf(() => encodeJson(request, limits))).toBe('TOO_LARGE');
  });
});

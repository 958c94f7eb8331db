import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  allocateReplyPath,
  builtinMessages,
  clientIdOf,
  createRequestIdGenerator,
  DEFAULT_DATAGRAM_SOCKET_PATH,
  DEFAULT_STREAM_SOCKET_PATH,
  defaultSocketPath,
  defineMessage,
  natsSubjectProblem,
  natsUrlProblem,
  ProtocolError,
  REPLY_SOCKET_PATTERN,
  replyPathForSender,
  requestCounterOf,
  SERVICE_NAME_PATTERN,
  sendPathFor,
  serviceSubject,
  validateReplyPayload,
  validateRequestPayload,
  validateSocketPath,
} from '../src/mod.js';

function errorOf(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('message types', () => {
  it('validates each built-in payload and round-trips valid ones through their schemas', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), (text, sentAt) => {
        expect(
          validateRequestPayload({ v: 1, id: 'a', type: 'ack', payload: { text } }, builtinMessages),
        ).toEqual({
          text,
        });
        expect(
          validateRequestPayload({ v: 1, id: 'a', type: 'echo', payload: { text } }, builtinMessages),
        ).toEqual({
          text,
        });
        expect(
          validateRequestPayload({ v: 1, id: 'a', type: 'ping', payload: { sentAt } }, builtinMessages),
        ).toEqual({
          sentAt,
        });
      }),
    );
  });

  it('names the payload field at fault', () => {
    const error = errorOf(() =>
      validateRequestPayload({ v: 1, id: 'c:1', type: 'echo', payload: { text: 5 } }, builtinMessages),
    );
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.field).toBe('payload.text');
    expect(error.requestId).toBe('c:1');
    expect(error.message).toContain('payload.text');
  });

  it('refuses unknown types, including names inherited from Object.prototype', () => {
    for (const type of ['nope', 'constructor', '__proto__', 'toString']) {
      expect(
        errorOf(() => validateRequestPayload({ v: 1, id: 'a', type, payload: {} }, builtinMessages)).code,
      ).toBe('UNKNOWN_TYPE');
    }
  });

  it('accepts a new type added as one schema pair', () => {
    const registry = {
      ...builtinMessages,
      add: defineMessage(z.object({ a: z.number(), b: z.number() }), z.number()),
    };
    expect(validateRequestPayload({ v: 1, id: 'a', type: 'add', payload: { a: 1, b: 2 } }, registry)).toEqual(
      {
        a: 1,
        b: 2,
      },
    );
    expect(errorOf(() => validateReplyPayload('add', 'three', registry)).code).toBe('INVALID_PAYLOAD');
  });

  it('makes request ids unique per client and recovers the client id', () => {
    const next = createRequestIdGenerator('client-x');
    const ids = new Set(Array.from({ length: 1000 }, next));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(clientIdOf(id)).toBe('client-x');
  });

  it('reads the counter back from an id, and nothing from an id of another shape', () => {
    const next = createRequestIdGenerator('client-y');
    for (let n = 1; n <= 100_000; n++) {
      const id = next();
      if (n % 997 === 0 || n === 1) expect(requestCounterOf(id)).toBe(n);
    }
    for (const other of ['plain', 'x:', 'x:ABC', 'x:1.5', 'x:-3', `x:${'z'.repeat(11)}`]) {
      expect(requestCounterOf(other)).toBeUndefined();
    }
  });
});

describe('socket paths', () => {
  it('defaults to the seed paths', () => {
    expect(DEFAULT_STREAM_SOCKET_PATH).toBe('/tmp/ipc_tcp_server.sock');
    expect(DEFAULT_DATAGRAM_SOCKET_PATH).toBe('/tmp/ipc_udp_server.sock');
    expect(defaultSocketPath('stream')).toBe(DEFAULT_STREAM_SOCKET_PATH);
    expect(defaultSocketPath('dgram')).toBe(DEFAULT_DATAGRAM_SOCKET_PATH);
  });

  it('accepts 107 bytes and refuses 108, naming the length', () => {
    const base = '/tmp/';
    expect(validateSocketPath(base + 'a'.repeat(107 - base.length))).toHaveLength(107);
    const error = errorOf(() => validateSocketPath(base + 'a'.repeat(108 - base.length)));
    expect(error.code).toBe('PATH_TOO_LONG');
    expect(error.message).toContain('108 bytes');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const base = '/tmp/';
    // 34 three-byte characters = 102 bytes + 5 = 107 bytes in 39 characters
    expect(() => validateSocketPath(base + '€'.repeat(34))).not.toThrow();
    const error = errorOf(() => validateSocketPath(`${base}${'€'.repeat(34)}a`));
    expect(error.code).toBe('PATH_TOO_LONG');
    expect(error.message).toContain('108 bytes');
  });

  it('refuses empty paths and NUL bytes', () => {
    expect(errorOf(() => validateSocketPath('')).code).toBe('PATH_INVALID');
    expect(errorOf(() => validateSocketPath('/tmp/a\0b')).code).toBe('PATH_INVALID');
  });

  it('allocates distinct reply paths under the per-user directory', () => {
    const paths = new Set(Array.from({ length: 200 }, () => allocateReplyPath('/run/user/1000/udsipc')));
    expect(paths.size).toBe(200);
    for (const path of paths) {
      expect(path.startsWith('/run/user/1000/udsipc/')).toBe(true);
      expect(REPLY_SOCKET_PATTERN.test(path.split('/').pop()!)).toBe(true);
    }
  });

  it("pairs a datagram client's send socket with its reply socket, and nothing else", () => {
    const reply = allocateReplyPath('/run/user/1000/udsipc');
    const send = sendPathFor(reply);
    expect(send).toBe(reply.replace(/\.sock$/, '.tx.sock'));
    expect(REPLY_SOCKET_PATTERN.test(send.split('/').pop()!)).toBe(true);
    expect(replyPathForSender(send)).toBe(reply);
    // Senders not named like a udsipc send socket are answered where they sent from.
    for (const other of [reply, '/tmp/ipc_udp_client.sock', '/tmp/x.tx.sock', '/tmp/c-1-abc.tx.sock']) {
      expect(replyPathForSender(other)).toBeUndefined();
    }
  });
});

describe('NATS names', () => {
  it('derives a literal subject from every valid service name', () => {
    fc.assert(
      fc.property(fc.stringMatching(SERVICE_NAME_PATTERN), (service) => {
        fc.pre(service.length <= 240);
        expect(natsSubjectProblem(serviceSubject(service))).toBeUndefined();
      }),
    );
    expect(serviceSubject('orders')).toBe('udsipc.orders.rpc');
  });

  it('refuses wildcards, empty tokens, whitespace and subjects over 256 characters, saying why', () => {
    for (const bad of ['', 'a.*', '>', 'a..b', '.a', 'a b', 'a\tb', 'x'.repeat(257)]) {
      expect(natsSubjectProblem(bad), bad).toMatch(/is not a literal NATS subject/);
    }
    expect(natsSubjectProblem('a.b-c.d_e')).toBeUndefined();
  });

  it('takes nats, tls, ws and wss URLs with a host, and nothing else', () => {
    for (const good of ['nats://127.0.0.1:4222', 'tls://h:1', 'ws://h', 'wss://h:443']) {
      expect(natsUrlProblem(good), good).toBeUndefined();
    }
    expect(natsUrlProblem('http://h:1')).toMatch(/must be nats:\/\/host:port/);
    expect(natsUrlProblem('nats')).toMatch(/is not a URL/);
  });
});

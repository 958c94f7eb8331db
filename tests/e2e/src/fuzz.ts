/**
 * Seeded generators of hostile messages for the fuzz suites. Every message belongs to a class whose
 * expected answer is known by construction (an error code, `ok`, or `any` for random and mutated
 * bytes), so each reply can be checked, and a failure replays exactly from the printed seed.
 */
import { BATCH_MARKER, MAX_BATCH_FRAMES, PROTOCOL_ERROR_CODES, packBatch } from '@udsipc/protocol';

/** Seed from UDSIPC_FUZZ_SEED (decimal or 0x hex), else a fixed one: runs are reproducible. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.UDSIPC_FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const value = Number(given);
    if (!Number.isInteger(value)) throw new Error(`UDSIPC_FUZZ_SEED must be an integer, got ${given}`);
    return value >>> 0;
  }
  return 0x5eed_2026;
}

/** mulberry32: small, fast, and good enough to pick shapes and bytes. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bytes(length: number, min = 0, max = 255): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.int(min, max);
    return out;
  }
  /** A length that is mostly small, sometimes large: most messages are cheap, some are not. */
  size(small: number, large: number): number {
    return this.chance(0.03) ? this.int(small, large) : this.int(0, small);
  }
}

export type Transport = 'dgram' | 'stream';
/** Where a class of message can travel: a datagram, a frame on a JSON stream connection, or a 1024-byte record. */
export type Lane = 'dgram' | 'stream-json' | 'stream-cstring';

/** What the server must answer: `ok`, one error code, or anything it knows (`any`). */
export interface Expectation {
  code: string;
  /** The reply id for JSON replies: the request's own id where it can be read, else `?`. */
  id?: string;
  /** The echoed text, for `echo` requests. */
  echo?: string;
}

export interface FuzzMessage {
  readonly cls: string;
  readonly bytes: Buffer;
  readonly expect: Expectation;
  /** A datagram batch carrying several requests: one reply expected per request, in order. */
  readonly expects?: readonly Expectation[];
}

export const ANY = 'any';
export const UNKNOWN_ID = '?';
/** Codes a udsipc server may answer with; `any` classes must get one of these or `ok`. */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  'ok',
  // Path codes are a server's own start-up refusals, never an answer to a message.
  ...PROTOCOL_ERROR_CODES.filter((code) => !code.startsWith('PATH_')),
  'REPLY_TOO_LARGE',
]);

const OPEN_BRACE = 0x7b;
const CSTRING_RECORD = 1024;
const MAX_DATAGRAM = 65_535;
const ACK_TEXT = 'OK,I got it!';

const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xfe],
  [0xc0, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate
  [0x80], // a lone continuation byte
  [0xe2, 0x82], // cut short
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

const TEXT_PIECES = [
  'How are you !!!',
  'é',
  '日本語',
  '😀',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u2028',
  '[',
  ']',
  '{',
  '}',
  '\\"',
  ' ',
  'a',
  'ʕ•ᴥ•ʔ',
];

interface Context {
  readonly rng: Rng;
  readonly lane: Lane;
  /** A fresh request id for this class: ids never repeat, so no request is answered from the replay memory. */
  id(): string;
}

function text(rng: Rng, maxPieces: number): string {
  const count = rng.size(12, maxPieces);
  let out = '';
  for (let i = 0; i < count; i++)
    out += rng.chance(0.5) ? rng.pick(TEXT_PIECES) : String.fromCharCode(rng.int(0x20, 0x7e));
  return out;
}

function asciiText(rng: Rng, max: number): string {
  const length = rng.size(16, max);
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.int(0x20, 0x7e));
  return out;
}

/** A number as JSON text: huge, tiny, negative, or with more digits than a double holds. */
function numberText(rng: Rng, finite: boolean): string {
  if (!finite) {
    return rng.pick(['1e999', '-1e999', `${'9'.repeat(rng.int(310, 2000))}`, '-1.5e400']);
  }
  return rng.pick([
    '1.7976931348623157e308',
    '-1.7976931348623157e308',
    '5e-324',
    '-0',
    '9007199254740993',
    `${'7'.repeat(rng.int(1, 300))}`,
    `0.${'3'.repeat(rng.int(1, 2000))}`,
    String(rng.next() * 1e6),
  ]);
}

/** A JSON value of the given nesting depth at most (for payload padding). */
function jsonValue(rng: Rng, depth: number): string {
  if (depth <= 0 || rng.chance(0.4)) {
    return rng.pick([
      () => JSON.stringify(text(rng, 40)),
      () => numberText(rng, true),
      () => 'true',
      () => 'null',
    ])();
  }
  const count = rng.int(0, 4);
  if (rng.chance(0.5)) return `[${Array.from({ length: count }, () => jsonValue(rng, depth - 1)).join(',')}]`;
  return `{${Array.from({ length: count }, (_, i) => `"k${i}":${jsonValue(rng, depth - 1)}`).join(',')}}`;
}

function envelope(id: string, type: string, payload: string, extra = ''): Buffer {
  return Buffer.from(
    `{"v":1,"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"payload":${payload}${extra}}`,
  );
}

/** Limits what a valid message may weigh on each lane, so its reply still fits (datagrams: 64 KiB). */
function maxTextPieces(lane: Lane): number {
  return lane === 'dgram' ? 2_000 : 40_000;
}

function valid(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const id = ctx.id();
  const kind = rng.int(0, 6);
  if (kind <= 2) {
    const value = rng.chance(0.05) ? '['.repeat(rng.int(33, 5_000)) : text(rng, maxTextPieces(ctx.lane));
    return {
      cls: 'valid',
      bytes: envelope(id, 'echo', JSON.stringify({ text: value })),
      expect: { code: 'ok', id, echo: value },
    };
  }
  if (kind === 3)
    return {
      cls: 'valid',
      bytes: envelope(id, 'ack', JSON.stringify({ text: asciiText(rng, 200) })),
      expect: { code: 'ok', id },
    };
  if (kind === 4) {
    return {
      cls: 'valid',
      bytes: envelope(id, 'ping', rng.chance(0.2) ? '{}' : `{"sentAt":${numberText(rng, true)}}`),
      expect: { code: 'ok', id },
    };
  }
  if (kind === 5) {
    // Unknown fields are ignored, however they nest, as long as the whole stays within 32 levels.
    const payload = `{"text":"x","pad":${jsonValue(rng, 6)},"deep":${'['.repeat(30)}${']'.repeat(30)}}`;
    return {
      cls: 'valid',
      bytes: envelope(id, 'echo', payload, `,"extra":${jsonValue(rng, 4)}`),
      expect: { code: 'ok', id, echo: 'x' },
    };
  }
  return { cls: 'valid', bytes: envelope(id, 'stats', '{}'), expect: { code: 'ok', id } };
}

function truncated(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const whole = envelope(
    ctx.id(),
    rng.pick(['echo', 'ack', 'ping']),
    JSON.stringify({ text: asciiText(rng, 3_000) }),
  );
  return {
    cls: 'truncated',
    bytes: whole.subarray(0, rng.int(1, whole.length - 1)),
    expect: { code: 'MALFORMED', id: UNKNOWN_ID },
  };
}

function wrongShape(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const id = ctx.id();
  const cases: Array<() => FuzzMessage> = [
    () => ({
      cls: 'wrong-shape',
      bytes: Buffer.from(`{"v":1,"id":${JSON.stringify(id)},"type":"echo"}`),
      expect: { code: 'MALFORMED', id },
    }),
    () => {
      const type = rng.pick(['5', 'null', '[]', '{}', '""', JSON.stringify('t'.repeat(rng.int(65, 5_000)))]);
      return {
        cls: 'wrong-shape',
        bytes: Buffer.from(`{"v":1,"id":${JSON.stringify(id)},"type":${type},"payload":{}}`),
        expect: { code: 'MALFORMED', id },
      };
    },
    () => {
      const badId = rng.pick([
        '5',
        'null',
        '""',
        '[]',
        '{"id":"x"}',
        JSON.stringify('i'.repeat(rng.int(129, 3_000))),
      ]);
      return {
        cls: 'wrong-shape',
        bytes: Buffer.from(`{"v":1,"id":${badId},"type":"echo","payload":{"text":"x"}}`),
        expect: { code: 'MALFORMED', id: UNKNOWN_ID },
      };
    },
    () => ({
      cls: 'wrong-shape',
      bytes: Buffer.from(`{"v":1,"type":"echo","payload":{"text":"x"}}`),
      expect: { code: 'MALFORMED', id: UNKNOWN_ID },
    }),
  ];
  if (ctx.lane === 'stream-json') {
    // Valid JSON that is not an object. (In a datagram it would not start with `{`: read as cstring.)
    cases.push(() => ({
      cls: 'wrong-shape',
      bytes: Buffer.from(rng.pick(['[1,2]', '"str"', '42', 'null', 'true', '[]', jsonValue(rng, 5)])),
      expect: { code: 'MALFORMED', id: UNKNOWN_ID },
    }));
  }
  const message = rng.pick(cases)();
  // jsonValue can produce an object; an object with no v is BAD_VERSION, not MALFORMED.
  if (message.bytes[0] === OPEN_BRACE && ctx.lane === 'stream-json' && !message.bytes.includes('"v":1')) {
    return { ...message, expect: { code: 'BAD_VERSION', id: UNKNOWN_ID } };
  }
  return message;
}

function badVersion(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const id = ctx.id();
  const version = rng.pick([
    '2',
    '0',
    '-1',
    '"1"',
    'null',
    'true',
    '1.5',
    '1e308',
    '[1]',
    '{"n":1}',
    '1e999',
  ]);
  if (rng.chance(0.2)) {
    return {
      cls: 'bad-version',
      bytes: Buffer.from(`{"id":${JSON.stringify(id)},"type":"echo","payload":{}}`),
      expect: { code: 'BAD_VERSION', id },
    };
  }
  if (rng.chance(0.1))
    return { cls: 'bad-version', bytes: Buffer.from('{}'), expect: { code: 'BAD_VERSION', id: UNKNOWN_ID } };
  return {
    cls: 'bad-version',
    bytes: Buffer.from(`{"v":${version},"id":${JSON.stringify(id)},"type":"echo","payload":{"text":"x"}}`),
    expect: { code: 'BAD_VERSION', id },
  };
}

const BUILTIN_TYPES = new Set(['ack', 'echo', 'ping', 'stats']);

function unknownType(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const id = ctx.id();
  let type = rng.pick([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'ACK',
    'echo ',
    ' ping',
    'Stats',
    '',
  ]);
  if (type === '' || rng.chance(0.5)) type = text(rng, 20).slice(0, 64) || 'x';
  if (BUILTIN_TYPES.has(type)) type = `${type}!`;
  return {
    cls: 'unknown-type',
    bytes: envelope(id, type, jsonValue(rng, 3)),
    expect: { code: 'UNKNOWN_TYPE', id },
  };
}

function badPayload(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const id = ctx.id();
  const type = rng.pick(['ack', 'echo', 'ping', 'stats']);
  let payload: string;
  if (type === 'ping') {
    payload = rng.pick([
      () => `{"sentAt":${numberText(rng, false)}}`,
      () => '{"sentAt":"now"}',
      () => '{"sentAt":null}',
      () => '{"sentAt":[1]}',
      () => rng.pick(['null', '[]', '"x"', '5']),
    ])();
  } else if (type === 'stats') {
    payload = rng.pick(['null', '[]', '"x"', '5', 'true']);
  } else {
    payload = rng.pick([
      () => `{"text":${numberText(rng, rng.chance(0.5))}}`,
      () => '{"text":null}',
      () => '{"text":["a"]}',
      () => '{"text":{"text":"a"}}',
      () => `{"txt":${JSON.stringify(text(rng, 30))}}`,
      () => '{}',
      () => rng.pick(['null', '[]', '"x"', '5']),
    ])();
  }
  return { cls: 'bad-payload', bytes: envelope(id, type, payload), expect: { code: 'INVALID_PAYLOAD', id } };
}

function invalidUtf8(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const head = envelope(ctx.id(), 'echo', `{"text":"${asciiText(rng, 2_000).replace(/["\\]/g, '')}`);
  const bad = Buffer.from(rng.pick(INVALID_UTF8));
  return {
    cls: 'invalid-utf8',
    bytes: Buffer.concat([head, bad, Buffer.from(`${asciiText(rng, 40).replace(/["\\]/g, '')}"}}`)]),
    expect: { code: 'INVALID_UTF8', id: UNKNOWN_ID },
  };
}

function tooDeep(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const limit = ctx.lane === 'dgram' ? MAX_DATAGRAM - 100 : 1_000_000;
  const levels = rng.chance(0.5) ? rng.int(33, 64) : rng.int(33, rng.chance(0.1) ? limit : 2_000);
  const shape = rng.int(0, 2);
  let bytes: Buffer;
  if (shape === 0) bytes = Buffer.from(`{${'['.repeat(levels - 1)}`);
  else if (shape === 1) {
    const objects = Math.min(levels, Math.floor(limit / 6));
    bytes = Buffer.from(`{"a":${'{"a":'.repeat(objects - 1)}1${'}'.repeat(objects)}`);
  } else {
    // 33 levels exactly: the envelope (1), payload (2), then 31 arrays.
    bytes = envelope(ctx.id(), 'echo', `{"text":"x","d":${'['.repeat(31)}${']'.repeat(31)}}`);
  }
  return { cls: 'too-deep', bytes, expect: { code: 'TOO_DEEP', id: UNKNOWN_ID } };
}

function tooLargeJson(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const body = Buffer.alloc(rng.int(MAX_DATAGRAM + 1, MAX_DATAGRAM + 5_000), 0x20);
  body.write(`{"v":1,"id":"${ctx.id()}","type":"echo","payload":{"text":"`);
  return { cls: 'too-large', bytes: body, expect: { code: 'TOO_LARGE', id: UNKNOWN_ID } };
}

function empty(ctx: Context): FuzzMessage {
  // A zero-length datagram does not start with `{`, so it is read as an (empty) cstring record.
  return {
    cls: 'empty',
    bytes: Buffer.alloc(0),
    expect: { code: 'EMPTY', id: ctx.lane === 'dgram' ? undefined : UNKNOWN_ID },
  };
}

/** Garbage of `length` bytes that a server reads as cstring: no NUL, and not starting like JSON or a batch. */
function cstringBytes(rng: Rng, length: number): Buffer {
  const bytes = rng.bytes(length, 1, 255);
  while (bytes[0] === OPEN_BRACE || bytes[0] === BATCH_MARKER) bytes[0] = rng.int(1, 255);
  return bytes;
}

function recordLength(ctx: Context): number {
  return ctx.lane === 'stream-cstring' ? CSTRING_RECORD : ctx.rng.int(1, CSTRING_RECORD);
}

function cstringNoNul(ctx: Context): FuzzMessage {
  return {
    cls: 'cstring-no-nul',
    bytes: cstringBytes(ctx.rng, recordLength(ctx)),
    expect: { code: 'NOT_TERMINATED' },
  };
}

function cstringTooLarge(ctx: Context): FuzzMessage {
  const bytes = cstringBytes(ctx.rng, ctx.rng.int(CSTRING_RECORD + 1, 8_000));
  if (ctx.rng.chance(0.5)) bytes[ctx.rng.int(1, bytes.length - 1)] = 0;
  return { cls: 'cstring-too-large', bytes, expect: { code: 'TOO_LARGE' } };
}

function cstringRecord(ctx: Context, content: Buffer, cls: string, expect: Expectation): FuzzMessage {
  const length = Math.max(content.length + 1, recordLength(ctx));
  const bytes = Buffer.alloc(length);
  content.copy(bytes);
  // After the NUL, anything: the seed's programs reuse one buffer, so old bytes linger there.
  ctx.rng.bytes(length - content.length - 1).copy(bytes, content.length + 1);
  if (bytes[0] === OPEN_BRACE || bytes[0] === BATCH_MARKER) bytes[0] = 0x41;
  return { cls, bytes, expect };
}

function cstringValid(ctx: Context): FuzzMessage {
  const content = Buffer.from(text(ctx.rng, 100).replaceAll('\u0000', '')).subarray(0, ctx.rng.int(0, 600));
  // Cutting may split a character: keep only whole ones.
  const whole = Buffer.from(content.toString('utf8').replace(/\uFFFD/g, ''));
  return cstringRecord(ctx, whole.subarray(0, 1_000), 'cstring-valid', { code: 'ok', echo: ACK_TEXT });
}

function cstringBadUtf8(ctx: Context): FuzzMessage {
  const content = Buffer.concat([
    Buffer.from(asciiText(ctx.rng, 100)),
    Buffer.from(ctx.rng.pick(INVALID_UTF8)),
  ]);
  return cstringRecord(ctx, content, 'cstring-bad-utf8', { code: 'INVALID_UTF8' });
}

function random(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  const length =
    ctx.lane === 'stream-cstring'
      ? CSTRING_RECORD
      : rng.size(256, ctx.lane === 'dgram' ? MAX_DATAGRAM : 200_000);
  const bytes = rng.bytes(Math.max(ctx.lane === 'dgram' ? 1 : 0, length));
  if (ctx.lane === 'stream-cstring' && bytes[0] === 0) bytes[0] = 1;
  return { cls: 'random', bytes, expect: { code: ANY } };
}

function mutated(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  // Its own client id, and a random fixed-length token: a mutated id cannot turn into another request's id.
  const token = () =>
    `m${ctx.id().split(':')[0]}:${rng.int(0, 0xffff_ffff).toString(16).padStart(8, '0')}${rng.int(0, 0xffff_ffff).toString(16).padStart(8, '0')}`;
  let bytes = Buffer.from(valid({ ...ctx, id: token }).bytes);
  for (let n = rng.int(1, 4); n > 0 && bytes.length > 1; n--) {
    const at = rng.int(0, bytes.length - 1);
    const op = rng.int(0, 4);
    if (op === 0) bytes[at] = rng.int(0, 255);
    else if (op === 1)
      bytes = Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.int(1, 8)), bytes.subarray(at)]);
    else if (op === 2) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + rng.int(1, 8))]);
    else if (op === 3)
      bytes = Buffer.concat([
        bytes.subarray(0, at),
        bytes.subarray(at, at + rng.int(1, 64)),
        bytes.subarray(at),
      ]);
    else bytes = bytes.subarray(0, Math.max(1, at));
  }
  if (ctx.lane === 'stream-cstring') {
    const record = Buffer.alloc(CSTRING_RECORD, 0x20);
    bytes.copy(record, 0, 0, Math.min(bytes.length, CSTRING_RECORD));
    if (record[0] === 0) record[0] = 1;
    bytes = record;
  }
  if (ctx.lane === 'dgram' && bytes.length > MAX_DATAGRAM) bytes = bytes.subarray(0, MAX_DATAGRAM);
  return { cls: 'mutated', bytes, expect: { code: ANY } };
}

const BATCHABLE = [valid, truncated, wrongShape, badVersion, unknownType, badPayload, invalidUtf8];

/**
 * Datagram batches: most hold 1 to 64 hostile JSON requests, each answered on its own; the others
 * hold more than 64 frames or a length that runs past the end, and are answered once, as malformed.
 */
function batch(ctx: Context): FuzzMessage {
  const { rng } = ctx;
  if (rng.chance(0.25)) {
    const frames = Array.from({ length: rng.int(MAX_BATCH_FRAMES + 1, 2_000) }, () => Buffer.from('{"a":1}'));
    let bytes = packBatch(frames);
    if (rng.chance(0.5)) bytes = packBatch(frames.slice(0, rng.int(1, 10))).subarray(0, -3);
    return { cls: 'batch', bytes, expect: { code: 'MALFORMED', id: UNKNOWN_ID } };
  }
  const messages: FuzzMessage[] = [];
  let bytes = 1;
  for (let n = rng.int(1, MAX_BATCH_FRAMES); n > 0; n--) {
    const message = rng.pick(BATCHABLE)(ctx);
    if (bytes + 4 + message.bytes.length > MAX_DATAGRAM) break;
    bytes += 4 + message.bytes.length;
    messages.push(message);
  }
  if (messages.length === 0) messages.push(badVersion(ctx));
  return {
    cls: 'batch',
    bytes: packBatch(messages.map((message) => message.bytes)),
    expect: messages[0]!.expect,
    expects: messages.map((message) => message.expect),
  };
}

type Generator = (ctx: Context) => FuzzMessage;

/** The classes, by lane. Datagrams take every JSON and cstring class; a stream connection keeps one framing. */
export const CLASSES: Record<Lane, Record<string, Generator>> = {
  dgram: {
    valid,
    truncated,
    'wrong-shape': wrongShape,
    'bad-version': badVersion,
    'unknown-type': unknownType,
    'bad-payload': badPayload,
    'invalid-utf8': invalidUtf8,
    'too-deep': tooDeep,
    'too-large': tooLargeJson,
    empty,
    'cstring-no-nul': cstringNoNul,
    'cstring-too-large': cstringTooLarge,
    'cstring-valid': cstringValid,
    'cstring-bad-utf8': cstringBadUtf8,
    random,
    mutated,
    batch,
  },
  'stream-json': {
    valid,
    truncated,
    'wrong-shape': wrongShape,
    'bad-version': badVersion,
    'unknown-type': unknownType,
    'bad-payload': badPayload,
    'invalid-utf8': invalidUtf8,
    'too-deep': tooDeep,
    empty,
    random,
    mutated,
  },
  'stream-cstring': {
    'cstring-no-nul': cstringNoNul,
    'cstring-valid': cstringValid,
    'cstring-bad-utf8': cstringBadUtf8,
    random,
    mutated,
  },
};

/** A generator of one class's messages on one lane, with its own id space (`f<n>:<counter>`). */
export function classGenerator(lane: Lane, cls: string, rng: Rng, clientTag: string): () => FuzzMessage {
  const generate = CLASSES[lane][cls];
  if (!generate) throw new Error(`no class ${cls} on ${lane}`);
  let counter = 0;
  const ctx: Context = { rng, lane, id: () => `${clientTag}:${(++counter).toString(36)}` };
  return () => generate(ctx);
}

/** A generator mixing every class of a lane: returns the class picked and its message. */
export function mixedGenerator(lane: Lane, rng: Rng, clientTag: string): () => FuzzMessage {
  const generators = Object.keys(CLASSES[lane]).map((cls, index) =>
    classGenerator(lane, cls, rng, `${clientTag}${index}`),
  );
  return () => rng.pick(generators)();
}

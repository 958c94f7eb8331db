import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  codesOf,
  describeCode,
  ERROR_CODES,
  ERROR_LAYERS,
  type ErrorCode,
  type ErrorCodeOf,
  type ErrorLayer,
  exitCodeOf,
  FAILURE_CLASSES,
  failureClassOf,
  isErrorCode,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  toUdsipcError,
  UdsipcError,
} from '../src/mod.js';

const ALL_CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const LAYERS = Object.keys(ERROR_LAYERS) as ErrorLayer[];

/**
 * What each error class can carry, as the classes derive it (PROTOCOL_ERROR_CODES here;
 * TRANSPORT_ERROR_CODES, REQUEST_ERROR_CODES in @udsipc/core; CONFIG_ERROR_CODES and
 * MIGRATE_ERROR_CODES in the server; FramingError's FRAME_TOO_LARGE; the client's UsageError).
 * Written out, so that a code that disappears or moves between classes fails here.
 */
const CODES_BY_CLASS: Record<string, { layers: ErrorLayer[]; codes: string[] }> = {
  ProtocolError: {
    layers: ['protocol'],
    codes: [
      'EMPTY',
      'TOO_LARGE',
      'TOO_DEEP',
      'INVALID_UTF8',
      'MALFORMED',
      'BAD_VERSION',
      'UNKNOWN_TYPE',
      'INVALID_PAYLOAD',
      'NOT_TERMINATED',
      'PATH_TOO_LONG',
      'PATH_INVALID',
    ],
  },
  TransportError: {
    layers: ['transport'],
    codes: [
      'SOCKET_IN_USE',
      'PATH_NOT_SOCKET',
      'PATH_IS_SYMLINK',
      'PARENT_MISSING',
      'PARENT_NOT_DIRECTORY',
      'PARENT_UNSAFE',
      'ACTIVATION_INVALID',
      'ACTIVATED_SOCKET_UNUSABLE',
      'ACTIVATED_SOCKET_HELD',
      'PERMISSION_DENIED',
      'FRAME_TOO_LARGE',
      'NOT_CONNECTED',
      'TRANSPORT_CLOSED',
      'SOCKET_ERROR',
      'INVALID_OPTION',
      'QUEUE_FULL',
      'EVENT_DROPPED',
      'BROKER_UNREACHABLE',
      'NO_RESPONDERS',
      'PEER_CLOSED',
      'UNBOUND_PEER',
    ],
  },
  RequestError: {
    layers: ['request'],
    codes: [
      'TIMEOUT',
      'SERVER_UNAVAILABLE',
      'SERVER_NOT_TRUSTED',
      'REPLY_UNREACHABLE',
      'CANCELLED',
      'ALREADY_SUBSCRIBED',
      'REMOTE_ERROR',
      'CLOSED',
    ],
  },
  'error replies': {
    layers: ['reply'],
    codes: ['HANDLER_ERROR', 'REPLY_TOO_LARGE', 'FORBIDDEN', 'DEADLINE_EXCEEDED', 'STALE_REQUEST'],
  },
  ConfigError: {
    layers: ['config'],
    codes: ['UNKNOWN_OPTION', 'MISSING_VALUE', 'UNEXPECTED_ARGUMENT', 'INVALID_VALUE'],
  },
  MigrateError: {
    layers: ['cli', 'migrate'],
    codes: [
      'USAGE',
      'CRIU_MISSING',
      'CRIU_CHECK_FAILED',
      'NO_SUCH_PROCESS',
      'NOT_UDSIPC_SERVER',
      'SOCKET_ACTIVATED',
      'QUIESCE_TIMEOUT',
      'DUMP_FAILED',
      'NO_CHECKPOINT',
      'RESTORE_FAILED',
      'NOT_ANSWERING',
    ],
  },
  UsageError: { layers: ['cli'], codes: ['USAGE'] },
  'toUdsipcError (INTERNAL)': { layers: ['internal'], codes: ['INTERNAL'] },
};

/** Every code scripts, tests and docs relied on before the map; each keeps its name and meaning. */
const RELIED_ON = [
  ...CODES_BY_CLASS.ProtocolError!.codes,
  ...CODES_BY_CLASS.RequestError!.codes,
  ...CODES_BY_CLASS['error replies']!.codes,
  ...CODES_BY_CLASS.ConfigError!.codes,
  ...CODES_BY_CLASS.MigrateError!.codes,
  'SOCKET_IN_USE',
  'PATH_NOT_SOCKET',
  'PATH_IS_SYMLINK',
  'PARENT_MISSING',
  'PARENT_NOT_DIRECTORY',
  'PARENT_UNSAFE',
  'PERMISSION_DENIED',
  'SOCKET_ERROR',
  'INVALID_OPTION',
  'NOT_CONNECTED',
  'FRAME_TOO_LARGE',
  'QUEUE_FULL',
  'PEER_CLOSED',
  'UNBOUND_PEER',
  'INTERNAL',
];

describe('ERROR_CODES', () => {
  it('holds each code once, in exactly one layer', () => {
    const byLayer = LAYERS.flatMap((layer) => codesOf(layer));
    expect(new Set(byLayer).size).toBe(byLayer.length);
    expect([...byLayer].sort()).toEqual([...ALL_CODES].sort());
    for (const layer of LAYERS) expect(codesOf(layer).length, layer).toBeGreaterThan(0);
  });

  it('has codes that travel on every wire: upper case, at most 64 characters', () => {
    for (const code of ALL_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]{0,63}$/);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('OUT_OF_STOCK')).toBe(false);
  });

  it('gives every code one meaning, one line, and a defined failure class and exit status', () => {
    for (const code of ALL_CODES) {
      const { layer, failure, meaning } = ERROR_CODES[code];
      expect(Object.keys(ERROR_LAYERS), code).toContain(layer);
      expect(Object.keys(FAILURE_CLASSES), code).toContain(failure);
      expect(meaning.length, code).toBeGreaterThan(10);
      expect(meaning, code).not.toMatch(/\n/);
      expect([1, 2], code).toContain(exitCodeOf(code));
      expect(describeCode(code)).toMatchObject({ code, layer, failure, meaning });
    }
    expect(new Set(ALL_CODES.map((code) => ERROR_CODES[code].meaning)).size).toBe(ALL_CODES.length);
  });

  it('lists every code any error class can carry, and derives each class list from the map', () => {
    for (const [owner, { layers, codes }] of Object.entries(CODES_BY_CLASS)) {
      for (const code of codes) expect(isErrorCode(code), `${owner} ${code}`).toBe(true);
      expect([...codesOf(...layers)].sort(), owner).toEqual([...codes].sort());
    }
    expect(PROTOCOL_ERROR_CODES).toEqual(codesOf('protocol'));
    expect(Object.isFrozen(PROTOCOL_ERROR_CODES)).toBe(true);
    expectTypeOf<ProtocolErrorCode>().toEqualTypeOf<ErrorCodeOf<'protocol'>>();
    expectTypeOf<ErrorCodeOf<'request'>>().toEqualTypeOf<
      | 'TIMEOUT'
      | 'SERVER_UNAVAILABLE'
      | 'SERVER_NOT_TRUSTED'
      | 'REPLY_UNREACHABLE'
      | 'CANCELLED'
      | 'ALREADY_SUBSCRIBED'
      | 'REMOTE_ERROR'
      | 'CLOSED'
    >();
  });

  it('keeps the names scripts rely on; TOO_LARGE and CLOSED now each mean one thing', () => {
    for (const code of RELIED_ON) expect(isErrorCode(code), code).toBe(true);
    expect(ERROR_CODES.TOO_LARGE.layer).toBe('protocol');
    expect(ERROR_CODES.CLOSED.layer).toBe('request');
    // What a transport called TOO_LARGE and CLOSED before:
    expect(ERROR_CODES.FRAME_TOO_LARGE.layer).toBe('transport');
    expect(ERROR_CODES.TRANSPORT_CLOSED.layer).toBe('transport');
  });
});

describe('failure classes', () => {
  it('exit 2 for usage and configuration, 1 for runtime failures and bugs', () => {
    expect(FAILURE_CLASSES).toMatchObject({
      usage: { exitCode: 2, showsCode: false },
      config: { exitCode: 2, showsCode: true },
      runtime: { exitCode: 1, showsCode: true },
      internal: { exitCode: 1, showsCode: true },
    });
    const expected: Array<[string, string, number]> = [
      ['INVALID_VALUE', 'usage', 2],
      ['USAGE', 'usage', 2],
      ['PATH_TOO_LONG', 'config', 2],
      ['PATH_INVALID', 'config', 2],
      ['INVALID_OPTION', 'config', 2],
      ['SOCKET_IN_USE', 'runtime', 1],
      ['PERMISSION_DENIED', 'runtime', 1],
      ['TOO_LARGE', 'runtime', 1],
      ['TIMEOUT', 'runtime', 1],
      ['CLOSED', 'runtime', 1],
      ['CRIU_MISSING', 'runtime', 1],
      ['INTERNAL', 'internal', 1],
    ];
    for (const [code, failure, exitCode] of expected) {
      expect([failureClassOf(code), exitCodeOf(code)], code).toEqual([failure, exitCode]);
    }
    // Only command-line codes are usage failures, printed as the message alone.
    for (const code of ALL_CODES.filter((c) => failureClassOf(c) === 'usage')) {
      expect(['config', 'cli'], code).toContain(ERROR_CODES[code].layer);
    }
  });

  it('take codes outside the map as runtime failures: errno names and handlers own codes', () => {
    expect(describeCode('ECONNREFUSED')).toMatchObject({ layer: 'system', failure: 'runtime', exitCode: 1 });
    expect(describeCode('OUT_OF_STOCK')).toMatchObject({ layer: 'foreign', failure: 'runtime', exitCode: 1 });
    // EMPTY looks like an errno name; the map comes first.
    expect(describeCode('EMPTY')).toMatchObject({ layer: 'protocol', failure: 'runtime' });
  });
});

describe('toUdsipcError', () => {
  it('returns udsipc errors as they are: the same object, stack and fields intact', () => {
    const cause = new SyntaxError('bad');
    const own = new ProtocolError('MALFORMED', 'not JSON', { field: 'payload', requestId: 'c:1', cause });
    const normalized = toUdsipcError(own);
    expect(normalized).toBe(own);
    expect(normalized.stack).toBe(own.stack);
    expect(normalized).toMatchObject({ code: 'MALFORMED', field: 'payload', requestId: 'c:1', cause });
  });

  it('turns system errors into their code, PERMISSION_DENIED for EACCES, EPERM and EROFS, the original as cause', () => {
    const systemError = (code: string, message: string) =>
      Object.assign(new Error(message), { code, syscall: 'lstat', path: '/x/s.sock' });
    for (const errno of ['EACCES', 'EPERM', 'EROFS']) {
      const original = systemError(errno, `${errno}: permission denied, lstat '/x/s.sock'`);
      const normalized = toUdsipcError(original);
      expect(normalized).toBeInstanceOf(UdsipcError);
      expect(normalized).toMatchObject({ code: 'PERMISSION_DENIED', message: original.message });
      expect(normalized.cause).toBe(original);
      expect((normalized.cause as Error).stack).toBe(original.stack);
    }
    const missing = systemError('ENOTDIR', "ENOTDIR: not a directory, mkdir '/dev/null/x'");
    expect(toUdsipcError(missing)).toMatchObject({
      code: 'ENOTDIR',
      message: missing.message,
      cause: missing,
    });
  });

  it('turns anything else into INTERNAL, node internal ERR_ codes included', () => {
    const parse = Object.assign(new TypeError("Unknown option '--x'"), {
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
    expect(toUdsipcError(parse)).toMatchObject({ code: 'INTERNAL', cause: parse });
    expect(toUdsipcError(42)).toMatchObject({ code: 'INTERNAL', message: '42', cause: 42 });
    const noMessage = Object.assign(new Error('odd'), { code: 7 });
    expect(toUdsipcError(noMessage).code).toBe('INTERNAL');
  });
});

describe('the README', () => {
  it('lists exactly the codes of the map, each with its layer, class and meaning', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (\w+) \| (\w+) \((\d)\) \| (.*) \|$/gm)].map(
      ([, code, layer, failure, exitCode, meaning]) => [code, layer, failure, Number(exitCode), meaning],
    );
    expect(rows).toEqual(
      ALL_CODES.map((code) => {
        const { layer, failure, meaning } = ERROR_CODES[code];
        return [code, layer, failure, exitCodeOf(code), meaning.replaceAll('|', '\\|')];
      }),
    );
  });
});

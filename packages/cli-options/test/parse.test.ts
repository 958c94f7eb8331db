import { UdsipcError } from '@udsipc/protocol';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { OptionError, readCommandLine, resolveOptions } from '../src/mod.js';
import { TABLE } from './fixture.js';

function parse(argv: string[], env: Record<string, string> = {}) {
  return resolveOptions(TABLE, readCommandLine(TABLE, argv), env);
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('resolveOptions', () => {
  it('gives every default, no source, switches off, and undefined where there is no default', () => {
    const { values, sources } = parse([]);
    expect(values).toEqual({
      transport: 'dgram',
      timeoutMs: 1000,
      mode: 0o600,
      socket: undefined,
      count: undefined,
      json: false,
      help: false,
    });
    expect(sources).toEqual({});
    expectTypeOf(values.transport).toEqualTypeOf<'dgram' | 'stream'>();
    expectTypeOf(values.timeoutMs).toEqualTypeOf<number>();
    expectTypeOf(values.count).toEqualTypeOf<number | undefined>();
    expectTypeOf(values.json).toEqualTypeOf<boolean>();
  });

  it('takes a flag over its variable over the default, and names where each value came from', () => {
    const { values, sources } = parse(['--timeout=250', '--json', '--count', '3'], {
      T_TIMEOUT: '900',
      T_TRANSPORT: 'stream',
      T_SOCKET: '/tmp/s.sock',
    });
    expect(values).toMatchObject({
      transport: 'stream',
      timeoutMs: 250,
      socket: '/tmp/s.sock',
      count: 3,
      json: true,
    });
    expect(sources).toEqual({
      transport: 'T_TRANSPORT',
      timeoutMs: '--timeout',
      socket: 'T_SOCKET',
      count: '--count',
      json: '--json',
    });
  });

  it('counts an empty variable as unset, and the last of a repeated flag', () => {
    const { values } = parse(['--timeout', '10', '--timeout', '20'], { T_TRANSPORT: '' });
    expect(values.transport).toBe('dgram');
    expect(values.timeoutMs).toBe(20);
  });

  it('refuses a bad value naming the flag or variable typed and the text, with a stable code', () => {
    const fromFlag = caught(() => parse(['--timeout', '0']));
    expect(fromFlag).toBeInstanceOf(OptionError);
    expect(fromFlag).toBeInstanceOf(UdsipcError);
    expect(fromFlag).toMatchObject({
      code: 'INVALID_VALUE',
      source: '--timeout',
      message: '--timeout must be an integer from 1 to 5000, got "0"',
    });
    expect(caught(() => parse([], { T_TIMEOUT: 'soon' }))).toMatchObject({
      source: 'T_TIMEOUT',
      message: 'T_TIMEOUT must be an integer from 1 to 5000, got "soon"',
    });
    expect(caught(() => parse([], { T_TRANSPORT: 'udp' }))).toMatchObject({
      message: 'T_TRANSPORT must be one of dgram, stream, got "udp"',
    });
    expect(caught(() => parse(['--socket', '']))).toMatchObject({
      message: '--socket must not be empty, got ""',
    });
  });
});

describe('readCommandLine', () => {
  it('reads short flags, switches and (when allowed) positionals, checking no value', () => {
    const line = readCommandLine(TABLE, ['-h', 'text', '--timeout', 'x'], { positionals: true });
    expect([...line.switches]).toEqual(['help']);
    expect(line.given).toEqual({ timeoutMs: 'x' });
    expect(line.positionals).toEqual(['text']);
  });

  it("turns node:util's parse errors into OptionErrors, first line only, naming the flag", () => {
    expect(caught(() => readCommandLine(TABLE, ['--bogus']))).toMatchObject({
      name: 'OptionError',
      code: 'UNKNOWN_OPTION',
      source: '--bogus',
      message: "Unknown option '--bogus'",
    });
    expect(caught(() => readCommandLine(TABLE, ['serve']))).toMatchObject({
      code: 'UNEXPECTED_ARGUMENT',
      message: "Unexpected argument 'serve'",
    });
    expect(caught(() => readCommandLine(TABLE, ['--socket']))).toMatchObject({
      code: 'MISSING_VALUE',
      source: '--socket',
      message: "Option '--socket <value>' argument missing",
    });
    expect(caught(() => readCommandLine(TABLE, ['--socket', '--json']))).toMatchObject({
      code: 'MISSING_VALUE',
      message: "Option '--socket' argument is ambiguous.",
    });
    expect(caught(() => readCommandLine(TABLE, ['--json=yes']))).toMatchObject({
      code: 'INVALID_VALUE',
      source: '--json',
    });
  });

  it('refuses a table that declares one flag twice', () => {
    const twice = { ...TABLE, again: TABLE.json };
    expect(() => readCommandLine(twice, [])).toThrow('--json is declared twice');
  });
});

// In-process checks of the pure parts: configuration precedence, the pretty format, the warning cap.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { ConfigError } from '../src/config-error.js';
import { classifyFailure, failureLine } from '../src/exit-codes.js';
import { formatPrettyLine } from '../src/logger.js';

describe('parseConfig', () => {
  it('defaults to datagram on the seed path, codec auto, mode 0600', () => {
    expect(parseConfig([], {}, '/')).toEqual({
      action: 'run',
      config: {
        transport: 'dgram',
        socket: '/tmp/ipc_udp_server.sock',
        socketGiven: false,
        natsUrl: 'nats://127.0.0.1:4222',
        subject: 'udsipc.udsipc.rpc',
        codec: 'auto',
        mode: 0o600,
        logLevel: 'info',
        logFormat: 'pretty',
        maxConnections: 1024,
        idleTimeoutMs: 10_000,
      },
    });
  });

  it('takes a NATS URL and a subject for nats (the subject from --service unless given), and refuses a wildcard', () => {
    expect(
      parseConfig(['--transport', 'nats', '--service', 'orders'], {
        UDSIPC_NATS_URL: 'nats://10.0.0.5:4222',
      }),
    ).toMatchObject({
      action: 'run',
      config: {
        transport: 'nats',
        socket: '',
        natsUrl: 'nats://10.0.0.5:4222',
        subject: 'udsipc.orders.rpc',
      },
    });
    expect(parseConfig(['--transport', 'nats', '--subject', 'a.b'], {})).toMatchObject({
      config: { subject: 'a.b' },
    });
    expect(() => parseConfig(['--transport', 'nats', '--subject', 'a.*'], {})).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', source: '--subject' }),
    );
    expect(() => parseConfig(['--transport', 'nats', '--nats-url', 'http://x'], {})).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', source: '--nats-url' }),
    );
  });

  it('takes the stream seed path for stream, and a flag over its variable over the default', () => {
    const invocation = parseConfig(['--codec', 'json', '--mode=660'], {
      UDSIPC_TRANSPORT: 'stream',
      UDSIPC_CODEC: 'cstring',
      UDSIPC_MODE: '',
      UDSIPC_MAX_CONNECTIONS: '5',
    });
    expect(invocation).toMatchObject({
      action: 'run',
      config: {
        transport: 'stream',
        socket: '/tmp/ipc_tcp_server.sock',
        socketGiven: false,
        codec: 'json',
        mode: 0o660,
        maxConnections: 5,
      },
    });
  });

  it('answers --help and --version before checking anything else', () => {
    expect(parseConfig(['--help'], { UDSIPC_TRANSPORT: 'bogus' })).toEqual({ action: 'help' });
    expect(parseConfig(['-V'], {})).toEqual({ action: 'version' });
  });

  it('names the flag or variable at fault, with a stable code', () => {
    const error = (() => {
      try {
        parseConfig([], { UDSIPC_MODE: '0777x' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', source: 'UDSIPC_MODE' });
  });
});

describe('failure lines', () => {
  it('are one line, with the code for runtime failures', () => {
    const failure = classifyFailure(
      Object.assign(new Error("EACCES: permission denied, lstat '/x/s.sock'"), { code: 'EACCES' }),
    );
    expect(failure).toMatchObject({ exitCode: 1, code: 'PERMISSION_DENIED' });
    expect(failureLine('udsipc-server', failure)).toBe(
      "udsipc-server: PERMISSION_DENIED: EACCES: permission denied, lstat '/x/s.sock'\n",
    );
    expect(failureLine('p', classifyFailure(new ConfigError('INVALID_VALUE', 'two\nlines')))).toBe(
      'p: two lines\n',
    );
  });
});

describe('formatPrettyLine', () => {
  it('puts time, level and message first, then the fields, quoting only what needs it', () => {
    const line = JSON.stringify({
      level: 40,
      time: 0,
      msg: 'bad request',
      code: 'MALFORMED',
      reason: 'not JSON',
      n: 3,
    });
    expect(formatPrettyLine(line)).toBe(
      '1970-01-01T00:00:00.000Z WARN  bad request code=MALFORMED reason="not JSON" n=3\n',
    );
  });
});

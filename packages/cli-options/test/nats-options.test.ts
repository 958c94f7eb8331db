import { describe, expect, it } from 'vitest';
import { NATS_OPTIONS, OptionError, readCommandLine, resolveNatsTarget, resolveOptions } from '../src/mod.js';

/** The NATS target the two daemons' tables would resolve from these flags and this environment. */
function target(argv: string[], env: Record<string, string> = {}) {
  const { values } = resolveOptions(NATS_OPTIONS, readCommandLine(NATS_OPTIONS, argv), env);
  return resolveNatsTarget(values);
}

/** The OptionError a bad value gets, with its code, flag and message. */
function refusal(argv: string[], env: Record<string, string> = {}): OptionError {
  try {
    target(argv, env);
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('NATS options (declared once for both daemons)', () => {
  it('defaults to the local NATS server and the default service subject', () => {
    expect(target([])).toEqual({ natsUrl: 'nats://127.0.0.1:4222', subject: 'udsipc.udsipc.rpc' });
  });

  it('derives the subject from --service, and --subject wins over it; flags win over the environment', () => {
    expect(target(['--service', 'orders'])).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      subject: 'udsipc.orders.rpc',
    });
    expect(target(['--service', 'orders', '--subject', 'shop.orders'])).toMatchObject({
      subject: 'shop.orders',
    });
    expect(target([], { UDSIPC_SERVICE: 'billing', UDSIPC_NATS_URL: 'nats://10.0.0.2:4222' })).toEqual({
      natsUrl: 'nats://10.0.0.2:4222',
      subject: 'udsipc.billing.rpc',
    });
    expect(
      target(['--nats-url', 'tls://nats.example:4443'], { UDSIPC_NATS_URL: 'nats://x:1' }),
    ).toMatchObject({
      natsUrl: 'tls://nats.example:4443',
    });
  });

  it('refuses what NATS would not take, naming the flag, as INVALID_VALUE', () => {
    const wildcard = refusal(['--subject', 'udsipc.*.rpc']);
    expect(wildcard).toMatchObject({ code: 'INVALID_VALUE', source: '--subject' });
    expect(wildcard.message).toMatch(
      /^--subject: NATS subject "udsipc\.\*\.rpc" is not a literal NATS subject/,
    );
    expect(refusal(['--subject', 'a..b']).source).toBe('--subject');
    expect(refusal(['--subject', 'x'.repeat(257)]).source).toBe('--subject');
    const url = refusal(['--nats-url', 'http://127.0.0.1:4222']);
    expect(url).toMatchObject({ code: 'INVALID_VALUE', source: '--nats-url' });
    expect(url.message).toBe('--nats-url: NATS URL "http://127.0.0.1:4222" must be nats://host:port');
    expect(refusal(['--nats-url', 'not a url']).message).toMatch(/is not a URL/);
    // The service's own pattern is the schema's: refused before any subject is made from it.
    expect(refusal(['--service', 'a.b']).message).toMatch(/^--service must be letters, digits, _ or -/);
    expect(refusal([], { UDSIPC_SUBJECT: 'a b' }).source).toBe('--subject');
  });
});

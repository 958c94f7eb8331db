import { z } from 'zod';
import { integerIn, switchOption, valueOption } from '../src/mod.js';

/** A small table with every kind of entry the CLIs use. */
export const TABLE = {
  transport: valueOption({
    flag: '--transport',
    env: 'T_TRANSPORT',
    metavar: 'dgram|stream',
    schema: z.enum(['dgram', 'stream']),
    default: 'dgram',
    help: 'socket type',
  }),
  timeoutMs: valueOption({
    flag: '--timeout',
    env: 'T_TIMEOUT',
    metavar: 'MS',
    schema: integerIn(1, 5000),
    default: 1000,
    help: 'wait per attempt',
  }),
  mode: valueOption({
    flag: '--mode',
    metavar: 'MODE',
    schema: z.string().transform((text) => Number.parseInt(text, 8)),
    default: 0o600,
    showDefault: (mode) => `0${mode.toString(8)}`,
    help: 'file mode ({default}, octal)',
  }),
  socket: valueOption({
    flag: '--socket',
    env: 'T_SOCKET',
    metavar: 'PATH',
    schema: z.string().min(1, 'must not be empty'),
    defaultNote: '/tmp/a.sock,\nor /tmp/b.sock',
    help: 'server socket',
  }),
  count: valueOption({ flag: '--count', metavar: 'N', schema: integerIn(1, 10), help: 'stop after N' }),
  json: switchOption({ flag: '--json', help: 'one JSON object per line' }),
  help: switchOption({ flag: '--help', short: 'h', help: 'print this help and exit' }),
};

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatOptionHelp, switchOption, valueOption } from '../src/mod.js';
import { TABLE } from './fixture.js';

describe('formatOptionHelp', () => {
  it('inline: flag, variable column and help, each default from the table, hand-broken lines hanging', () => {
    expect(formatOptionHelp(TABLE)).toBe(
      [
        '  --transport dgram|stream  T_TRANSPORT  socket type (default dgram)',
        '  --timeout MS              T_TIMEOUT    wait per attempt (default 1000)',
        '  --mode MODE                            file mode (default 0600, octal)',
        '  --socket PATH             T_SOCKET     server socket (default /tmp/a.sock,',
        '                                         or /tmp/b.sock)',
        '  --count N                              stop after N',
        '  --json                                 one JSON object per line',
        '  -h, --help                             print this help and exit',
      ].join('\n'),
    );
  });

  it('drops the variable column when no option has one, and lines up with a given width', () => {
    const table = {
      size: valueOption({
        flag: '--size',
        metavar: 'BYTES',
        schema: z.string(),
        default: '64',
        help: 'bytes',
      }),
      quick: switchOption({ flag: '--quick', help: 'smoke run\nonly' }),
    };
    expect(formatOptionHelp(table, { flagWidth: 14 })).toBe(
      ['  --size BYTES  bytes (default 64)', '  --quick       smoke run', '                only'].join('\n'),
    );
    // A flag wider than its column still keeps two spaces before its help.
    expect(formatOptionHelp(table, { flagWidth: 4, indent: 0 })).toBe(
      ['--size BYTES  bytes (default 64)', '--quick  smoke run', '    only'].join('\n'),
    );
    expect(formatOptionHelp({})).toBe('');
  });

  it('stacked: variable and default in the column, the help below; a plain switch on one line', () => {
    expect(formatOptionHelp(TABLE, { style: 'stacked', flagWidth: 26 })).toBe(
      [
        '  --transport dgram|stream  T_TRANSPORT; dgram',
        '      socket type',
        '  --timeout MS              T_TIMEOUT; 1000',
        '      wait per attempt',
        '  --mode MODE               0600',
        '      file mode (default 0600, octal)',
        '  --socket PATH             T_SOCKET; /tmp/a.sock,',
        '                            or /tmp/b.sock',
        '      server socket',
        '  --count N                 stop after N',
        '  --json                    one JSON object per line',
        '  -h, --help                print this help and exit',
      ].join('\n'),
    );
  });
});

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatOptionHelp,
  integerIn,
  OptionError,
  readCommandLine,
  resolveOptions,
  switchOption,
  valueOption,
} from '@udsipc/cli-options';
import { z } from 'zod';
import { SELECTABLE, selected } from './run-bench.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The flags of `pnpm bench`, once: parsing, checks and the help below come from here. */
const BENCH_OPTIONS = {
  runs: valueOption({
    flag: '--runs',
    metavar: 'N',
    schema: integerIn(1, 100),
    default: 5,
    help: 'runs per row ({default}; 1 with --quick)',
  }),
  only: valueOption({
    flag: '--only',
    metavar: 'LIST',
    schema: z.string().transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
    help: `comma-separated rows: c-stream, c-dgram, net-ndjson, raw-dgram, udsipc-stream,
udsipc-dgram, peer-zeromq, peer-node-ipc, raw-nats, udsipc-nats,
scale-udsipc-dgram, scale-udsipc-stream, scale-raw-dgram, scale-net-ndjson,
restart-dgram, restart-stream, restart-full-dgram, restart-full-stream,
migration-dgram, migration-stream, migration-load-dgram, migration-load-stream,
layer;
a family before a dash selects all of it (c, udsipc, peer, scale, restart,
restart-full, migration, migration-load), and
nats selects raw-nats and udsipc-nats`,
  }),
  load: valueOption({
    flag: '--load',
    metavar: 'N',
    schema: integerIn(0, 16),
    default: 0,
    help: `N busy processes (shell loops) running beside every row, started before the
first row and stopped after the last, also on an error or Ctrl-C, each bounded
by timeout(1) ({default}: none)`,
  }),
  out: valueOption({
    flag: '--out',
    metavar: 'DIR',
    schema: z.string().transform((dir) => resolve(dir)),
    default: join(REPO_ROOT, 'bench-results'),
    showDefault: () => 'bench-results/ at the repository root',
    help: 'where bench-results.json and chart.svg are written\n({default})',
  }),
  quick: switchOption({
    flag: '--quick',
    help: `smoke mode: one run, 64 B and the udsipc attachment rows only, tiny counts,
2×5 scale clients, no restart and no migration rows`,
  }),
  help: switchOption({ flag: '--help', short: 'h', help: 'print this help and exit' }),
};

export const USAGE = `Usage: pnpm bench [-- options]
       node bench/dist/main.js [options]

Measures udsipc stream and datagram against the project's own C ping-pong program (compiled
with cc at bench time; skipped with a message without a compiler), a plain node:net NDJSON echo,
a raw unix-dgram echo and the peers a user might pick instead, zeromq (Dealer/Router over ipc://)
and node-ipc (each SKIPPED with the reason when it cannot be loaded here), and udsipc over NATS
against raw nats.js request/reply, both through a nats-server the bench starts on 127.0.0.1
(SKIPPED with the reason without one; 64 B and 4 KiB only); then 1,000 clients against one
server; then the layer floor (what udsipc's request/reply layer alone costs a request, in one
process without a socket, against the NDJSON baseline's JSON); then how soon clients waiting
through a graceful restart are answered; then the live-migration pause, idle and under load. Each row: a fresh server process, its client in
another process, warm-up excluded, median of N runs [min–max], ratios to the matching baseline,
to the C program and to each peer, and the CPU µs per message of server and client. Payloads:
64 B, 4 KiB, and 60 KiB (datagram) or 1 MiB (stream) of JSON text; the udsipc rows also send the
large one as a binary attachment ("att.": echo's data, raw bytes after the JSON), compared with
the other rows' large payload.

Options:
${formatOptionHelp(BENCH_OPTIONS, { flagWidth: 15 })}

Progress goes to stderr, the tables to stdout. Exit 0 when every selected row ran (a MISS is a
result, not a failure; so is a peer that is SKIPPED or fails), 1 when another row failed in all
its runs, 2 on a usage error.
`;

export interface CliOptions {
  runs: number;
  quick: boolean;
  /** Busy background processes (--load). */
  load: number;
  only: string[] | undefined;
  outDir: string;
}

/** The rows --only names, each one known: a typo would otherwise silently select nothing. */
function checkRows(only: string[] | undefined): void {
  if (only === undefined) return;
  for (const entry of only) {
    if (!SELECTABLE.some((name) => selected(name, [entry]))) {
      throw new OptionError(
        'INVALID_VALUE',
        `--only: unknown row "${entry}" (rows: ${SELECTABLE.join(', ')})`,
        '--only',
      );
    }
  }
  if (only.length === 0) throw new OptionError('INVALID_VALUE', '--only needs at least one row', '--only');
}

/** The command line to what to run, or 'help'; throws OptionError (exit 2). */
export function parseCli(argv: readonly string[]): CliOptions | 'help' {
  const line = readCommandLine(BENCH_OPTIONS, argv);
  if (line.switches.has('help')) return 'help';
  const { values, sources } = resolveOptions(BENCH_OPTIONS, line, {});
  checkRows(values.only);
  // --quick is one run unless --runs says otherwise.
  const runs = values.quick && sources.runs === undefined ? 1 : values.runs;
  return { runs, quick: values.quick, load: values.load, only: values.only, outDir: values.out };
}

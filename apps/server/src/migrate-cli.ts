#!/usr/bin/env node
import {
  formatOptionHelp,
  integerIn,
  OptionError,
  readCommandLine,
  resolveOptions,
  switchOption,
  valueOption,
} from '@udsipc/cli-options';
import { describeCode, toUdsipcError } from '@udsipc/protocol';
import { z } from 'zod';
import { dumpServer } from './migrate/dump.js';
import { MigrateError } from './migrate/migrate-error.js';
import { restoreServer } from './migrate/restore.js';
import { VERSION } from './version.js';

/** Linux's PID_MAX_LIMIT: no pid is larger. */
const MAX_PID = 4_194_304;

const MIGRATE_OPTIONS = {
  pid: valueOption({
    flag: '--pid',
    metavar: 'PID',
    schema: integerIn(1, MAX_PID),
    help: 'dump: the udsipc-server to quiesce and checkpoint',
  }),
  dir: valueOption({
    flag: '--dir',
    metavar: 'DIR',
    schema: z.string(),
    help: 'the checkpoint: written by dump, read by restore',
  }),
  json: switchOption({
    flag: '--json',
    help: 'print the result as one JSON object; restore: {"pauseMs":N,"restoreToReplyMs":N}',
  }),
  help: switchOption({ flag: '--help', short: 'h', help: 'print this help and exit' }),
  version: switchOption({ flag: '--version', short: 'V', help: 'print the version and exit' }),
};

const USAGE = `Usage:
  udsipc-migrate dump --pid PID --dir DIR [--json]
      Quiesce the udsipc-server PID (answer what is in flight, then close every stream
      connection and its listener, or its datagram socket), then checkpoint it with criu into DIR.
  udsipc-migrate restore --dir DIR [--json]
      Restore the checkpoint in DIR with criu, resume it if it was quiesced, wait until it
      answers a ping, and print how long it was unreachable.

Options:
${formatOptionHelp(MIGRATE_OPTIONS)}

Both need root and a working criu (\`criu check\`; see scripts/install-criu.sh).
The server must write its output to files (not a terminal or a pipe) to be checkpointed.

Exit codes: 0 done; 1 failed (the reason, with a stable code, on stderr); 2 usage error.`;

function usageError(message: string): never {
  throw new MigrateError('USAGE', message);
}

/** Runs a step of reading the options, a bad flag or value becoming our USAGE error. */
function asUsage<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof OptionError) usageError(error.message);
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  const line = asUsage(() => readCommandLine(MIGRATE_OPTIONS, argv, { positionals: true }));
  if (line.switches.has('help')) return void process.stdout.write(`${USAGE}\n`);
  if (line.switches.has('version')) return void process.stdout.write(`${VERSION}\n`);
  const { values } = asUsage(() => resolveOptions(MIGRATE_OPTIONS, line, {}));
  const [command, ...extra] = line.positionals;
  if (extra.length > 0) usageError(`unexpected argument: ${extra[0]}`);
  if (!values.dir) usageError('--dir DIR is required');
  if (command === 'dump') {
    const { pid } = values;
    if (pid === undefined) usageError('--pid PID (a positive integer) is required');
    const result = await dumpServer(pid, values.dir);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result)}\n`
        : `checkpointed udsipc-server ${pid} (${result.transport}${result.quiesced ? `, quiesced in ${result.quiesceMs} ms` : ''}) into ${values.dir} in ${result.dumpMs} ms\n`,
    );
    return;
  }
  if (command === 'restore') {
    const result = await restoreServer(values.dir);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ pauseMs: result.pauseMs, restoreToReplyMs: result.restoreToReplyMs })}\n`
        : `restored udsipc-server ${result.pid}: unreachable for ${result.pauseMs} ms, first reply ${result.restoreToReplyMs} ms after restore began\n`,
    );
    return;
  }
  usageError(command ? `unknown command: ${command}` : 'a command is required: dump or restore');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    // The exit status and whether the code is printed come from the code, as in udsipc-server.
    const failure = toUdsipcError(error);
    const described = describeCode(failure.code);
    const code = described.showsCode ? `${failure.code}: ` : '';
    process.stderr.write(`udsipc-migrate: ${code}${failure.message}\n`);
    if (described.failure === 'usage') process.stderr.write('Try udsipc-migrate --help\n');
    process.exit(described.exitCode);
  },
);

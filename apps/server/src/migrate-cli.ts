#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { dumpServer } from './migrate/dump.js';
import { MigrateError } from './migrate/migrate-error.js';
import { restoreServer } from './migrate/restore.js';
import { VERSION } from './version.js';

const USAGE = `Usage:
  udsipc-migrate dump --pid PID --dir DIR [--json]
      Quiesce the udsipc-server PID (answer what is in flight, then close every stream
      connection and its listener, or its datagram socket), then checkpoint it with criu into DIR.
  udsipc-migrate restore --dir DIR [--json]
      Restore the checkpoint in DIR with criu, resume it if it was quiesced, wait until it
      answers a ping, and print how long it was unreachable.
      --json prints {"pauseMs":N,"restoreToReplyMs":N}.

Both need root and a working criu (\`criu check\`; see scripts/install-criu.sh).
The server must write its output to files (not a terminal or a pipe) to be checkpointed.

Exit codes: 0 done; 1 failed (the reason, with a stable code, on stderr); 2 usage error.`;

function usageError(message: string): never {
  throw new MigrateError('USAGE', message);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      pid: { type: 'string' },
      dir: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.version) return void process.stdout.write(`${VERSION}\n`);
  const [command, ...extra] = positionals;
  if (extra.length > 0) usageError(`unexpected argument: ${extra[0]}`);
  if (!values.dir) usageError('--dir DIR is required');
  if (command === 'dump') {
    const pid = Number(values.pid);
    if (!values.pid || !Number.isInteger(pid) || pid <= 0)
      usageError('--pid PID (a positive integer) is required');
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
    const usage = error instanceof MigrateError ? error.code === 'USAGE' : error instanceof TypeError;
    const code = error instanceof MigrateError && !usage ? `${error.code}: ` : '';
    process.stderr.write(`udsipc-migrate: ${code}${(error as Error).message}\n`);
    if (usage) process.stderr.write('Try udsipc-migrate --help\n');
    process.exit(usage ? 2 : 1);
  },
);

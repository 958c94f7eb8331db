import { DEFAULT_DATAGRAM_SOCKET_PATH, DEFAULT_STREAM_SOCKET_PATH } from '@udsipc/protocol';

export const COMMAND_NAMES = ['send', 'run', 'ping', 'stats', 'bench'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

const COMMON = `Connection options (every command; each also from the environment, flags win):
  --transport dgram|stream  UDSIPC_TRANSPORT  socket type (default dgram)
  --socket PATH             UDSIPC_SOCKET     server socket (default ${DEFAULT_DATAGRAM_SOCKET_PATH},
                                              or ${DEFAULT_STREAM_SOCKET_PATH} for stream)
  --codec json|cstring      UDSIPC_CODEC      wire format (default json); cstring is the seed's
                                              1024-byte record, for send and run only
  --timeout MS              UDSIPC_TIMEOUT    wait per attempt before resending (default 1000)
  --retries N               UDSIPC_RETRIES    resends, same request id, before failing (default 10)
  --reply-dir DIR           UDSIPC_REPLY_DIR  directory of the datagram reply socket
                                              (default $XDG_RUNTIME_DIR/udsipc, else /tmp/udsipc-<uid>)
  --json                                      machine-readable output: one JSON object per line
  -h, --help                                  print this help and exit`;

const COMMANDS: Record<CommandName, { synopsis: string; summary: string; options: string; notes: string }> = {
  send: {
    synopsis: 'send TEXT [--type ack|echo]',
    summary: 'send one request and print its reply',
    options: `  --type ack|echo           ack answers "OK,I got it!" like the seed server, echo answers TEXT
                            (default ack; cstring sends ack only)`,
    notes: `Prints "reply: <text>", or with --json the reply payload as one JSON object.`,
  },
  run: {
    synopsis: 'run [--interval MS] [--message TEXT] [--count N]',
    summary: "the seed's client loop as a daemon",
    options: `  --interval MS             UDSIPC_INTERVAL   send one request every MS, never waiting for the
                                              previous reply (default 1000)
  --message TEXT            UDSIPC_MESSAGE    text of each ack request (default "How are you !!!")
  --count N                                   stop after N requests (default: until SIGTERM/SIGINT)`,
    notes: `Prints each reply as it arrives and a summary at the end; SIGTERM/SIGINT stops sending, waits
for the requests in flight (each within its own timeout and retries), then prints the summary.
A second signal fails what is still in flight at once. Exit 0, or 1 if any request failed.`,
  },
  ping: {
    synopsis: 'ping [--count N] [--interval MS]',
    summary: 'round-trip times and their min/p50/p99/max',
    options: `  --count N                 pings to send, one at a time (default 5)
  --interval MS             pause between pings (default 200)`,
    notes: `Prints "seq=N rtt=123us" per ping and a summary; SIGINT stops early and still summarises.`,
  },
  stats: {
    synopsis: 'stats',
    summary: "the server's counters",
    options: '',
    notes: `Prints a table, or with --json the server's stats reply as one JSON object.`,
  },
  bench: {
    synopsis: 'bench [--window N] [--count N] [--size BYTES]',
    summary: 'throughput and latency of echo requests',
    options: `  --window N                requests in flight at once (default 32, at most 4096)
  --count N                 requests in all, warm-up included (default 20000)
  --size BYTES              bytes of echo text per request (default 64)`,
    notes: `The first min(1000, count/10) requests are a warm-up, left out of the figures; failed requests
are counted as errors. Prints one line; with --json the last line is
{"msgsPerSec":N,"p50Us":N,"p99Us":N,"count":N,"errors":N}. Exit 1 if any request failed.`,
  },
};

export const EXIT_CODES = `Exit codes:
  0  success
  1  a request failed: stderr has one line starting with its code (TIMEOUT, SERVER_UNAVAILABLE,
     REMOTE_ERROR <server code>, TOO_LARGE, CLOSED ...)
  2  usage or configuration error: stderr has one line "udsipc-client: <reason>"`;

export function mainUsage(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => COMMANDS[name].synopsis.length));
  const lines = COMMAND_NAMES.map(
    (name) => `  ${COMMANDS[name].synopsis.padEnd(width)}  ${COMMANDS[name].summary}`,
  );
  return `Usage: udsipc-client <command> [options]
       udsipc-client --help | --version

Talks to a udsipc server (or the seed's C servers, with --codec cstring) over a UNIX socket.

Commands:
${lines.join('\n')}

${COMMON}

Run "udsipc-client <command> --help" for a command's own options.

${EXIT_CODES}
`;
}

export function commandUsage(name: CommandName): string {
  const command = COMMANDS[name];
  return `Usage: udsipc-client ${command.synopsis} [connection options]

${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.
${command.options ? `\n${command.options}\n` : ''}
${command.notes}

${COMMON}

${EXIT_CODES}
`;
}

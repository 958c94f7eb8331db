import { formatOptionHelp, type HelpLayout, type OptionTable } from '@udsipc/cli-options';
import { COMMAND_NAMES, COMMAND_OPTIONS, CONNECTION_OPTIONS, type CommandName } from './option-table.js';

/** One column layout for every table, so a command's options line up with the connection options. */
const LAYOUT: HelpLayout = { flagWidth: 26, envWidth: 19 };

function optionLines(table: OptionTable): string {
  return formatOptionHelp(table, LAYOUT);
}

const COMMON = `Connection options (every command; each also from the environment, flags win):
${optionLines(CONNECTION_OPTIONS)}`;

const COMMANDS: Record<CommandName, { synopsis: string; summary: string; notes: string }> = {
  send: {
    synopsis: 'send TEXT [--type ack|echo]',
    summary: 'send one request and print its reply',
    notes: `Prints "reply: <text>", or with --json the reply payload as one JSON object.`,
  },
  run: {
    synopsis: 'run [--interval MS] [--message TEXT] [--count N]',
    summary: "the seed's client loop as a daemon",
    notes: `Prints each reply as it arrives and a summary at the end; SIGTERM/SIGINT stops sending, waits
for the requests in flight (each within its own timeout and retries), then prints the summary.
A second signal fails what is still in flight at once. Exit 0, or 1 if any request failed.`,
  },
  ping: {
    synopsis: 'ping [--count N] [--interval MS]',
    summary: 'round-trip times and their min/p50/p99/max',
    notes: `Prints "seq=N rtt=123us" per ping and a summary; SIGINT stops early and still summarises.`,
  },
  stats: {
    synopsis: 'stats',
    summary: "the server's counters",
    notes: `Prints a table, or with --json the server's stats reply as one JSON object.`,
  },
  describe: {
    synopsis: 'describe',
    summary: 'the message types the server answers, with their schemas',
    notes: `Prints the protocol and server version, then each type with the JSON Schema of its request and
reply payloads (binary attachments marked "x-udsipc": "attachment"); with --json the server's
describe reply as one JSON object.`,
  },
  call: {
    synopsis: "call TYPE 'JSON'",
    summary: 'send any type the server describes, checked against its schema first',
    notes: `Asks the server to describe itself, checks the payload against the JSON Schema of TYPE's request
(nothing is sent if it fails: INVALID_PAYLOAD naming the field; UNKNOWN_TYPE if the server does not
answer TYPE), then sends it and prints "reply: <JSON>", or with --json the reply payload.`,
  },
  subscribe: {
    synopsis: 'subscribe TOPIC [--count N]',
    summary: 'print the events published on a topic as they come',
    notes: `Prints "subscribed to TOPIC" once the server has the subscription, then "TOPIC #SEQ <JSON>" per event, and "missed N events on TOPIC" where the numbers show a
gap (the server dropped them for a slow subscriber, or published them while this client was not
subscribed to it). The subscription follows the server across restarts, freezes and checkpoints.
With --json: {"subscribed":TOPIC} first, {"topic","seq","epoch","payload"} per event and
{"missed":N,"topic"} per gap.
SIGTERM/SIGINT (or --count) unsubscribes and prints a summary: received, missed, unaccounted (servers
that died without telling their last number), restarts.`,
  },
  publish: {
    synopsis: "publish TOPIC 'JSON'",
    summary: 'publish one event to the subscribers of a topic',
    notes: `Prints "published TOPIC #SEQ: delivered to N, dropped M" (dropped: subscribers whose queue was
full); with --json the publish reply as one JSON object.`,
  },
  bench: {
    synopsis: 'bench [--window N] [--count N] [--size BYTES]',
    summary: 'throughput and latency of echo requests',
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

Talks to a udsipc server (or the seed's C servers, with --codec cstring) over a UNIX socket,
or over NATS with --transport nats.

Commands:
${lines.join('\n')}

${COMMON}

Run "udsipc-client <command> --help" for a command's own options.

${EXIT_CODES}
`;
}

export function commandUsage(name: CommandName): string {
  const command = COMMANDS[name];
  const options = optionLines(COMMAND_OPTIONS[name]);
  return `Usage: udsipc-client ${command.synopsis} [connection options]

${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.
${options ? `\n${options}\n` : ''}
${command.notes}

${COMMON}

${EXIT_CODES}
`;
}

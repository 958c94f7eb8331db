import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  defaultSocketPath,
  isProtocolError,
  TRANSPORT_NAMES,
  type TransportName,
  validateSocketPath,
} from '@udsipc/protocol';
import { integerIn, oneOf, type Sourced } from './checks.js';
import { UsageError } from './failures.js';
import { COMMAND_NAMES, type CommandName } from './usage.js';

/** The wire formats a client can speak; `auto` only makes sense for a server. */
export const CLIENT_CODECS = ['json', 'cstring'] as const;
export type ClientCodec = (typeof CLIENT_CODECS)[number];

export const SEND_TYPES = ['ack', 'echo'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/** Where and how to reach the server: shared by every command. */
export interface ConnectionOptions {
  transport: TransportName;
  socket: string;
  codec: ClientCodec;
  timeoutMs: number;
  retries: number;
  /** Datagram reply directory; undefined means the protocol's per-user default. */
  replyDirectory: string | undefined;
  json: boolean;
}

export type Command =
  | { name: 'send'; connection: ConnectionOptions; text: string; type: SendType }
  | {
      name: 'run';
      connection: ConnectionOptions;
      intervalMs: number;
      message: string;
      /** Requests to send; undefined runs until a signal. */
      count: number | undefined;
    }
  | { name: 'ping'; connection: ConnectionOptions; count: number; intervalMs: number }
  | { name: 'stats'; connection: ConnectionOptions }
  | { name: 'bench'; connection: ConnectionOptions; window: number; count: number; size: number };

export type Invocation =
  | { kind: 'help'; command: CommandName | undefined }
  | { kind: 'version' }
  | { kind: 'command'; command: Command };

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULTS = {
  transport: 'dgram' as TransportName,
  codec: 'json' as ClientCodec,
  timeoutMs: 1_000,
  retries: 10,
  runIntervalMs: 1_000,
  runMessage: 'How are you !!!',
  pingCount: 5,
  pingIntervalMs: 200,
  benchWindow: 32,
  benchCount: 20_000,
  benchSize: 64,
};

/** setTimeout's ceiling: longer delays fire at once. */
const MAX_DELAY_MS = 2_147_483_647;
/** The datagram client queues at most 4096 frames while the server's queue is full. */
export const MAX_BENCH_WINDOW = 4_096;
/** Bench keeps one latency sample per request in memory. */
const MAX_BENCH_COUNT = 10_000_000;

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

const CONNECTION_FLAGS = {
  transport: { type: 'string' },
  socket: { type: 'string' },
  codec: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'reply-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

const COMMAND_FLAGS = {
  send: { type: { type: 'string' } },
  run: { interval: { type: 'string' }, message: { type: 'string' }, count: { type: 'string' } },
  ping: { count: { type: 'string' }, interval: { type: 'string' } },
  stats: {},
  bench: { window: { type: 'string' }, count: { type: 'string' }, size: { type: 'string' } },
} as const satisfies Record<CommandName, OptionSpec>;

type Values = Record<string, string | boolean | undefined>;

/** A flag's value, else its environment variable's (an empty variable counts as unset), else undefined. */
function pick(values: Values, flag: string, env: Environment, variable?: string): Sourced | undefined {
  const fromFlag = values[flag];
  if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
  const fromEnv = variable === undefined ? undefined : env[variable];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: variable! };
  return undefined;
}

function socketPath(raw: Sourced): string {
  try {
    return validateSocketPath(raw.value);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new UsageError(`${raw.source}: ${error.code}: ${error.message}`);
  }
}

function connectionOptions(values: Values, env: Environment): ConnectionOptions {
  const transportRaw = pick(values, 'transport', env, 'UDSIPC_TRANSPORT');
  const transport = transportRaw ? oneOf(transportRaw, TRANSPORT_NAMES) : DEFAULTS.transport;
  const socketRaw = pick(values, 'socket', env, 'UDSIPC_SOCKET');
  const codecRaw = pick(values, 'codec', env, 'UDSIPC_CODEC');
  const timeoutRaw = pick(values, 'timeout', env, 'UDSIPC_TIMEOUT');
  const retriesRaw = pick(values, 'retries', env, 'UDSIPC_RETRIES');
  return {
    transport,
    socket: socketRaw ? socketPath(socketRaw) : defaultSocketPath(transport),
    codec: codecRaw ? oneOf(codecRaw, CLIENT_CODECS) : DEFAULTS.codec,
    timeoutMs: timeoutRaw ? integerIn(timeoutRaw, 1, MAX_DELAY_MS) : DEFAULTS.timeoutMs,
    retries: retriesRaw ? integerIn(retriesRaw, 0, 1_000_000) : DEFAULTS.retries,
    replyDirectory: pick(values, 'reply-dir', env, 'UDSIPC_REPLY_DIR')?.value,
    json: values.json === true,
  };
}

function integerOr(raw: Sourced | undefined, fallback: number, min: number, max: number): number {
  return raw ? integerIn(raw, min, max) : fallback;
}

function requireJsonCodec(name: CommandName, connection: ConnectionOptions): void {
  if (connection.codec === 'cstring') {
    throw new UsageError(
      `${name} needs the json codec: the seed's cstring servers answer only ack (use send or run)`,
    );
  }
}

function buildCommand(name: CommandName, values: Values, positionals: string[], env: Environment): Command {
  const connection = connectionOptions(values, env);
  if (name !== 'send' && positionals.length > 0) {
    throw new UsageError(`${name} takes no arguments, got "${positionals[0]}"`);
  }
  switch (name) {
    case 'send': {
      if (positionals.length !== 1) {
        throw new UsageError(`send takes exactly one TEXT argument, got ${positionals.length}`);
      }
      const typeRaw = pick(values, 'type', env);
      const type = typeRaw ? oneOf(typeRaw, SEND_TYPES) : 'ack';
      if (type !== 'ack' && connection.codec === 'cstring') {
        throw new UsageError('--type echo needs the json codec: a cstring request is always an ack');
      }
      return { name, connection, text: positionals[0]!, type };
    }
    case 'run': {
      const countRaw = pick(values, 'count', env);
      return {
        name,
        connection,
        intervalMs: integerOr(
          pick(values, 'interval', env, 'UDSIPC_INTERVAL'),
          DEFAULTS.runIntervalMs,
          1,
          MAX_DELAY_MS,
        ),
        message: pick(values, 'message', env, 'UDSIPC_MESSAGE')?.value ?? DEFAULTS.runMessage,
        count: countRaw ? integerIn(countRaw, 1, Number.MAX_SAFE_INTEGER) : undefined,
      };
    }
    case 'ping':
      requireJsonCodec(name, connection);
      return {
        name,
        connection,
        count: integerOr(pick(values, 'count', env), DEFAULTS.pingCount, 1, 1_000_000_000),
        intervalMs: integerOr(pick(values, 'interval', env), DEFAULTS.pingIntervalMs, 0, MAX_DELAY_MS),
      };
    case 'stats':
      requireJsonCodec(name, connection);
      return { name, connection };
    case 'bench':
      requireJsonCodec(name, connection);
      return {
        name,
        connection,
        window: integerOr(pick(values, 'window', env), DEFAULTS.benchWindow, 1, MAX_BENCH_WINDOW),
        count: integerOr(pick(values, 'count', env), DEFAULTS.benchCount, 1, MAX_BENCH_COUNT),
        size: integerOr(pick(values, 'size', env), DEFAULTS.benchSize, 0, 16 * 1024 * 1024),
      };
  }
}

function isCommandName(value: string): value is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(value);
}

/** parseArgs reports unknown or malformed flags with a TypeError carrying an ERR_PARSE_ARGS_* code. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** argv (without node and the script) plus the environment to what to do; throws UsageError. */
export function parseInvocation(argv: readonly string[], env: Environment): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given (try --help)');
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}" (try --help)`);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...CONNECTION_FLAGS, ...COMMAND_FLAGS[first] },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    throw new UsageError(`${first}: ${error.message}`);
  }
  if (parsed.values.help === true) return { kind: 'help', command: first };
  return { kind: 'command', command: buildCommand(first, parsed.values, parsed.positionals, env) };
}

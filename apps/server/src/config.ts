import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_DEFAULTS } from '@udsipc/node';
import {
  CODEC_NAMES,
  type CodecName,
  defaultSocketPath,
  TRANSPORT_NAMES,
  type TransportName,
  validateSocketPath,
} from '@udsipc/protocol';
import { z } from 'zod';
import { ConfigError } from './config-error.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface ServerConfig {
  transport: TransportName;
  /** Absolute, validated socket path. */
  socket: string;
  codec: CodecName;
  /** Socket file mode, e.g. 0o600. */
  mode: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Stream only: connections beyond this are refused. */
  maxConnections: number;
  /** Stream only: a connection holding half a frame this long without new bytes is dropped. */
  idleTimeoutMs: number;
}

export type Invocation = { action: 'run'; config: ServerConfig } | { action: 'help' } | { action: 'version' };

/** setTimeout's ceiling; a longer idle timeout would silently fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Each option: its flag, its environment variable, and how its text is checked. */
const OPTIONS = {
  transport: { flag: '--transport', env: 'UDSIPC_TRANSPORT' },
  socket: { flag: '--socket', env: 'UDSIPC_SOCKET' },
  codec: { flag: '--codec', env: 'UDSIPC_CODEC' },
  mode: { flag: '--mode', env: 'UDSIPC_MODE' },
  logLevel: { flag: '--log-level', env: 'UDSIPC_LOG_LEVEL' },
  logFormat: { flag: '--log-format', env: 'UDSIPC_LOG_FORMAT' },
  maxConnections: { flag: '--max-connections', env: 'UDSIPC_MAX_CONNECTIONS' },
  idleTimeoutMs: { flag: '--idle-timeout', env: 'UDSIPC_IDLE_TIMEOUT' },
} as const;

type OptionName = keyof typeof OPTIONS;

const positiveInteger = (max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`));

const octalMode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'must be an octal mode like 0600, 0660 or 0666')
  .transform((text) => Number.parseInt(text, 8))
  // A socket its owner cannot write to cannot be connected to, not even by the server's own user.
  .refine((mode) => (mode & 0o600) === 0o600, 'must give the owner read and write (at least 0600)');

const SCHEMAS = {
  transport: z.enum(TRANSPORT_NAMES),
  socket: z.string().min(1, 'must not be empty'),
  codec: z.enum(CODEC_NAMES),
  mode: octalMode,
  logLevel: z.enum(LOG_LEVELS),
  logFormat: z.enum(LOG_FORMATS),
  maxConnections: positiveInteger(1_000_000),
  idleTimeoutMs: positiveInteger(MAX_TIMER_MS),
} satisfies Record<OptionName, z.ZodType>;

type Parsed = { [K in OptionName]: z.output<(typeof SCHEMAS)[K]> };

function parseOption<K extends OptionName>(name: K, text: string, source: string): Parsed[K] {
  const result = SCHEMAS[name].safeParse(text);
  if (result.success) return result.data as Parsed[K];
  const issue = result.error.issues[0];
  const reason =
    issue?.code === 'invalid_value'
      ? `must be one of ${issue.values.join(', ')}`
      : (issue?.message ?? 'invalid');
  throw new ConfigError('INVALID_VALUE', `${source} ${reason}, got ${JSON.stringify(text)}`, source);
}

/** node:util's parse errors carry a code; turned into ours, with its message kept (it names the flag). */
function argumentError(error: unknown): ConfigError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new ConfigError('UNKNOWN_OPTION', `${firstLine} (see --help)`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new ConfigError('UNEXPECTED_ARGUMENT', `${firstLine.replace(/\. .*$/, '')} (see --help)`);
  }
  return new ConfigError('MISSING_VALUE', firstLine);
}

/**
 * Reads the command line and the environment into a checked configuration. A flag wins over its
 * environment variable; an empty variable counts as unset (so an env file can leave one blank).
 * Throws ConfigError (exit 2) or, for a path the kernel would not bind, ProtocolError PATH_* (exit 2).
 */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Invocation {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        transport: { type: 'string' },
        socket: { type: 'string' },
        codec: { type: 'string' },
        mode: { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'max-connections': { type: 'string' },
        'idle-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    throw argumentError(error);
  }
  if (values.help) return { action: 'help' };
  if (values.version) return { action: 'version' };

  const raw = (name: OptionName): { text: string; source: string } | undefined => {
    const { flag, env: variable } = OPTIONS[name];
    const fromFlag = values[flag.slice(2)];
    if (typeof fromFlag === 'string') return { text: fromFlag, source: flag };
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv !== '' ? { text: fromEnv, source: variable } : undefined;
  };
  const read = <K extends OptionName>(name: K, fallback: Parsed[K]): Parsed[K] => {
    const given = raw(name);
    return given === undefined ? fallback : parseOption(name, given.text, given.source);
  };

  const transport = read('transport', 'dgram');
  const socket = resolve(cwd, read('socket', defaultSocketPath(transport)));
  validateSocketPath(socket);
  return {
    action: 'run',
    config: {
      transport,
      socket,
      codec: read('codec', 'auto'),
      mode: read('mode', SERVER_DEFAULTS.mode),
      logLevel: read('logLevel', 'info'),
      logFormat: read('logFormat', 'pretty'),
      maxConnections: read('maxConnections', SERVER_DEFAULTS.maxConnections),
      idleTimeoutMs: read('idleTimeoutMs', SERVER_DEFAULTS.idleTimeoutMs),
    },
  };
}

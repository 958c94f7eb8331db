import { resolve } from 'node:path';
import {
  type Environment,
  idList,
  NATS_OPTIONS,
  OptionError,
  readCommandLine,
  resolveNatsTarget,
  resolveOptions,
  switchOption,
  valueOption,
} from '@udsipc/cli-options';
import { formatMode, SERVER_DEFAULTS } from '@udsipc/node';
import {
  CODEC_NAMES,
  type CodecName,
  DEFAULT_DATAGRAM_SOCKET_PATH,
  DEFAULT_STREAM_SOCKET_PATH,
  defaultSocketPath,
  isSocketTransport,
  MAX_SOCKET_PATH_BYTES,
  socketModeSchema,
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
  /** Absolute, validated socket path ('' for nats, which has none). */
  socket: string;
  /** nats only: the NATS server and the subject served (in the queue group `udsipc`). */
  natsUrl: string;
  subject: string;
  /** Whether --socket or UDSIPC_SOCKET set it (an activated socket is then checked against it). */
  socketGiven: boolean;
  codec: CodecName;
  /** Socket file mode, e.g. 0o600. */
  mode: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Stream only: connections beyond this are refused. */
  maxConnections: number;
  /** Stream only: a connection holding half a frame this long without new bytes is dropped. */
  idleTimeoutMs: number;
  /** Who may call (unset: everyone the socket mode lets in). */
  allowUids: number[] | undefined;
  allowGids: number[] | undefined;
}

export type Invocation = { action: 'run'; config: ServerConfig } | { action: 'help' } | { action: 'version' };

/** setTimeout's ceiling; a longer idle timeout would silently fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The server's wording for counts (scripts and the README quote it), each way to miss told apart. */
const positiveInteger = (max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`));

/** Every option of udsipc-server, once: the defaults the library has are taken from it. */
export const SERVER_OPTIONS = {
  transport: valueOption({
    flag: '--transport',
    env: 'UDSIPC_TRANSPORT',
    metavar: TRANSPORT_NAMES.join('|'),
    schema: z.enum(TRANSPORT_NAMES),
    default: SERVER_DEFAULTS.transport,
    help: 'socket type: datagram (SOCK_DGRAM) or stream (SOCK_STREAM),\nor nats: a NATS subject, past this host',
  }),
  ...NATS_OPTIONS,
  socket: valueOption({
    flag: '--socket',
    env: 'UDSIPC_SOCKET',
    metavar: 'PATH',
    schema: z.string().min(1, 'must not be empty'),
    // Follows --transport, so it is filled in once both are known.
    defaultNote: `${DEFAULT_DATAGRAM_SOCKET_PATH} (dgram),\n${DEFAULT_STREAM_SOCKET_PATH} (stream)`,
    help: `socket path, at most ${MAX_SOCKET_PATH_BYTES} bytes; a relative path is resolved against the working directory`,
  }),
  codec: valueOption({
    flag: '--codec',
    env: 'UDSIPC_CODEC',
    metavar: CODEC_NAMES.join('|'),
    schema: z.enum(CODEC_NAMES),
    default: SERVER_DEFAULTS.codec,
    help: 'wire format accepted; auto answers each message in the format it came in',
  }),
  mode: valueOption({
    flag: '--mode',
    env: 'UDSIPC_MODE',
    metavar: 'MODE',
    schema: socketModeSchema,
    default: SERVER_DEFAULTS.mode,
    showDefault: formatMode,
    help: "socket file mode, octal (0660 lets the socket's group connect)",
  }),
  logLevel: valueOption({
    flag: '--log-level',
    env: 'UDSIPC_LOG_LEVEL',
    metavar: 'LEVEL',
    schema: z.enum(LOG_LEVELS),
    default: 'info',
    help: 'fatal, error, warn, info, debug (one line per request), trace or silent',
  }),
  logFormat: valueOption({
    flag: '--log-format',
    env: 'UDSIPC_LOG_FORMAT',
    metavar: LOG_FORMATS.join('|'),
    schema: z.enum(LOG_FORMATS),
    default: 'pretty',
    help: "log lines on stdout: readable, or pino's JSON",
  }),
  maxConnections: valueOption({
    flag: '--max-connections',
    env: 'UDSIPC_MAX_CONNECTIONS',
    metavar: 'N',
    schema: positiveInteger(1_000_000),
    default: SERVER_DEFAULTS.maxConnections,
    help: 'stream only: open connections allowed; more are closed at once',
  }),
  idleTimeoutMs: valueOption({
    flag: '--idle-timeout',
    env: 'UDSIPC_IDLE_TIMEOUT',
    metavar: 'MS',
    schema: positiveInteger(MAX_TIMER_MS),
    default: SERVER_DEFAULTS.idleTimeoutMs,
    help: 'stream only: a connection holding half a frame this long without new bytes is closed',
  }),
  allowUids: valueOption({
    flag: '--allow-uid',
    env: 'UDSIPC_ALLOW_UID',
    metavar: 'LIST',
    schema: idList('user'),
    defaultNote: 'everyone the socket mode lets in',
    help: 'answer only callers with one of these users (names or ids, comma-separated), as the\nkernel names them; others get FORBIDDEN, an unknown caller too',
  }),
  allowGids: valueOption({
    flag: '--allow-gid',
    env: 'UDSIPC_ALLOW_GID',
    metavar: 'LIST',
    schema: idList('group'),
    defaultNote: 'everyone the socket mode lets in',
    help: 'also answer callers whose primary group is one of these (the kernel reports no other)',
  }),
  help: switchOption({ flag: '--help', short: 'h', help: 'print this help and exit' }),
  version: switchOption({ flag: '--version', short: 'V', help: 'print the version and exit' }),
};

/** Ours, with the same code and source; a mistake in the command line itself points at --help. */
function configError(error: unknown): unknown {
  if (!(error instanceof OptionError)) return error;
  const hint = error.code === 'UNKNOWN_OPTION' || error.code === 'UNEXPECTED_ARGUMENT' ? ' (see --help)' : '';
  return new ConfigError(error.code, `${error.message}${hint}`, error.source);
}

/**
 * Reads the command line and the environment into a checked configuration. A flag wins over its
 * environment variable; an empty variable counts as unset (so an env file can leave one blank).
 * Throws ConfigError (exit 2) or, for a path the kernel would not bind, ProtocolError PATH_* (exit 2).
 */
export function parseConfig(
  argv: readonly string[],
  env: Environment,
  cwd: string = process.cwd(),
): Invocation {
  try {
    const line = readCommandLine(SERVER_OPTIONS, argv);
    if (line.switches.has('help')) return { action: 'help' };
    if (line.switches.has('version')) return { action: 'version' };
    const { values } = resolveOptions(SERVER_OPTIONS, line, env);
    const { transport } = values;
    const socket = isSocketTransport(transport)
      ? validateSocketPath(resolve(cwd, values.socket ?? defaultSocketPath(transport)))
      : '';
    const { natsUrl, subject } = resolveNatsTarget(values);
    return {
      action: 'run',
      config: {
        transport,
        socket,
        natsUrl,
        subject,
        socketGiven: values.socket !== undefined,
        codec: values.codec,
        mode: values.mode,
        logLevel: values.logLevel,
        logFormat: values.logFormat,
        maxConnections: values.maxConnections,
        idleTimeoutMs: values.idleTimeoutMs,
        allowUids: values.allowUids,
        allowGids: values.allowGids,
      },
    };
  } catch (error) {
    throw configError(error);
  }
}

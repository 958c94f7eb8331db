import {
  type CommandLine,
  type Environment,
  OptionError,
  type OptionTable,
  type OptionValues,
  readCommandLine,
  resolveNatsTarget,
  resolveOptions,
} from '@udsipc/cli-options';
import { defaultServerTrust, type ServerTrust } from '@udsipc/core';
import {
  defaultSocketPath,
  isProtocolError,
  isSocketTransport,
  TopicSchema,
  type TransportName,
  validateSocketPath,
} from '@udsipc/protocol';
import { UsageError } from './failures.js';
import {
  type ClientCodec,
  COMMAND_NAMES,
  COMMAND_OPTIONS,
  CONNECTION_OPTIONS,
  type CommandName,
  type SendType,
} from './option-table.js';

export type { Environment };

/** Where and how to reach the server: shared by every command. */
export interface ConnectionOptions {
  transport: TransportName;
  /** The socket path ('' for nats). */
  socket: string;
  /** nats only: the NATS server and the subject. */
  natsUrl: string;
  subject: string;
  codec: ClientCodec;
  timeoutMs: number;
  retries: number;
  /** Unset: the client's default, (retries + 1) x timeout. */
  deadlineMs: number | undefined;
  /** Datagram reply directory; undefined means the protocol's per-user default. */
  replyDirectory: string | undefined;
  /** Whose servers to talk to: the transport's default (root and this user) plus what was given. */
  serverTrust: ServerTrust;
  json: boolean;
}

/** `--server-uid` replaces the default users; `--server-gid` adds groups to whichever users apply. */
function serverTrust(uids: number[] | undefined, gids: number[] | undefined): ServerTrust {
  const defaults = defaultServerTrust();
  return { uids: uids ?? defaults.uids, gids: gids ?? defaults.gids };
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
  | { name: 'describe'; connection: ConnectionOptions }
  | { name: 'call'; connection: ConnectionOptions; type: string; payload: unknown }
  | { name: 'subscribe'; connection: ConnectionOptions; topic: string; count: number | undefined }
  | { name: 'publish'; connection: ConnectionOptions; topic: string; event: unknown }
  | { name: 'bench'; connection: ConnectionOptions; window: number; count: number; size: number };

export type Invocation =
  | { kind: 'help'; command: CommandName | undefined }
  | { kind: 'version' }
  | { kind: 'command'; command: Command };

/** A socket path that the kernel would not bind, named by the flag or variable it came from. */
function socketPath(path: string, source: string): string {
  try {
    return validateSocketPath(path);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new UsageError(`${source}: ${error.code}: ${error.message}`);
  }
}

/** A command's connection options and its own, by precedence, each checked; a bad one is a UsageError. */
function resolveCommand<T extends OptionTable>(own: T, line: CommandLine, env: Environment) {
  return asUsage(() => resolveOptions({ ...CONNECTION_OPTIONS, ...own }, line, env));
}

/** What `read` returns; an OptionError it throws becomes this CLI's UsageError, same message. */
function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof OptionError) throw new UsageError(error.message);
    throw error;
  }
}

function connectionOptions(
  values: OptionValues<typeof CONNECTION_OPTIONS>,
  socketSource: string | undefined,
): ConnectionOptions {
  const { socket, transport } = values;
  if (transport === 'nats' && values.codec === 'cstring') {
    throw new UsageError("--codec cstring: the seed's records never travel over NATS (use json)");
  }
  const { natsUrl, subject } = asUsage(() => resolveNatsTarget(values));
  return {
    transport,
    socket: !isSocketTransport(transport)
      ? ''
      : socket === undefined
        ? defaultSocketPath(transport)
        : socketPath(socket, socketSource ?? '--socket'),
    natsUrl,
    subject,
    codec: values.codec,
    timeoutMs: values.timeoutMs,
    retries: values.retries,
    deadlineMs: values.deadlineMs,
    replyDirectory: values.replyDirectory,
    serverTrust: serverTrust(values.serverUids, values.serverGids),
    json: values.json,
  };
}

function requireJsonCodec(name: CommandName, connection: ConnectionOptions): void {
  if (connection.codec === 'cstring') {
    throw new UsageError(
      `${name} needs the json codec: the seed's cstring servers answer only ack (use send or run)`,
    );
  }
}

function jsonArgument(name: CommandName, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${name}: ${what} is not JSON (${error instanceof Error ? error.message : 'parse error'})`,
    );
  }
}

function topicArgument(name: CommandName, topic: string): string {
  const checked = TopicSchema.safeParse(topic);
  if (!checked.success) {
    throw new UsageError(
      `${name}: invalid topic ${JSON.stringify(topic)}: ${checked.error.issues[0]?.message}`,
    );
  }
  return topic;
}

function takesNoArguments(name: CommandName, line: CommandLine): void {
  if (line.positionals.length > 0) {
    throw new UsageError(`${name} takes no arguments, got "${line.positionals[0]}"`);
  }
}

function buildCommand(name: CommandName, line: CommandLine, env: Environment): Command {
  switch (name) {
    case 'send': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.send, line, env);
      const connection = connectionOptions(values, sources.socket);
      if (line.positionals.length !== 1) {
        throw new UsageError(`send takes exactly one TEXT argument, got ${line.positionals.length}`);
      }
      if (values.type !== 'ack' && connection.codec === 'cstring') {
        throw new UsageError('--type echo needs the json codec: a cstring request is always an ack');
      }
      return { name, connection, text: line.positionals[0]!, type: values.type };
    }
    case 'run': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.run, line, env);
      const connection = connectionOptions(values, sources.socket);
      takesNoArguments(name, line);
      return {
        name,
        connection,
        intervalMs: values.intervalMs,
        message: values.message,
        count: values.count,
      };
    }
    case 'ping': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.ping, line, env);
      const connection = connectionOptions(values, sources.socket);
      takesNoArguments(name, line);
      requireJsonCodec(name, connection);
      return { name, connection, count: values.count, intervalMs: values.intervalMs };
    }
    case 'call': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.call, line, env);
      const connection = connectionOptions(values, sources.socket);
      requireJsonCodec(name, connection);
      if (line.positionals.length !== 2) {
        throw new UsageError(`call takes TYPE and a JSON payload, got ${line.positionals.length} arguments`);
      }
      const [type, text] = line.positionals as [string, string];
      return { name, connection, type, payload: jsonArgument(name, 'the payload', text) };
    }
    case 'subscribe': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.subscribe, line, env);
      const connection = connectionOptions(values, sources.socket);
      requireJsonCodec(name, connection);
      if (line.positionals.length !== 1) {
        throw new UsageError(`subscribe takes exactly one TOPIC argument, got ${line.positionals.length}`);
      }
      return { name, connection, topic: topicArgument(name, line.positionals[0]!), count: values.count };
    }
    case 'publish': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.publish, line, env);
      const connection = connectionOptions(values, sources.socket);
      requireJsonCodec(name, connection);
      if (line.positionals.length !== 2) {
        throw new UsageError(
          `publish takes TOPIC and a JSON event, got ${line.positionals.length} arguments`,
        );
      }
      const [topic, text] = line.positionals as [string, string];
      return {
        name,
        connection,
        topic: topicArgument(name, topic),
        event: jsonArgument(name, 'the event', text),
      };
    }
    case 'stats':
    case 'describe': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS[name], line, env);
      const connection = connectionOptions(values, sources.socket);
      takesNoArguments(name, line);
      requireJsonCodec(name, connection);
      return { name, connection };
    }
    case 'bench': {
      const { values, sources } = resolveCommand(COMMAND_OPTIONS.bench, line, env);
      const connection = connectionOptions(values, sources.socket);
      takesNoArguments(name, line);
      requireJsonCodec(name, connection);
      return { name, connection, window: values.window, count: values.count, size: values.size };
    }
  }
}

function isCommandName(value: string): value is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(value);
}

/** argv (without node and the script) plus the environment to what to do; throws UsageError. */
export function parseInvocation(argv: readonly string[], env: Environment): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given (try --help)');
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}" (try --help)`);
  let line: CommandLine;
  try {
    line = readCommandLine({ ...CONNECTION_OPTIONS, ...COMMAND_OPTIONS[first] }, rest, { positionals: true });
  } catch (error) {
    if (error instanceof OptionError) throw new UsageError(`${first}: ${error.message}`);
    throw error;
  }
  if (line.switches.has('help')) return { kind: 'help', command: first };
  return { kind: 'command', command: buildCommand(first, line, env) };
}

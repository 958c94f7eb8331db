import {
  type AccessPolicy,
  type Handler,
  parseSocketMode,
  type ReplayLimits,
  RpcServer,
  type ServerTransport,
} from '@udsipc/core';
import {
  type BuiltinMessages,
  builtinMessages,
  type CodecName,
  type MessageRegistry,
  type PublishReply,
  type StatsReply,
  type TransportName,
} from '@udsipc/protocol';
import { createServerTransport } from '../transport-factory.js';
import { formatMode, SERVER_DEFAULTS } from './defaults.js';
import { createEventLog, type EventLog } from './event-log.js';
import { builtinHandlers } from './handlers.js';
import { type ServerLogger, silentLogger } from './server-logger.js';
import type { WarnLimits } from './warn-limiter.js';

export interface CreateServerOptions<R extends MessageRegistry = BuiltinMessages> {
  /** `dgram` (default) or `stream`. */
  transport?: TransportName;
  /**
   * Socket path; default the seed's path for the transport. With `listenFd`, the path the adopted
   * socket must be bound at (unset: wherever it is).
   */
  socket?: string;
  /**
   * A socket passed by socket activation (systemd's LISTEN_FDS: see `activatedSocket` in
   * @udsipc/core): bound (and for stream, listening) already, so it is adopted instead of binding
   * `socket`. Its mode and owner are the activator's; it is never unlinked, and what queues in it
   * while the server restarts is answered by the next one. It cannot be quiesced for a checkpoint.
   */
  listenFd?: number;
  /** nats only: the NATS server (default nats://127.0.0.1:4222). */
  natsUrl?: string;
  /** nats only: the subject served, in the queue group `udsipc` (default `udsipc.<service>.rpc`). */
  subject?: string;
  /** nats only: the service the default subject is made from (default `udsipc`). */
  service?: string;
  /** `auto` (default) also answers the seed's C clients; `json` or `cstring` accept only that format. */
  codec?: CodecName;
  /** Socket file mode (default 0o600). */
  mode?: number;
  /** Stream only: open connections allowed (default 1024). */
  maxConnections?: number;
  /** Stream only: a connection holding half a frame this long without new bytes is dropped (default 10 s). */
  idleTimeoutMs?: number;
  /** Stream only: reading a client's requests pauses while this many reply bytes wait for it (default 4 MiB). */
  writeHighWaterBytes?: number;
  /** Stream only: each connection's kernel send buffer asked for (default 1 MiB; 0 keeps the kernel's). */
  sendBufferBytes?: number;
  /** Stream only: most waiting connections taken in one turn of the event loop (default 16; 1 is libuv's own). */
  acceptsPerTurn?: number;
  /**
   * The message types served (default the built-in four). Built-in handlers are registered for the
   * built-in types the registry holds; every other type needs `.handle(type, handler)`.
   */
  messages?: R;
  /** Bounds of the memory that answers resends without executing twice. */
  replay?: Partial<ReplayLimits>;
  /** Deepest JSON nesting accepted (default 32). */
  maxJsonDepth?: number;
  /** Most JSON values (objects, arrays, elements) in one request (default 100,000). */
  maxJsonValues?: number;
  /**
   * Who may send which requests: `uids`/`gids` for every type, `byType` per message type (default:
   * everyone the socket mode lets in). Refused requests are answered FORBIDDEN and never run.
   */
  access?: AccessPolicy;
  /** This program's version, told to whoever sends `describe`. */
  version?: string;
  /**
   * How long a subscription lasts unless its client renews it, in ms (default 30 s; clients renew
   * at a third of it). Time the server did not run (frozen, checkpointed) does not count.
   */
  subscriptionLeaseMs?: number;
  /** Where events are logged (default nowhere). pino's Logger fits. */
  logger?: ServerLogger;
  /** Caps on warnings per kind, against peers that send garbage in a loop. */
  warnLimits?: WarnLimits;
}

export interface UdsipcServer<R extends MessageRegistry = BuiltinMessages> {
  readonly transport: TransportName;
  readonly path: string;
  readonly codec: CodecName;
  readonly mode: number;
  /** Registers (or replaces) the handler of one message type of the registry. */
  handle<T extends keyof R & string>(type: T, handler: Handler<R, T>): this;
  /** Checks and binds the socket, then serves. Rejects with TransportError (SOCKET_IN_USE ...) or ProtocolError (PATH_*). */
  start(): Promise<void>;
  /** Takes no new requests, answers those in flight (up to `timeoutMs`), removes the socket file. */
  stop(timeoutMs?: number): Promise<void>;
  /** For a checkpoint: answers what is in flight, then holds (stream connections are closed). */
  quiesce(timeoutMs?: number): Promise<void>;
  resume(): Promise<void>;
  stats(): StatsReply;
  /**
   * Sends `event` to every subscriber of `topic` now (server push), numbered in the topic's
   * sequence. A subscriber whose queue is full is not sent it (counted in `dropped`, and missed on
   * its side). Throws HandlerError TOO_LARGE, sending nothing, for an event over the frame limit.
   */
  publish(topic: string, event: unknown): PublishReply;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

class Server<R extends MessageRegistry> implements UdsipcServer<R> {
  readonly transport: TransportName;
  readonly path: string;
  readonly codec: CodecName;
  readonly mode: number;
  private readonly rpc: RpcServer<R>;
  private readonly serverTransport: ServerTransport;
  private readonly logger: ServerLogger;
  private readonly events: EventLog;
  private readonly streamLimits: { maxConnections: number; idleTimeoutMs: number } | undefined;
  private state: State = 'new';
  private stopping: Promise<void> | undefined;

  constructor(options: CreateServerOptions<R>) {
    this.transport = options.transport ?? SERVER_DEFAULTS.transport;
    this.codec = options.codec ?? SERVER_DEFAULTS.codec;
    this.mode = parseSocketMode(options.mode ?? SERVER_DEFAULTS.mode);
    this.logger = options.logger ?? silentLogger;
    this.events = createEventLog(this.logger, options.warnLimits);
    this.streamLimits =
      this.transport === 'stream'
        ? {
            maxConnections: options.maxConnections ?? SERVER_DEFAULTS.maxConnections,
            idleTimeoutMs: options.idleTimeoutMs ?? SERVER_DEFAULTS.idleTimeoutMs,
          }
        : undefined;
    this.serverTransport = createServerTransport({
      transport: this.transport,
      path: options.socket,
      listenFd: options.listenFd,
      natsUrl: options.natsUrl,
      subject: options.subject,
      service: options.service,
      codec: this.codec,
      mode: this.mode,
      ...this.streamLimits,
      ...(this.transport === 'stream' ? streamTuning(options) : {}),
      onEvent: this.events.transport,
    });
    this.path = this.serverTransport.path;
    const messages = options.messages ?? (builtinMessages as MessageRegistry as R);
    this.rpc = new RpcServer<R>({
      transport: this.serverTransport,
      messages,
      replay: options.replay,
      maxJsonDepth: options.maxJsonDepth,
      maxJsonValues: options.maxJsonValues,
      access: options.access,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.subscriptionLeaseMs === undefined
        ? {}
        : { subscriptionLeaseMs: options.subscriptionLeaseMs }),
      onEvent: this.events.rpc,
      ...(this.events.request ? { onRequest: this.events.request } : {}),
    });
    const builtins = builtinHandlers({ uptimeMs: () => this.rpc.uptimeMs, stats: () => this.rpc.stats() });
    // The registry's keys are only known at run time; each built-in is registered where the registry has it.
    const untyped = this.rpc as unknown as RpcServer<MessageRegistry>;
    for (const [type, handler] of Object.entries(builtins)) {
      if (Object.hasOwn(messages, type)) untyped.handle(type, handler as Handler<MessageRegistry, string>);
    }
  }

  handle<T extends keyof R & string>(type: T, handler: Handler<R, T>): this {
    this.rpc.handle(type, handler);
    return this;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`server cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      await this.rpc.start();
    } catch (error) {
      this.state = 'stopped';
      this.events.close();
      throw error;
    }
    this.state = 'running';
    this.logger.info(
      {
        event: 'listening',
        transport: this.transport,
        path: this.path,
        codec: this.codec,
        mode: formatMode(this.mode),
        pid: process.pid,
        ...this.streamLimits,
      },
      'udsipc-server listening',
    );
  }

  stop(timeoutMs = 5_000): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.stopping ??= this.shutdown(timeoutMs);
    return this.stopping;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.state = 'stopping';
    await this.rpc.stop(timeoutMs);
    this.state = 'stopped';
    this.events.close();
    const { requests, executed, replies, errorsByCode, sendFailuresByCode } = this.rpc.stats();
    this.logger.info(
      { event: 'stopped', path: this.path, requests, executed, replies, errorsByCode, sendFailuresByCode },
      'udsipc-server stopped',
    );
  }

  async quiesce(timeoutMs = 5_000): Promise<void> {
    await this.rpc.quiesce(timeoutMs);
    this.logger.info({ event: 'quiesced', path: this.path }, 'holding: no requests taken until resumed');
  }

  async resume(): Promise<void> {
    await this.rpc.resume();
    this.logger.info({ event: 'resumed', path: this.path }, 'serving again');
  }

  stats(): StatsReply {
    return this.rpc.stats();
  }

  publish(topic: string, event: unknown): PublishReply {
    return this.rpc.publish(topic, event);
  }
}

/**
 * A udsipc server with the built-in handlers registered, ready to `start()`. Pass `messages` to
 * serve types of your own, with typed handlers:
 *
 *   const messages = { ...builtinMessages, add: defineMessage(AddRequest, AddReply) };
 *   await createServer({ messages }).handle('add', ({ a, b }) => ({ sum: a + b })).start();
 */
export function createServer<R extends MessageRegistry = BuiltinMessages>(
  options: CreateServerOptions<R> = {},
): UdsipcServer<R> {
  return new Server<R>(options);
}

type StreamTuning = Pick<CreateServerOptions, 'writeHighWaterBytes' | 'sendBufferBytes' | 'acceptsPerTurn'>;

/** The stream transport's tuning a caller set (unset ones keep the transport's defaults). */
function streamTuning(options: StreamTuning): StreamTuning {
  const tuning: StreamTuning = {};
  if (options.writeHighWaterBytes !== undefined) tuning.writeHighWaterBytes = options.writeHighWaterBytes;
  if (options.sendBufferBytes !== undefined) tuning.sendBufferBytes = options.sendBufferBytes;
  if (options.acceptsPerTurn !== undefined) tuning.acceptsPerTurn = options.acceptsPerTurn;
  return tuning;
}

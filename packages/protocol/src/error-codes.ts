/**
 * The one map of the stable codes udsipc throws, rejects with, replies with or counts. Each code
 * means one thing, wherever it appears (an error's `code`, an error reply's `error.code`, a
 * client's `remoteCode`, a `sendFailuresByCode` key, the first word of a CLI's stderr line), and
 * belongs to one layer. The per-class lists (PROTOCOL_ERROR_CODES, TRANSPORT_ERROR_CODES ...) are
 * derived from it, so no error class can carry a code that is missing here.
 *
 * Not listed, and never given a meaning of their own: the system's errno names (`EACCES`,
 * `ECONNREFUSED` ...), passed through as they are, and the codes a handler chooses for its own
 * `HandlerError`, which a client sees as the `remoteCode` of a REMOTE_ERROR.
 */

/**
 * What a failure is to the command-line tools: the status they exit with, and whether the code is
 * printed before the message on their one stderr line.
 */
export const FAILURE_CLASSES = {
  usage: {
    exitCode: 2,
    showsCode: false,
    meaning: 'the command line is wrong; the message alone names the flag, variable or argument at fault',
  },
  config: {
    exitCode: 2,
    showsCode: true,
    meaning: 'a configured value udsipc cannot use as given; running it again unchanged cannot help',
  },
  runtime: {
    exitCode: 1,
    showsCode: true,
    meaning: 'the work could not be done now (a socket, a request, a checkpoint); it may succeed later',
  },
  internal: {
    exitCode: 1,
    showsCode: true,
    meaning: 'not a udsipc failure at all: a bug',
  },
} as const;

export type FailureClass = keyof typeof FAILURE_CLASSES;

/** Where a code comes from: each layer is what one error class (or the wire) carries. */
export const ERROR_LAYERS = {
  protocol:
    'ProtocolError: a message that cannot be encoded, decoded or validated, or a socket path the kernel would not bind as given; servers also reply with these',
  transport:
    'TransportError and FramingError: socket files, links and sends; also why a frame was not delivered (stats.sendFailuresByCode, or retried by a client until SERVER_UNAVAILABLE)',
  request: 'RequestError: how a request ended without a successful reply',
  reply: 'error replies only a server sends; a client sees them as REMOTE_ERROR with this remoteCode',
  config: "udsipc-server's ConfigError: a flag or environment variable it cannot use",
  migrate: "udsipc-migrate's MigrateError: what it can refuse or fail at",
  cli: "the command-line tools' own usage error (udsipc-client, udsipc-migrate)",
  internal: 'toUdsipcError: anything caught that is not a udsipc error',
} as const;

export type ErrorLayer = keyof typeof ERROR_LAYERS;

export interface ErrorCodeInfo {
  readonly layer: ErrorLayer;
  readonly failure: FailureClass;
  /** One line: what the code means, the same wherever it appears. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // protocol: ProtocolError
  EMPTY: { layer: 'protocol', failure: 'runtime', meaning: 'a message or cstring record is empty' },
  TOO_LARGE: {
    layer: 'protocol',
    failure: 'runtime',
    meaning:
      'a message is over its limit (bytes for the transport, JSON values, 1023 bytes of cstring text): refused, never cut',
  },
  TOO_DEEP: { layer: 'protocol', failure: 'runtime', meaning: 'JSON nested deeper than the limit' },
  INVALID_UTF8: { layer: 'protocol', failure: 'runtime', meaning: 'a message is not valid UTF-8' },
  MALFORMED: {
    layer: 'protocol',
    failure: 'runtime',
    meaning: 'not a well-formed envelope, cstring record or batch (the message names the field)',
  },
  BAD_VERSION: { layer: 'protocol', failure: 'runtime', meaning: 'an envelope of another protocol version' },
  UNKNOWN_TYPE: {
    layer: 'protocol',
    failure: 'runtime',
    meaning: 'a message type with no schema, or on a server no handler',
  },
  INVALID_PAYLOAD: {
    layer: 'protocol',
    failure: 'runtime',
    meaning: "a request's or reply's payload fails its message type's schema",
  },
  NOT_TERMINATED: { layer: 'protocol', failure: 'runtime', meaning: 'a cstring record without its NUL byte' },
  PATH_TOO_LONG: {
    layer: 'protocol',
    failure: 'config',
    meaning: 'a socket path over 107 bytes of UTF-8 (after a relative path is resolved)',
  },
  PATH_INVALID: {
    layer: 'protocol',
    failure: 'config',
    meaning: 'a socket path that is empty or holds a NUL',
  },

  // transport: TransportError, FramingError, and why a frame was not delivered
  SOCKET_IN_USE: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'a live server is bound at the path; it is never taken over',
  },
  PATH_NOT_SOCKET: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'the path exists and is not a socket; it is never deleted',
  },
  PATH_IS_SYMLINK: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'the path is a symbolic link; it is never followed',
  },
  PARENT_MISSING: {
    layer: 'transport',
    failure: 'runtime',
    meaning: "the socket's parent directory does not exist",
  },
  PARENT_NOT_DIRECTORY: {
    layer: 'transport',
    failure: 'runtime',
    meaning: "the socket's parent is not a directory",
  },
  ACTIVATION_INVALID: {
    layer: 'transport',
    failure: 'config',
    meaning:
      'the socket-activation variables (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) do not pass exactly one socket this server can use',
  },
  ACTIVATED_SOCKET_UNUSABLE: {
    layer: 'transport',
    failure: 'config',
    meaning:
      "the descriptor passed by socket activation is not a UNIX socket of the transport's kind, bound to a path (and listening, for stream), or not at the path configured",
  },
  ACTIVATED_SOCKET_HELD: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      'a socket passed by socket activation cannot be closed and bound again (quiesce for a checkpoint): its activator holds it',
  },
  PARENT_UNSAFE: {
    layer: 'transport',
    failure: 'runtime',
    meaning: "the socket's parent directory is writable by others without the sticky bit",
  },
  PERMISSION_DENIED: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      'the system refused permission (EACCES, EPERM, EROFS) to create, replace or chmod a socket or reach its directory',
  },
  FRAME_TOO_LARGE: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      "a frame over the transport's frame limit: a stream header announcing more is refused before its body",
  },
  NOT_CONNECTED: {
    layer: 'transport',
    failure: 'runtime',
    meaning: "a client's link to the server is not (or no longer) connected; the request is retried",
  },
  TRANSPORT_CLOSED: {
    layer: 'transport',
    failure: 'runtime',
    meaning: "the transport's own socket is closed: nothing more is sent on it",
  },
  SOCKET_ERROR: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'binding the socket failed otherwise (the errno is in the message)',
  },
  INVALID_OPTION: {
    layer: 'transport',
    failure: 'config',
    meaning: 'a transport option that cannot be used (a socket mode without owner read and write ...)',
  },
  QUEUE_FULL: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      "a send queue is full: a peer's oldest queued reply is dropped, or a client's frame waits for a resend",
  },
  BROKER_UNREACHABLE: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      'the NATS server cannot be reached (a server cannot start; a client waits and resends, as for a server that is down)',
  },
  NO_RESPONDERS: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      'NATS says no udsipc server is subscribed to the subject right now (one restarting, or none started); the client resends',
  },
  EVENT_DROPPED: {
    layer: 'transport',
    failure: 'runtime',
    meaning:
      "a pushed event was dropped from a datagram peer's full send queue to make room for a reply; its subscriber counts it as missed",
  },
  PEER_CLOSED: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'the stream connection closed before its reply could be written',
  },
  UNBOUND_PEER: {
    layer: 'transport',
    failure: 'runtime',
    meaning: 'a datagram came without a sender address, so its reply cannot be sent',
  },

  // request: RequestError
  TIMEOUT: { layer: 'request', failure: 'runtime', meaning: 'no reply to any attempt of a request' },
  SERVER_UNAVAILABLE: {
    layer: 'request',
    failure: 'runtime',
    meaning: 'the server could not be reached for as long as the request would wait (no socket, refused ...)',
  },
  SERVER_NOT_TRUSTED: {
    layer: 'request',
    failure: 'runtime',
    meaning:
      'a server was there, but owned by a user or group the client does not trust; no request was sent to it',
  },
  REPLY_UNREACHABLE: {
    layer: 'request',
    failure: 'runtime',
    meaning:
      "a datagram server of another user could not reach the client's reply socket: a directory above it cannot be traversed by that user (choose another reply directory)",
  },
  CANCELLED: {
    layer: 'request',
    failure: 'runtime',
    meaning:
      "its caller cancelled the request (AbortSignal, Ctrl-C): the client stopped waiting and told the server, which does not run it (or aborts its handler's signal); a server answers a late copy with it",
  },
  ALREADY_SUBSCRIBED: {
    layer: 'request',
    failure: 'runtime',
    meaning: 'the client is subscribed to that topic already (one subscription per topic and client)',
  },
  REMOTE_ERROR: {
    layer: 'request',
    failure: 'runtime',
    meaning: "the server answered with an error reply; its code is the RequestError's remoteCode",
  },
  CLOSED: {
    layer: 'request',
    failure: 'runtime',
    meaning: 'the client was closed (a signal, close()) before the request was answered',
  },

  // reply: only in a server's error replies
  HANDLER_ERROR: {
    layer: 'reply',
    failure: 'runtime',
    meaning: 'the handler threw something other than a HandlerError (which replies with its own code)',
  },
  REPLY_TOO_LARGE: {
    layer: 'reply',
    failure: 'runtime',
    meaning: "the handler's reply is too large for the transport, so this error was sent instead",
  },
  FORBIDDEN: {
    layer: 'reply',
    failure: 'runtime',
    meaning:
      "the caller (as the kernel names it) is not allowed to send this type by the server's access policy; it was not run",
  },
  DEADLINE_EXCEEDED: {
    layer: 'reply',
    failure: 'runtime',
    meaning:
      "the request's deadline had passed when the server came to it (its client had stopped waiting): it was not run",
  },
  STALE_REQUEST: {
    layer: 'reply',
    failure: 'runtime',
    meaning: "a copy of a request from below its client's watermark: it is never run again",
  },

  // config: udsipc-server's ConfigError
  UNKNOWN_OPTION: { layer: 'config', failure: 'usage', meaning: 'an option udsipc-server does not know' },
  MISSING_VALUE: { layer: 'config', failure: 'usage', meaning: 'an option given without its value' },
  UNEXPECTED_ARGUMENT: {
    layer: 'config',
    failure: 'usage',
    meaning: 'a positional argument, which udsipc-server takes none of',
  },
  INVALID_VALUE: {
    layer: 'config',
    failure: 'usage',
    meaning: 'a flag or environment variable with a value it cannot take',
  },

  // migrate: udsipc-migrate's MigrateError
  CRIU_MISSING: { layer: 'migrate', failure: 'runtime', meaning: 'criu is not installed' },
  CRIU_CHECK_FAILED: { layer: 'migrate', failure: 'runtime', meaning: '`criu check` fails on this system' },
  NO_SUCH_PROCESS: { layer: 'migrate', failure: 'runtime', meaning: 'no process has the given pid' },
  NOT_UDSIPC_SERVER: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: 'the process is not a udsipc-server, or not one that is serving',
  },
  SOCKET_ACTIVATED: {
    layer: 'migrate',
    failure: 'runtime',
    meaning:
      'the server serves a socket passed by its activator (systemd), which criu cannot checkpoint with it; restart it instead, queued requests wait in the socket',
  },
  QUIESCE_TIMEOUT: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: 'the server still held its sockets when the quiesce time ran out; nothing was checkpointed',
  },
  DUMP_FAILED: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: "criu dump failed (criu's reason in the message)",
  },
  NO_CHECKPOINT: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: 'the directory holds no usable checkpoint record',
  },
  RESTORE_FAILED: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: "criu restore failed, or the checkpoint's pid is still running",
  },
  NOT_ANSWERING: {
    layer: 'migrate',
    failure: 'runtime',
    meaning: 'the restored server did not answer a ping in time',
  },

  // cli: the command-line tools' own
  USAGE: {
    layer: 'cli',
    failure: 'usage',
    meaning: 'a bad command, flag, value or combination of them (the message says which)',
  },

  // internal: toUdsipcError
  INTERNAL: {
    layer: 'internal',
    failure: 'internal',
    meaning: 'something that is not a udsipc error was thrown: a bug; the original is the cause',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of some layers, as a type: `ErrorCodeOf<'protocol'>` is ProtocolErrorCode. */
export type ErrorCodeOf<L extends ErrorLayer> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['layer'] extends L ? C : never;
}[ErrorCode];

/** The codes of the given layers, in the map's order: the source of every per-class list. */
export function codesOf<L extends ErrorLayer>(...layers: L[]): readonly ErrorCodeOf<L>[] {
  const wanted = new Set<ErrorLayer>(layers);
  return Object.freeze(
    (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => wanted.has(ERROR_CODES[code].layer)),
  ) as readonly ErrorCodeOf<L>[];
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** An errno name as node reports it (`EACCES`, `ECONNREFUSED` ...); checked after the map, where EMPTY is. */
const ERRNO_NAME = /^E[A-Z0-9]+$/;

/** @internal for toUdsipcError */
export function isErrnoName(code: unknown): code is string {
  return typeof code === 'string' && ERRNO_NAME.test(code);
}

/** The errno names that mean PERMISSION_DENIED: the system refused, whoever asked. */
export const PERMISSION_ERRNOS: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EROFS']);

export interface CodeDescription {
  code: string;
  /** `system`: an errno name; `foreign`: a code udsipc does not define (a handler's own, or a newer version's). */
  layer: ErrorLayer | 'system' | 'foreign';
  failure: FailureClass;
  exitCode: 1 | 2;
  /** Whether a CLI prints the code before the message on its stderr line. */
  showsCode: boolean;
  meaning: string;
}

/**
 * Any code, described: one of the map's, an errno name, or another (a handler's own code). Codes
 * outside the map are runtime failures, printed with their code.
 */
export function describeCode(code: string): CodeDescription {
  if (isErrorCode(code)) {
    const { layer, failure, meaning } = ERROR_CODES[code];
    const { exitCode, showsCode } = FAILURE_CLASSES[failure];
    return { code, layer, failure, exitCode, showsCode, meaning };
  }
  const system = ERRNO_NAME.test(code);
  return {
    code,
    layer: system ? 'system' : 'foreign',
    failure: 'runtime',
    exitCode: FAILURE_CLASSES.runtime.exitCode,
    showsCode: FAILURE_CLASSES.runtime.showsCode,
    meaning: system ? 'a system error (errno name)' : "a code udsipc does not define (a handler's own)",
  };
}

export function failureClassOf(code: string): FailureClass {
  return isErrorCode(code) ? ERROR_CODES[code].failure : 'runtime';
}

/** The status a command-line tool exits with for a failure with this code. */
export function exitCodeOf(code: string): 1 | 2 {
  return FAILURE_CLASSES[failureClassOf(code)].exitCode;
}

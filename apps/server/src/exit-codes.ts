import { describeCode, FAILURE_CLASSES, toUdsipcError } from '@udsipc/protocol';

/** Exit statuses other tools (systemd, scripts, the tests) rely on. */
export const ExitCode = {
  /** Stopped by SIGTERM or SIGINT after answering what was in flight. */
  OK: 0,
  /** Could not serve: the path is taken by a live server, permission denied, unsafe parent ... */
  RUNTIME: FAILURE_CLASSES.runtime.exitCode,
  /** The command line or environment is wrong; running it again unchanged cannot help. */
  USAGE: FAILURE_CLASSES.usage.exitCode,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface Failure {
  exitCode: ExitCodeValue;
  /** The stable code printed before the message (a TransportError code, PATH_TOO_LONG ...), if any. */
  code: string | undefined;
  message: string;
}

/**
 * Sorts a failure by its code alone, as ERROR_CODES classes it: usage or configuration (2) or
 * runtime (1), with the code and message for the one stderr line. Raw system errors (the socket
 * checks let lstat's or unlink's through; their messages name the path) are normalized first:
 * EACCES, EPERM and EROFS as PERMISSION_DENIED, others by their errno name; anything else is INTERNAL.
 */
export function classifyFailure(error: unknown): Failure {
  const failure = toUdsipcError(error);
  const { exitCode, showsCode } = describeCode(failure.code);
  return { exitCode, code: showsCode ? failure.code : undefined, message: failure.message };
}

/**
 * The one line on stderr: `udsipc-server: [CODE: ]message`, newlines folded so it stays one line;
 * the code is not repeated when the message starts with it already (a system error's `ENOENT: ...`).
 */
export function failureLine(program: string, failure: Failure): string {
  const { code, message } = failure;
  const text = code === undefined || message.startsWith(`${code}: `) ? message : `${code}: ${message}`;
  return `${program}: ${text.replace(/\s*\n\s*/g, ' ')}\n`;
}

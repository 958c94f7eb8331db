import { TransportError } from '@udsipc/node';
import { isProtocolError } from '@udsipc/protocol';
import { ConfigError } from './config-error.js';

/** Exit statuses other tools (systemd, scripts, the tests) rely on. */
export const ExitCode = {
  /** Stopped by SIGTERM or SIGINT after answering what was in flight. */
  OK: 0,
  /** Could not serve: the path is taken by a live server, permission denied, unsafe parent ... */
  RUNTIME: 1,
  /** The command line or environment is wrong; running it again unchanged cannot help. */
  USAGE: 2,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface Failure {
  exitCode: ExitCodeValue;
  /** The stable code printed before the message (a TransportError code, PATH_TOO_LONG ...), if any. */
  code: string | undefined;
  message: string;
}

const PERMISSION_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS']);

function systemErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** Sorts a failure into usage (2) or runtime (1), with the code and message for the one stderr line. */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof ConfigError)
    return { exitCode: ExitCode.USAGE, code: undefined, message: error.message };
  if (isProtocolError(error)) {
    // Only path validation reaches here; a path that cannot be bound as given is configuration.
    return { exitCode: ExitCode.USAGE, code: error.code, message: error.message };
  }
  if (error instanceof TransportError) {
    const exitCode = error.code === 'INVALID_OPTION' ? ExitCode.USAGE : ExitCode.RUNTIME;
    return { exitCode, code: error.code, message: error.message };
  }
  // The socket-file checks let raw fs errors through (lstat or unlink of the path); their messages name the path.
  const errno = systemErrorCode(error);
  if (errno !== undefined) {
    const code = PERMISSION_ERRNOS.has(errno) ? 'PERMISSION_DENIED' : errno;
    return { exitCode: ExitCode.RUNTIME, code, message: (error as Error).message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: ExitCode.RUNTIME, code: 'INTERNAL', message };
}

/** The one line on stderr: `udsipc-server: [CODE: ]message`, newlines folded so it stays one line. */
export function failureLine(program: string, failure: Failure): string {
  const text = failure.code === undefined ? failure.message : `${failure.code}: ${failure.message}`;
  return `${program}: ${text.replace(/\s*\n\s*/g, ' ')}\n`;
}

import { RequestError, TransportError } from '@udsipc/node';
import { isProtocolError, UdsipcError } from '@udsipc/protocol';

/** A bad flag, environment variable or combination of them: exit code 2. */
export class UsageError extends UdsipcError<'USAGE'> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** How a request failed, as scripts read it: a stable code first, then a human message. */
export interface Failure {
  /** `TIMEOUT`, `SERVER_UNAVAILABLE`, `REMOTE_ERROR`, `CLOSED`, or a protocol code such as `TOO_LARGE`. */
  code: string;
  /** For REMOTE_ERROR: the server's own code (`INVALID_PAYLOAD`, `HANDLER_ERROR` ...). */
  remoteCode?: string;
  message: string;
  attempts?: number;
}

/**
 * Turns whatever a request rejected with into a Failure. Anything that is not one of the typed
 * errors the transport documents is a bug, and is rethrown so it is not reported as a request failure.
 */
export function describeFailure(error: unknown): Failure {
  if (error instanceof RequestError) {
    if (error.code === 'REMOTE_ERROR' && error.remoteCode !== undefined) {
      // The RequestError message is already `CODE: text`; keep only the text after the remote code.
      const prefix = `${error.remoteCode}: `;
      const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      return { code: error.code, remoteCode: error.remoteCode, message, attempts: error.attempts };
    }
    return { code: error.code, message: error.message, attempts: error.attempts };
  }
  if (isProtocolError(error) || error instanceof TransportError) {
    return { code: error.code, message: error.message };
  }
  throw error;
}

/** The one stderr line of a failed request: `TIMEOUT: ...`, `REMOTE_ERROR INVALID_PAYLOAD: ...`. */
export function failureLine(failure: Failure): string {
  const code = failure.remoteCode ? `${failure.code} ${failure.remoteCode}` : failure.code;
  return `${code}: ${failure.message}`;
}

/** The same failure as a JSON value, for `--json` lines. */
export function failureJson(failure: Failure): { code: string; remoteCode?: string; message: string } {
  return failure.remoteCode
    ? { code: failure.code, remoteCode: failure.remoteCode, message: failure.message }
    : { code: failure.code, message: failure.message };
}

/** The id and attempt count a failed request carried; none when it was refused before sending. */
export function requestOf(error: unknown): { id: string | undefined; attempts: number } {
  if (error instanceof RequestError) return { id: error.requestId || undefined, attempts: error.attempts };
  if (isProtocolError(error) && error.requestId !== undefined) return { id: error.requestId, attempts: 1 };
  return { id: undefined, attempts: 0 };
}

import { failureClassOf, toUdsipcError, UdsipcError } from '@udsipc/protocol';

/** A bad flag, environment variable or combination of them: USAGE, exit code 2. */
export class UsageError extends UdsipcError<'USAGE'> {
  override readonly name = 'UsageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('USAGE', message, options);
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

/** A field some UdsipcErrors carry (RequestError's `attempts`, `remoteCode`, `requestId` ...), read by name. */
function fieldOf(error: UdsipcError, name: string): unknown {
  return (error as unknown as Record<string, unknown>)[name];
}

function stringField(error: UdsipcError, name: string): string | undefined {
  const value = fieldOf(error, name);
  return typeof value === 'string' ? value : undefined;
}

function numberField(error: UdsipcError, name: string): number | undefined {
  const value = fieldOf(error, name);
  return typeof value === 'number' ? value : undefined;
}

/**
 * Turns whatever a request rejected with into a Failure, by its code. A usage error is not a
 * request failure, and anything that is not a udsipc error (INTERNAL) is a bug: both are rethrown,
 * for main to report as such.
 */
export function describeFailure(error: unknown): Failure {
  const failure = toUdsipcError(error);
  const failureClass = failureClassOf(failure.code);
  if (failureClass === 'usage' || failureClass === 'internal') throw error;
  const { code } = failure;
  const attempts = numberField(failure, 'attempts');
  const counted = attempts === undefined ? {} : { attempts };
  const remoteCode = code === 'REMOTE_ERROR' ? stringField(failure, 'remoteCode') : undefined;
  if (remoteCode !== undefined) {
    // The REMOTE_ERROR message is already `CODE: text`; keep only the text after the remote code.
    const prefix = `${remoteCode}: `;
    const message = failure.message.startsWith(prefix)
      ? failure.message.slice(prefix.length)
      : failure.message;
    return { code, remoteCode, message, ...counted };
  }
  return { code, message: failure.message, ...counted };
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

/**
 * The id and attempt count a failed request carried; none when it was refused before sending. A
 * RequestError carries both; a reply that failed its schema carries the id of its one attempt.
 */
export function requestOf(error: unknown): { id: string | undefined; attempts: number } {
  const failure = toUdsipcError(error);
  const id = stringField(failure, 'requestId') || undefined;
  const attempts = numberField(failure, 'attempts');
  if (attempts !== undefined) return { id, attempts };
  return id === undefined ? { id: undefined, attempts: 0 } : { id, attempts: 1 };
}

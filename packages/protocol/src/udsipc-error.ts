import { isErrnoName, PERMISSION_ERRNOS } from './error-codes.js';

/**
 * The one base of every error udsipc throws or rejects with: a stable, upper-case `code` that
 * scripts and exit codes rely on (each one listed, with its meaning, in ERROR_CODES), a human
 * `message`, and the `cause` when another error lies behind it. Each layer keeps its own subclass
 * (ProtocolError, TransportError, RequestError ...) for the fields only it has; callers that need
 * no more than the code catch this one.
 */
export class UdsipcError<C extends string = string> extends Error {
  override name = 'UdsipcError';
  readonly code: C;

  constructor(code: C, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isUdsipcError(value: unknown): value is UdsipcError {
  return value instanceof UdsipcError;
}

/**
 * Anything caught, as a UdsipcError: udsipc's own errors as they are (the same object, stack and
 * fields intact); a system error (`code` an errno name, as node's fs and net calls throw) with its
 * message and `PERMISSION_DENIED` for EACCES, EPERM and EROFS, else its errno name as the code;
 * anything else as `INTERNAL` with its message. The original is kept as `cause`.
 */
export function toUdsipcError(value: unknown): UdsipcError {
  if (value instanceof UdsipcError) return value;
  if (value instanceof Error) {
    const errno = (value as NodeJS.ErrnoException).code;
    if (isErrnoName(errno)) {
      const code = PERMISSION_ERRNOS.has(errno) ? 'PERMISSION_DENIED' : errno;
      return new UdsipcError(code, value.message, { cause: value });
    }
  }
  const message = value instanceof Error ? value.message : String(value);
  return new UdsipcError('INTERNAL', message, { cause: value });
}

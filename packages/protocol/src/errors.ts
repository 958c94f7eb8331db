import { codesOf, type ErrorCodeOf } from './error-codes.js';
import { UdsipcError } from './udsipc-error.js';

/**
 * Stable codes for every way a message can fail to decode or validate, and a socket path to be
 * bound as given: the `protocol` layer of ERROR_CODES. Other tools match on these.
 */
export const PROTOCOL_ERROR_CODES = codesOf('protocol');

export type ProtocolErrorCode = ErrorCodeOf<'protocol'>;

export interface ProtocolErrorDetails {
  /** The envelope or payload field at fault, as a dotted path (e.g. `payload.text`). */
  field?: string;
  /** The request id, when it could be read: a server uses it to address its error reply. */
  requestId?: string;
  /** The error behind this one, if any. */
  cause?: unknown;
}

/** The one error type that decoding and validation throw; never a raw ZodError or SyntaxError. */
export class ProtocolError extends UdsipcError<ProtocolErrorCode> {
  override readonly name = 'ProtocolError';
  readonly field: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, details: ProtocolErrorDetails = {}) {
    super(code, message, { cause: details.cause });
    this.field = details.field;
    this.requestId = details.requestId;
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}

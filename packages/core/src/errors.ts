import { codesOf, type ErrorCodeOf, UdsipcError } from '@udsipc/protocol';

/**
 * Stable codes for transport failures: socket files, links and sends, and why a frame was not
 * delivered. The `transport` layer of ERROR_CODES (in @udsipc/protocol), with each code's meaning.
 * Other tools match on these.
 */
export const TRANSPORT_ERROR_CODES = codesOf('transport');

export type TransportErrorCode = ErrorCodeOf<'transport'>;

export class TransportError extends UdsipcError<TransportErrorCode> {
  override readonly name = 'TransportError';
  readonly path: string | undefined;
  /** The system error name behind this one (`EACCES`, `ECONNREFUSED` ...), when there is one. */
  readonly errno: string | undefined;

  constructor(code: TransportErrorCode, message: string, details: { path?: string; errno?: string } = {}) {
    super(code, message);
    this.path = details.path;
    this.errno = details.errno;
  }
}

/** How a request ended without a successful reply: the `request` layer of ERROR_CODES. */
export const REQUEST_ERROR_CODES = codesOf('request');
export type RequestErrorCode = ErrorCodeOf<'request'>;

export class RequestError extends UdsipcError<RequestErrorCode> {
  override readonly name = 'RequestError';
  /** For REMOTE_ERROR: the code the server replied with (a ProtocolError code or a handler's own). */
  readonly remoteCode: string | undefined;
  readonly requestId: string;
  readonly attempts: number;

  constructor(
    code: RequestErrorCode,
    message: string,
    details: { requestId: string; attempts: number; remoteCode?: string },
  ) {
    super(code, message);
    this.requestId = details.requestId;
    this.attempts = details.attempts;
    this.remoteCode = details.remoteCode;
  }
}

/**
 * Thrown by handlers to reply with a chosen error code instead of the generic HANDLER_ERROR. The
 * code is the handler's own (a client sees it as `remoteCode`); one of ERROR_CODES keeps the
 * meaning it has there.
 */
export class HandlerError extends UdsipcError {
  override readonly name = 'HandlerError';
}

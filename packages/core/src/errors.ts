import { UdsipcError } from '@udsipc/protocol';

/** Stable codes for transport failures: socket files, links and sends. Other tools match on these. */
export const TRANSPORT_ERROR_CODES = [
  'SOCKET_IN_USE',
  'PATH_NOT_SOCKET',
  'PATH_IS_SYMLINK',
  'PARENT_MISSING',
  'PARENT_NOT_DIRECTORY',
  'PARENT_UNSAFE',
  'PERMISSION_DENIED',
  'TOO_LARGE',
  'NOT_CONNECTED',
  'CLOSED',
  'SOCKET_ERROR',
  'INVALID_OPTION',
] as const;

export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

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

/** How a request ended without a successful reply. */
export const REQUEST_ERROR_CODES = ['TIMEOUT', 'SERVER_UNAVAILABLE', 'REMOTE_ERROR', 'CLOSED'] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

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

/** Thrown by handlers to reply with a chosen error code instead of the generic HANDLER_ERROR. */
export class HandlerError extends UdsipcError {
  override readonly name = 'HandlerError';
}

import { randomBytes } from 'node:crypto';

/** A random client id: with a per-client counter it makes request ids unique across clients and restarts. */
export function createClientId(): string {
  return randomBytes(8).toString('base64url');
}

/** Request ids are `clientId:counter`, so a server can tell resends (same id) from new requests. */
export function createRequestIdGenerator(clientId: string = createClientId()): () => string {
  let counter = 0;
  return () => {
    counter++;
    return `${clientId}:${counter.toString(36)}`;
  };
}

/** The client part of a request id, used to bound a server's memory per client. */
export function clientIdOf(requestId: string): string {
  return parseRequestId(requestId).clientId;
}

/**
 * The counter part of a udsipc request id (`clientId:counter`, base 36), or undefined for an id
 * of another shape: such ids are remembered by count alone, never by watermark.
 */
export function requestCounterOf(requestId: string): number | undefined {
  return parseRequestId(requestId).counter;
}

/**
 * Both parts of a request id in one pass, for a server that needs both on every request: the
 * client part (the whole id when it has no `:`) and the counter (undefined unless base 36 digits).
 */
export function parseRequestId(requestId: string): { clientId: string; counter: number | undefined } {
  const separator = requestId.lastIndexOf(':');
  if (separator === -1) return { clientId: requestId, counter: undefined };
  const digits = requestId.slice(separator + 1);
  const counter =
    digits.length > 0 && digits.length <= 10 && /^[0-9a-z]+$/.test(digits)
      ? Number.parseInt(digits, 36)
      : undefined;
  return { clientId: requestId.slice(0, separator), counter };
}

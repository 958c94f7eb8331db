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
  const separator = requestId.lastIndexOf(':');
  return separator === -1 ? requestId : requestId.slice(0, separator);
}

/**
 * The counter part of a udsipc request id (`clientId:counter`, base 36), or undefined for an id
 * of another shape: such ids are remembered by count alone, never by watermark.
 */
export function requestCounterOf(requestId: string): number | undefined {
  const separator = requestId.lastIndexOf(':');
  const digits = requestId.slice(separator + 1);
  if (separator === -1 || digits.length === 0 || digits.length > 10 || !/^[0-9a-z]+$/.test(digits)) {
    return undefined;
  }
  return Number.parseInt(digits, 36);
}

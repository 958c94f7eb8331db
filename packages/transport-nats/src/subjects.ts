import { TransportError } from '@udsipc/core/transport';

/** Where a NATS server is looked for unless told otherwise: this host's default port. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** The service whose subject is used unless told otherwise. */
export const DEFAULT_SERVICE = 'udsipc';
/**
 * The queue group every udsipc server of a subject joins: NATS hands each request to one member,
 * so several servers on one subject share the load and one that stops leaves the others serving.
 */
export const QUEUE_GROUP = 'udsipc';

/** A service's request subject: `udsipc.<service>.rpc`. */
export function subjectForService(service: string): string {
  return validateSubject(`udsipc.${service}.rpc`, 'subject derived from the service name');
}

/**
 * A subject NATS routes as one literal name: dot-separated tokens of printable ASCII, no
 * wildcards (`*`, `>`), no whitespace, at most 256 bytes. A server subscribing to a wildcard
 * would answer requests meant for other services.
 */
export function validateSubject(subject: string, what = 'NATS subject'): string {
  const tokens = subject.split('.');
  const bad =
    subject.length === 0 ||
    subject.length > 256 ||
    tokens.some((token) => token.length === 0 || token === '*' || token === '>' || !/^[!-~]+$/.test(token));
  if (bad) {
    throw new TransportError(
      'INVALID_OPTION',
      `${what} ${JSON.stringify(subject)} is not a literal NATS subject (dot-separated tokens of printable ASCII, no wildcards, at most 256 characters)`,
    );
  }
  return subject;
}

/** A NATS URL as nats.js takes it: nats://host:port (or tls://, ws:// ...). */
export function validateNatsUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportError(
      'INVALID_OPTION',
      `NATS URL ${JSON.stringify(url)} is not a URL (nats://host:port)`,
    );
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new TransportError('INVALID_OPTION', `NATS URL ${JSON.stringify(url)} must be nats://host:port`);
  }
  return url;
}

/**
 * The NATS mapping's names (see the README's "Over NATS"): where a NATS server is looked for, the
 * subject a service's requests go to and the queue group its servers share. Part of the contract,
 * like socket paths: a non-Node client derives the same subject from the same service name. The
 * checks return the reason a value is refused, so each layer raises it as its own error (the
 * adapter a TransportError, a CLI the flag's usage error).
 */

/** Where a NATS server is looked for unless told otherwise: this host's default port. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** The service whose subject is used unless told otherwise. */
export const DEFAULT_SERVICE = 'udsipc';
/** What a service name may hold: one subject token of letters, digits, `_` and `-`. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
/**
 * The queue group every udsipc server of a subject joins: NATS hands each request to one member,
 * so several servers on one subject share the load and one that stops leaves the others serving.
 */
export const QUEUE_GROUP = 'udsipc';
/** NATS's own bound on a subject's length, in characters. */
const MAX_SUBJECT_LENGTH = 256;

/** A service's request subject: `udsipc.<service>.rpc` (unchecked; see natsSubjectProblem). */
export function serviceSubject(service: string): string {
  return `udsipc.${service}.rpc`;
}

/**
 * Why `subject` is not a literal NATS subject, or undefined when it is one: dot-separated tokens
 * of printable ASCII, no wildcards (`*`, `>`), no whitespace, at most 256 characters. A server
 * subscribing to a wildcard would answer requests meant for other services.
 */
export function natsSubjectProblem(subject: string, what = 'NATS subject'): string | undefined {
  const tokens = subject.split('.');
  const bad =
    subject.length === 0 ||
    subject.length > MAX_SUBJECT_LENGTH ||
    tokens.some((token) => token.length === 0 || token === '*' || token === '>' || !/^[!-~]+$/.test(token));
  if (!bad) return undefined;
  return `${what} ${JSON.stringify(subject)} is not a literal NATS subject (dot-separated tokens of printable ASCII, no wildcards, at most ${MAX_SUBJECT_LENGTH} characters)`;
}

/** Why `url` is not a NATS URL as nats.js takes it (nats://host:port, or tls://, ws://, wss://), or undefined. */
export function natsUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `NATS URL ${JSON.stringify(url)} is not a URL (nats://host:port)`;
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol) || parsed.hostname === '') {
    return `NATS URL ${JSON.stringify(url)} must be nats://host:port`;
  }
  return undefined;
}

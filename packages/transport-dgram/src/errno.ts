import { constants } from 'node:os';

const namesByNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!namesByNumber.has(value)) namesByNumber.set(value, name);
}

/** unix-dgram reports failures as negative errno numbers; this gives them their names (`-111` is `ECONNREFUSED`). */
export function errnoName(code: unknown): string {
  if (typeof code === 'string') return code;
  if (typeof code !== 'number') return 'EUNKNOWN';
  return namesByNumber.get(Math.abs(code)) ?? `E${Math.abs(code)}`;
}

/** Errors meaning nobody is bound at the destination: the peer is gone or not started yet. */
export const PEER_GONE_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ENOTCONN',
  'ECONNRESET',
  'EPIPE',
]);

/** Errors meaning the destination's receive queue is full: wait, then send again. */
export const BACKPRESSURE_ERRNOS: ReadonlySet<string> = new Set(['EAGAIN', 'EWOULDBLOCK', 'ENOBUFS']);

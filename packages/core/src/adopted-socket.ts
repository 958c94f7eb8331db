import { TransportError } from './errors.js';
import type { ServerSocketSource } from './transport.js';

/** What the kernel says a descriptor is (the adapters ask it through @udsipc/sys), or an errno name. */
export type DescriptorFacts =
  | {
      readonly kind: 'stream' | 'dgram' | 'other';
      readonly path: string | undefined;
      readonly listening: boolean;
    }
  | string;

/**
 * Checks a descriptor passed by socket activation before an adapter serves it, and returns the path
 * it is bound at. Refused (ACTIVATED_SOCKET_UNUSABLE), with what it is instead: a descriptor that
 * is not open or not a socket, a socket of the other kind (a .socket unit with ListenDatagram= for a
 * stream server), one bound to no path (an abstract or unbound socket has no file whose mode and
 * owner clients can check), a stream socket not listening, or one bound elsewhere than `expected`.
 */
export function adoptedSocketPath(
  facts: DescriptorFacts,
  fd: number,
  kind: 'stream' | 'dgram',
  expected: string | undefined,
): string {
  const refuse = (why: string): never => {
    throw new TransportError('ACTIVATED_SOCKET_UNUSABLE', `activated socket (fd ${fd}): ${why}`, {
      ...(expected ? { path: expected } : {}),
      ...(typeof facts === 'string' ? { errno: facts } : {}),
    });
  };
  if (typeof facts === 'string') return refuse(`cannot be used (${facts})`);
  const wanted = kind === 'stream' ? 'ListenStream=' : 'ListenDatagram=';
  if (facts.kind !== kind) return refuse(`is a ${facts.kind} socket; a ${kind} server needs ${wanted}`);
  if (facts.path === undefined) return refuse('is not bound to a filesystem path');
  if (kind === 'stream' && !facts.listening) return refuse('is a stream socket that is not listening');
  if (expected !== undefined && facts.path !== expected) {
    return refuse(`is bound at ${facts.path}, not at the configured ${expected}`);
  }
  return facts.path;
}

/**
 * Where an adapter's server socket comes from, resolved once for both adapters: the path to bind,
 * or an activated descriptor checked with `describe` (the adapter's way to ask the kernel) and the
 * path it is bound at.
 */
export function resolveSocketSource(
  source: ServerSocketSource,
  kind: 'stream' | 'dgram',
  describe: (fd: number) => DescriptorFacts,
): { path: string; listenFd: number | undefined } {
  if (source.listenFd === undefined) return { path: source.path, listenFd: undefined };
  const { listenFd } = source;
  return { path: adoptedSocketPath(describe(listenFd), listenFd, kind, source.path), listenFd };
}

/** Why an adopted socket cannot be quiesced: closing it would lose it for good. */
export function activatedSocketHeld(path: string): TransportError {
  return new TransportError(
    'ACTIVATED_SOCKET_HELD',
    `${path}: the socket was passed by its activator and cannot be closed and bound again; restart the server instead (requests wait in the socket meanwhile)`,
    { path },
  );
}

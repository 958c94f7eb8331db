import type { RequestTrace, RpcServerEvent, TransportEvent } from '@udsipc/core';
import type { ServerLogger } from './server-logger.js';
import { DEFAULT_WARN_LIMITS, WarnLimiter, type WarnLimits } from './warn-limiter.js';

/** Turns what the request/reply layer and the transport report into log lines. */
export interface EventLog {
  readonly rpc: (event: RpcServerEvent) => void;
  /** One debug line per request; undefined unless debug is enabled, so requests are not even traced. */
  readonly request: ((request: RequestTrace) => void) | undefined;
  readonly transport: (event: TransportEvent) => void;
  /** Writes the summaries of warnings still held back. */
  close(): void;
}

export function createEventLog(logger: ServerLogger, limits: WarnLimits = DEFAULT_WARN_LIMITS): EventLog {
  const limiter = new WarnLimiter(
    (kind, suppressed, windowMs) =>
      logger.warn({ event: kind, suppressed, windowMs }, `${suppressed} more ${kind} warnings not logged`),
    limits,
  );
  const warn = (kind: string, fields: Record<string, unknown>, message: string): void => {
    if (limiter.allow(kind)) logger.warn({ event: kind, ...fields }, message);
  };
  // Decided once: at the default level a request is not traced at all.
  const request = logger.isLevelEnabled('debug')
    ? (trace: RequestTrace) =>
        logger.debug(
          {
            event: 'request',
            id: trace.id,
            type: trace.messageType,
            peer: trace.peer,
            wire: trace.wire,
            // Who sent it, from the kernel; absent when unknown.
            ...(trace.caller ? { callerUid: trace.caller.uid, callerGid: trace.caller.gid } : {}),
            ...(trace.caller?.pid === undefined ? {} : { callerPid: trace.caller.pid }),
          },
          'request',
        )
    : undefined;

  const rpc = (event: RpcServerEvent): void => {
    switch (event.type) {
      case 'protocol-error':
        warn('protocol-error', { code: event.code, peer: event.peer, reason: event.message }, 'bad request');
        return;
      case 'handler-error':
        warn(
          'handler-error',
          { id: event.id, type: event.messageType, code: event.code, reason: event.message },
          'handler failed',
        );
        return;
      case 'send-failure':
        warn('send-failure', { peer: event.peer, code: event.code }, 'reply not delivered');
        return;
      case 'forbidden':
        warn(
          'forbidden',
          {
            id: event.id,
            type: event.messageType,
            peer: event.peer,
            ...(event.caller ? { callerUid: event.caller.uid, callerGid: event.caller.gid } : {}),
          },
          'request refused: caller not allowed',
        );
        return;
    }
  };

  const transport = (event: TransportEvent): void => {
    switch (event.type) {
      case 'connection-refused':
        warn('connection-refused', { reason: event.reason, limit: event.limit }, 'connection refused');
        return;
      case 'framing-error':
        warn(
          'framing-error',
          { peer: event.peer, reason: event.message },
          'framing error, connection closed',
        );
        return;
      case 'idle-timeout':
        warn(
          'idle-timeout',
          { peer: event.peer, pendingBytes: event.pendingBytes },
          'half a frame held too long, connection closed',
        );
        return;
      case 'socket-error':
        warn('socket-error', { peer: event.peer, code: event.code }, 'socket error');
        return;
      case 'link-down':
        warn('link-down', { url: event.url }, 'link to the broker lost: reconnecting');
        return;
      case 'link-up':
        logger.info({ event: 'link-up', url: event.url }, 'link to the broker back: serving');
        return;
      case 'send-buffer':
        // Said only when it matters: a buffer the kernel held down.
        if (!event.raised) {
          warn(
            'send-buffer',
            { socket: event.socket, bytes: event.bytes, ...(event.reason ? { reason: event.reason } : {}) },
            event.socket === 'dgram'
              ? 'datagram send buffer left small (net.core.wmem_max, no CAP_NET_ADMIN): a client that stops reading can stall replies to every client; raise net.core.wmem_max to 16777216'
              : 'stream send buffers left small (net.core.wmem_max, no CAP_NET_ADMIN): a large message waits for its reader to take each part; raise net.core.wmem_max to 1048576',
          );
        }
        return;
      case 'unbound-sender':
        warn(
          'unbound-sender',
          {},
          'datagram with no sender address (an unbound sender, or queued when criu checkpointed the socket): it cannot be answered',
        );
        return;
    }
  };

  return { rpc, request, transport, close: () => limiter.close() };
}

import type { Handler } from '@udsipc/core';
import { ACK_TEXT, type BuiltinMessages, type StatsReply } from '@udsipc/protocol';

/** What the built-in handlers read from the running server. */
export interface BuiltinHandlerContext {
  uptimeMs(): number;
  stats(): StatsReply;
}

/**
 * One handler per built-in type, but those the request/reply layer answers itself: `cancel`,
 * `describe` and server push (`subscribe`, `unsubscribe`, `publish`).
 */
export type BuiltinHandlers = {
  [T in Exclude<
    keyof BuiltinMessages,
    'cancel' | 'describe' | 'subscribe' | 'unsubscribe' | 'publish'
  >]: Handler<BuiltinMessages, T>;
};

/** ack, echo, ping and stats: the types every udsipc server answers (and `cancel`, in RpcServer). */
export function builtinHandlers(server: BuiltinHandlerContext): BuiltinHandlers {
  return {
    // The seed server's answer, whatever it was sent.
    ack: () => ({ text: ACK_TEXT }),
    echo: (payload) =>
      payload.data === undefined ? { text: payload.text } : { text: payload.text, data: payload.data },
    ping: () => ({ serverTime: Date.now(), uptimeMs: server.uptimeMs(), pid: process.pid }),
    stats: () => server.stats(),
  };
}

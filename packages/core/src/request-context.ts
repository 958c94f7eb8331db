import type { WireFormat } from '@udsipc/protocol';
import type { Caller } from './caller.js';
import type { ServerPeer } from './transport.js';

/** What a handler is told about the request it runs. */
export interface RequestContext {
  readonly id: string;
  readonly type: string;
  readonly peer: string;
  readonly wire: WireFormat;
  /** Who sent it (uid, gid, and for stream the pid), from the kernel; undefined when unknown. */
  readonly caller: Caller | undefined;
  /** When its client stops waiting (ms since the epoch), or undefined when it said nothing. */
  readonly deadline: number | undefined;
  /**
   * Aborted when the deadline passes (reason: an Error with code DEADLINE_EXCEEDED) or the client
   * cancels the request (code CANCELLED): hand it to
   * whatever the handler waits on, so work nobody waits for any more stops.
   */
  readonly signal: AbortSignal;
}

/**
 * The context of one running request. Its AbortSignal and the timer behind it are made only when a
 * handler reads `signal`: most handlers never do, and an AbortController and a timer per request
 * would cost every request of a pipeline.
 */
export class HandlerContext implements RequestContext {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly peer: string,
    readonly wire: WireFormat,
    readonly caller: Caller | undefined,
    readonly deadline: number | undefined,
    /** The request/reply layer's own: where it came from, for `subscribe` (not on RequestContext). */
    readonly origin: ServerPeer,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.deadline !== undefined) {
        const expire = () => this.controller?.abort(deadlineExceeded(this.id));
        const remaining = this.deadline - Date.now();
        if (remaining <= 0) expire();
        else this.timer = setTimeout(expire, remaining);
      }
    }
    return this.controller.signal;
  }

  /** Its client cancelled it: the signal aborts (reason code CANCELLED), whether or not it was read yet. */
  cancel(): void {
    this.settle();
    this.controller ??= new AbortController();
    if (this.controller.signal.aborted) return;
    this.controller.abort(reasonWithCode(`request ${this.id}: cancelled by its client`, 'CANCELLED'));
  }

  /** The handler is done: its deadline timer, if any, is no longer needed. */
  settle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function deadlineExceeded(id: string): Error {
  return reasonWithCode(`request ${id}: its deadline passed`, 'DEADLINE_EXCEEDED');
}

function reasonWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

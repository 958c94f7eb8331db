/**
 * SIGINT/SIGTERM as two stages. The first asks a command to stop starting new requests and to
 * finish (run and ping then still print their summary); the second gives up on what is in flight.
 * A third exits at once: the transport's exit hook still removes the datagram reply socket.
 */
export interface StopSignals {
  readonly stop: AbortSignal;
  readonly force: AbortSignal;
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const EXIT_ON_THIRD_SIGNAL = 130;

export function watchStopSignals(): StopSignals {
  const stop = new AbortController();
  const force = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) stop.abort(signal);
    else if (!force.signal.aborted) force.abort(signal);
    else process.exit(EXIT_ON_THIRD_SIGNAL);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    stop: stop.signal,
    force: force.signal,
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}

/** Calls `listener` once when `signal` aborts (at once if it already has); returns an undo. */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

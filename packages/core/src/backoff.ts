export interface BackoffPolicy {
  /** First delay, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: BackoffPolicy = { initialMs: 25, maxMs: 1_000 };
export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 10, maxMs: 500 };

/**
 * Exponential back-off with "equal jitter": half the delay is fixed, half random, so many clients
 * that lost the same server do not all come back in the same millisecond.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

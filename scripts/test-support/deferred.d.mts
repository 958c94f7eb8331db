export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T | PromiseLike<T>): void;
  reject(reason?: unknown): void;
}

/** A promise with its resolve and reject at hand (Promise.withResolvers, which Node 20 lacks). */
export function deferred<T = void>(): Deferred<T>;

/** "Something changed": `wait()` resolves at the next `wake()`, for every waiter at once. */
export class Changes {
  wait(): Promise<void>;
  wake(): void;
}

// What the tests of every package share for waiting on events: a promise whose resolve and reject
// are at hand, and a wake-up for loops that re-check a condition whenever something changed.
// Plain JavaScript beside temp-dir.mjs, so tests of any package can import it.

/** A promise with its resolve and reject at hand (Promise.withResolvers, which Node 20 lacks). */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((settle, fail) => {
    resolve = settle;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * "Something changed": `wait()` resolves at the next `wake()`, for every waiter at once. A loop
 * waits, then checks its own condition again (a line arrived, a message came, the process exited).
 */
export class Changes {
  #next = deferred();

  wait() {
    return this.#next.promise;
  }

  wake() {
    const { resolve } = this.#next;
    this.#next = deferred();
    resolve();
  }
}

// Holds the calling process's event loop, for tests that need work queued in the kernel (connections
// in a listener's backlog, bytes in a socket) before the loop may look at it.
// Plain JavaScript beside temp-dir.mjs, so tests of any package can import it.

/** Blocks until `done()` is true, sleeping 5 ms at a time; throws after `limitMs`. */
export function holdLoopUntil(done, limitMs) {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) throw new Error(`still waiting after ${limitMs} ms`);
    Atomics.wait(sleeper, 0, 0, 5);
  }
}

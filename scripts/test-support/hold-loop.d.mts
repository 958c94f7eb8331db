/** Blocks the event loop until `done()` is true, sleeping 5 ms at a time; throws after `limitMs`. */
export function holdLoopUntil(done: () => boolean, limitMs: number): void;

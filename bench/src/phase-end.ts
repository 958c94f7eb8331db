/**
 * When a closed-loop phase stops issuing requests. Its count always ends it. Its time budget ends
 * it only once at least `minMeasured` requests past the warm-up were measured; a phase too slow for
 * that (a loaded machine, a large payload) runs on until it has them, or until its hard cap.
 *
 * Why: the warm-up, min(1000, count/10), is fixed by the count before anything runs (the rule of
 * udsipc-client's runner). A phase that completed fewer requests than that within its budget
 * excluded all of them and reported nothing (a loaded run's udsipc stream 4 KiB ping-pong did so in
 * all 5 runs).
 */

/** Measured requests a phase must have before its time budget may end it: min(100, count/10). */
export function minMeasuredOf(maxCount: number): number {
  return Math.min(100, Math.floor(maxCount / 10));
}

/** How long a phase still short of its minimum may run on: 10× its budget, then it ends regardless. */
export function capMsOf(maxMs: number): number {
  return maxMs * 10;
}

/** What of a phase (plan.ts's PhaseSpec, which is built from this file's rules) decides its end. */
export interface PhaseEnd {
  maxMs: number;
  minMeasured: number;
  capMs: number;
}

/** Whether a phase `elapsedMs` in, with `measured` requests measured, must stop issuing. */
export function timeIsUp(phase: PhaseEnd, elapsedMs: number, measured: number): boolean {
  return elapsedMs >= phase.maxMs && (measured >= phase.minMeasured || elapsedMs >= phase.capMs);
}

import { warmupCount } from '@udsipc/node';
import { cpuTicksOf } from './cpu-ticks.js';
import { timeIsUp } from './phase-end.js';
import type { PhaseResult, PhaseSpec } from './plan.js';
import { latencyPercentiles } from './stats.js';

/**
 * The closed loop of the Node baselines, the same discipline as udsipc-client's runner: `window`
 * requests in flight, the next issued as soon as one completes, until `maxCount` were issued or
 * its time is up (phase-end.ts); the first warmupCount(maxCount) are left out. Both baselines answer
 * in order (one stream connection; one datagram queue per direction), so replies are matched
 * first-in first-out.
 * `issue(n)` must send n requests; replies are reported with `replied(n)`. The result carries the
 * process's CPU ticks at the phase's end (plan.ts, PhaseResult.cpuTicks).
 */
export class ClosedLoop {
  private readonly started: Float64Array;
  private readonly latencies: Float64Array;
  private readonly warmup: number;
  private readonly origin = process.hrtime.bigint();
  private issued = 0;
  private completed = 0;
  private samples = 0;
  private measureStart = 0;
  private measureEnd = 0;
  private stopped = false;
  private finished = false;
  private resolveDone!: (result: PhaseResult) => void;
  readonly done = new Promise<PhaseResult>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    private readonly spec: PhaseSpec,
    private readonly issue: (count: number) => void,
  ) {
    this.started = new Float64Array(spec.maxCount);
    this.latencies = new Float64Array(spec.maxCount);
    this.warmup = warmupCount(spec.maxCount);
  }

  /** µs since the loop was made, from the same clock as the runner's (process.hrtime.bigint). */
  private now(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1_000;
  }

  start(): Promise<PhaseResult> {
    this.fill();
    return this.done;
  }

  get inFlight(): number {
    return this.issued - this.completed;
  }

  /** `count` replies arrived, in order. */
  replied(count: number): void {
    const us = this.now();
    for (let i = 0; i < count && this.completed < this.issued; i++) {
      const index = this.completed++;
      if (index >= this.warmup) {
        this.latencies[this.samples++] = us - this.started[index]!;
        this.measureEnd = us;
      }
    }
    this.fill();
  }

  private fill(): void {
    if (!this.stopped) {
      const us = this.now();
      if (timeIsUp(this.spec, us / 1_000, this.samples)) this.stopped = true;
      const room = Math.min(this.spec.window - this.inFlight, this.spec.maxCount - this.issued);
      if (room > 0 && !this.stopped) {
        for (let i = 0; i < room; i++) {
          if (this.issued === this.warmup) this.measureStart = us;
          this.started[this.issued++] = us;
        }
        this.issue(room);
      }
      if (this.issued >= this.spec.maxCount) this.stopped = true;
    }
    if (this.stopped && this.inFlight === 0) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    // Read first: the sort below is the bench's own work, not the transport's.
    const cpuTicks = cpuTicksOf('self');
    const durationUs = this.measureEnd > this.measureStart ? this.measureEnd - this.measureStart : 0;
    // A phase whose every reply fell in its warm-up measured nothing: 0s, as the C client reports,
    // which the tables show as "—" with the reason (unmeasured.ts).
    const percentiles =
      this.samples > 0
        ? latencyPercentiles(this.latencies.subarray(0, this.samples))
        : { p50Us: 0, p99Us: 0, p999Us: 0 };
    this.resolveDone({
      window: this.spec.window,
      count: this.completed,
      errors: 0,
      warmup: Math.min(this.warmup, this.completed),
      measured: this.samples,
      durationMs: durationUs / 1_000,
      msgsPerSec: durationUs > 0 ? Math.round((this.samples * 1e6) / durationUs) : 0,
      ...percentiles,
      cpuTicks,
    });
  }
}

import type { RpcClient } from '@udsipc/core';
import type { builtinMessages } from '@udsipc/protocol';
import { summarizeLatencies } from './percentiles.js';

export interface EchoBenchOptions {
  /** Requests in flight at once. */
  window: number;
  /** Requests in all, warm-up included. */
  count: number;
  /** Bytes of echo text per request. */
  size: number;
  /** Aborting stops issuing requests; the result then covers those that completed. */
  signal?: AbortSignal;
}

export interface EchoBenchResult {
  /** Requests completed, warm-up included (the requested count unless stopped early). */
  count: number;
  /** Requests that failed, warm-up included, by their code. */
  errors: number;
  errorsByCode: Record<string, number>;
  /** Leading requests left out of the figures: min(1000, count/10). */
  warmup: number;
  /** Successful requests after the warm-up: the figures below are theirs. */
  measured: number;
  durationMs: number;
  msgsPerSec: number;
  minUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export function warmupCount(count: number): number {
  return Math.min(1_000, Math.floor(count / 10));
}

function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/**
 * Closed-loop echo load: `window` lanes each keep one request in flight and issue the next as soon
 * as theirs completes. A lane's handlers are made once and reused, so the hot path allocates only
 * what a request itself needs; latencies go into a preallocated array and nothing is printed.
 */
export function runEchoBench(
  client: RpcClient<typeof builtinMessages>,
  options: EchoBenchOptions,
): Promise<EchoBenchResult> {
  const { count, window, signal } = options;
  const warmup = warmupCount(count);
  const payload = { text: 'x'.repeat(options.size) };
  const latencies = new Float64Array(count);
  const errorsByCode: Record<string, number> = {};
  let samples = 0;
  let issued = 0;
  let completed = 0;
  let errors = 0;
  let measureStart = 0n;
  let measureEnd = 0n;

  return new Promise<EchoBenchResult>((resolve) => {
    let activeLanes = 0;

    const finish = () => {
      const summary = summarizeLatencies(latencies.subarray(0, samples));
      const durationNs = measureEnd > measureStart ? Number(measureEnd - measureStart) : 0;
      resolve({
        count: completed,
        errors,
        errorsByCode,
        warmup: Math.min(warmup, completed),
        measured: samples,
        durationMs: durationNs / 1e6,
        msgsPerSec: durationNs > 0 ? Math.round((samples * 1e9) / durationNs) : 0,
        minUs: summary?.minUs ?? 0,
        p50Us: summary?.p50Us ?? 0,
        p99Us: summary?.p99Us ?? 0,
        maxUs: summary?.maxUs ?? 0,
      });
    };

    class Lane {
      private index = 0;
      private started = 0n;

      readonly onReply = (): void => {
        const now = process.hrtime.bigint();
        if (this.index >= warmup) {
          latencies[samples++] = Number(now - this.started) / 1_000;
          measureEnd = now;
        }
        this.next();
      };

      readonly onError = (error: unknown): void => {
        errors++;
        const code = errorCode(error);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
        this.next();
      };

      /** Issues this lane's next request; returns false when there is none left to issue. */
      issue(): boolean {
        if (issued >= count || signal?.aborted) return false;
        this.index = issued++;
        this.started = process.hrtime.bigint();
        if (this.index === warmup) measureStart = this.started;
        client.request('echo', payload).then(this.onReply, this.onError);
        return true;
      }

      private next(): void {
        completed++;
        if (!this.issue() && --activeLanes === 0) finish();
      }
    }

    for (let lane = 0; lane < Math.min(window, count); lane++) {
      if (!new Lane().issue()) break;
      activeLanes++;
    }
    if (activeLanes === 0) finish();
  });
}

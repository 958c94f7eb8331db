import { formatNumber, formatRate, formatRatio } from './format.js';
import type { TransportId } from './plan.js';
import type { RowResult } from './rows.js';
import { ratio } from './stats.js';

/** One of the issues' targets, judged on the medians (or totals) of this run. */
export interface TargetCheck {
  id: string;
  goal: string;
  status: 'PASS' | 'MISS' | 'N/A';
  /** udsipc ÷ baseline (relative targets only). */
  ratio?: number;
  /** The largest (or smallest) ratio allowed; for absolute targets, the largest value. */
  threshold: number;
  value?: number;
  baseline?: number;
  detail: string;
}

function small(rows: RowResult[], transport: TransportId): RowResult | undefined {
  return rows.find((row) => row.transport === transport && row.payload.id === 'small');
}

export function check(
  id: string,
  goal: string,
  value: number | undefined,
  baseline: number | undefined,
  threshold: number,
  higherIsBetter: boolean,
  describe: (value: number) => string,
  missing: string,
): TargetCheck {
  const measured = ratio(value, baseline);
  if (measured === undefined || value === undefined || baseline === undefined) {
    return { id, goal, status: 'N/A', threshold, detail: missing };
  }
  const pass = higherIsBetter ? measured >= threshold : measured <= threshold;
  return {
    id,
    goal,
    status: pass ? 'PASS' : 'MISS',
    ratio: measured,
    threshold,
    value,
    baseline,
    detail: `${describe(value)} / ${describe(baseline)} = ${formatRatio(measured)}`,
  };
}

/**
 * The targets (64 B, medians of this invocation): pipelined throughput at window 64,
 * ping-pong p50, and CPU per message of the server and of the client (cpu-per-message.ts), each
 * against the matching raw Node baseline.
 */
export function checkTargets(rows: RowResult[]): TargetCheck[] {
  const udsipcDgram = small(rows, 'udsipc-dgram')?.summary;
  const udsipcStream = small(rows, 'udsipc-stream')?.summary;
  const raw = small(rows, 'raw-dgram')?.summary;
  const ndjson = small(rows, 'net-ndjson')?.summary;
  const missing = (what: string) => `not measured (${what} not run or failed)`;
  const rate = (value: number) => `${formatRate(value)} msgs/s`;
  const us = (value: number) => `${formatNumber(value)} µs`;
  const usPerMsg = (value: number) => `${formatNumber(value, 2)} µs/msg`;
  const cpu = (side: 'server' | 'client', kind: 'stream' | 'dgram') => {
    const own = kind === 'stream' ? udsipcStream : udsipcDgram;
    const base = kind === 'stream' ? ndjson : raw;
    const pick = side === 'server' ? 'serverUsPerMsg' : 'clientUsPerMsg';
    return check(
      `${kind}-${side}-cpu`,
      `udsipc ${kind} ${side} CPU per message (64 B) ≤ 1.5× ${kind === 'stream' ? 'net NDJSON' : 'raw unix-dgram'}`,
      own?.[pick]?.median,
      base?.[pick]?.median,
      1.5,
      false,
      usPerMsg,
      missing(kind === 'stream' ? 'udsipc-stream or net-ndjson' : 'udsipc-dgram or raw-dgram'),
    );
  };
  return [
    check(
      'dgram-pipelined',
      'udsipc dgram pipelined (w64, 64 B) ≥ 1.0× raw unix-dgram (connected client)',
      udsipcDgram?.w64?.median,
      raw?.w64?.median,
      1.0,
      true,
      rate,
      missing('udsipc-dgram or raw-dgram'),
    ),
    check(
      'stream-pipelined',
      'udsipc stream pipelined (w64, 64 B) ≥ 0.9× net NDJSON',
      udsipcStream?.w64?.median,
      ndjson?.w64?.median,
      0.9,
      true,
      rate,
      missing('udsipc-stream or net-ndjson'),
    ),
    check(
      'dgram-pingpong-p50',
      'udsipc dgram ping-pong p50 (64 B) ≤ 1.2× raw unix-dgram',
      udsipcDgram?.pingpong.p50Us?.median,
      raw?.pingpong.p50Us?.median,
      1.2,
      false,
      us,
      missing('udsipc-dgram or raw-dgram'),
    ),
    check(
      'stream-pingpong-p50',
      'udsipc stream ping-pong p50 (64 B) ≤ 1.2× net NDJSON',
      udsipcStream?.pingpong.p50Us?.median,
      ndjson?.pingpong.p50Us?.median,
      1.2,
      false,
      us,
      missing('udsipc-stream or net-ndjson'),
    ),
    cpu('server', 'dgram'),
    cpu('client', 'dgram'),
    cpu('server', 'stream'),
    cpu('client', 'stream'),
  ];
}

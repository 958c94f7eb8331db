import { formatRate } from './format.js';
import { type PayloadId, payloadFor, TRANSPORTS, type TransportId } from './plan.js';
import type { RowResult } from './rows.js';
import { check, type TargetCheck } from './target-checks.js';

interface Side {
  transport: TransportId;
  payload: PayloadId;
}

function rowOf(rows: RowResult[], side: Side): RowResult | undefined {
  return rows.find((row) => row.transport === side.transport && row.payload.id === side.payload);
}

function describeSide(side: Side): string {
  return `${TRANSPORTS[side.transport].label} ${payloadFor(side.transport, side.payload)?.label ?? side.payload}`;
}

/** Why a side has no w8 figure, so an N/A line says which row is missing and how. */
function whyMissing(rows: RowResult[], side: Side): string | undefined {
  const row = rowOf(rows, side);
  if (!row) return `${describeSide(side)} not run`;
  if (row.skipped) return `${describeSide(side)} SKIPPED`;
  if (row.runs.length === 0) return `${describeSide(side)} failed`;
  if (row.summary.w8 === undefined) return `${describeSide(side)} measured no w8`;
  return undefined;
}

/** One throughput target at window 8, the only pipelined phase of the large payloads. */
function w8Check(rows: RowResult[], id: string, goal: string, own: Side, base: Side, threshold: number) {
  const reasons = [whyMissing(rows, own), whyMissing(rows, base)].filter(Boolean);
  return check(
    id,
    goal,
    rowOf(rows, own)?.summary.w8?.median,
    rowOf(rows, base)?.summary.w8?.median,
    threshold,
    true,
    (value) => `${formatRate(value)} msgs/s`,
    `not measured (${reasons.join(', ')})`,
  );
}

/**
 * The targets for the large payloads (medians of this invocation, 8 in flight): 1 MiB of
 * JSON text over udsipc stream against net NDJSON, and each attachment row against a row moving
 * the same bytes with no envelope at all: the C stream program for 1 MiB, raw unix-dgram for
 * 60 KiB. N/A, naming the row, when a side did not run (--quick runs no large text rows).
 */
export function largeTargets(rows: RowResult[]): TargetCheck[] {
  return [
    w8Check(
      rows,
      'stream-large-text-w8',
      'udsipc stream 1 MiB JSON text, 8 in flight (w8) ≥ 1.0× net NDJSON',
      { transport: 'udsipc-stream', payload: 'large' },
      { transport: 'net-ndjson', payload: 'large' },
      1.0,
    ),
    w8Check(
      rows,
      'stream-attachment-w8',
      'udsipc stream 1 MiB attachment echo, 8 in flight (w8) ≥ 0.3× C stream 1 MiB',
      { transport: 'udsipc-stream', payload: 'attachment' },
      { transport: 'c-stream', payload: 'large' },
      0.3,
    ),
    w8Check(
      rows,
      'dgram-attachment-w8',
      'udsipc dgram 60 KiB attachment echo, 8 in flight (w8) ≥ 0.5× raw unix-dgram 60 KiB',
      { transport: 'udsipc-dgram', payload: 'attachment' },
      { transport: 'raw-dgram', payload: 'large' },
      0.5,
    ),
  ];
}

import { formatRate } from './format.js';
import { PEER_IDS, type PeerId, type TransportId } from './plan.js';
import type { RowResult, RowSummary } from './rows.js';
import { ratio } from './stats.js';

/**
 * udsipc against the peers (zeromq, node-ipc), for the peer table and the peer targets. A peer
 * runs the stream payloads; a udsipc row is compared with the peer row of the same payload size,
 * so udsipc stream meets the peers at every payload and udsipc dgram at 64 B and 4 KiB (its large
 * payload is 60 KiB, theirs 1 MiB).
 */

/** The figures compared: throughput, higher is better. */
export const PEER_METRICS = [
  { label: 'rt/s', pick: (summary: RowSummary) => summary.pingpong.rtPerSec?.median },
  { label: 'w8', pick: (summary: RowSummary) => summary.w8?.median },
  { label: 'w64', pick: (summary: RowSummary) => summary.w64?.median },
] as const;

export const UDSIPC_IDS = ['udsipc-stream', 'udsipc-dgram'] as const satisfies readonly TransportId[];

/** The peer's row of the same payload size as `row`, if it is in this run. */
export function peerRowFor(rows: RowResult[], row: RowResult, peer: PeerId): RowResult | undefined {
  return rows.find((other) => other.transport === peer && other.payload.bytes === row.payload.bytes);
}

/** One figure of one payload: udsipc's median, the peer's, and udsipc ÷ peer. */
export interface PeerCell {
  payload: string;
  metric: string;
  udsipc: number;
  peer: number;
  ratio: number;
}

/** Every figure both rows measured. */
export function peerCells(row: RowResult, peerRow: RowResult): PeerCell[] {
  return PEER_METRICS.flatMap(({ label, pick }) => {
    const udsipc = pick(row.summary);
    const peer = pick(peerRow.summary);
    const value = ratio(udsipc, peer);
    return udsipc === undefined || peer === undefined || value === undefined
      ? []
      : [{ payload: row.payload.label, metric: label, udsipc, peer, ratio: value }];
  });
}

export function describeCell(cell: PeerCell): string {
  return `${cell.payload} ${cell.metric} ${formatRate(cell.udsipc)} / ${formatRate(cell.peer)}`;
}

/** The peers present in this run's rows (measured or SKIPPED), in their fixed order. */
export function peersIn(rows: RowResult[]): PeerId[] {
  return PEER_IDS.filter((peer) => rows.some((row) => row.transport === peer));
}

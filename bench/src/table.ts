import { formatNumber, formatRate, formatRatio, range } from './format.js';
import { PEER_METRICS, peerRowFor, peersIn, UDSIPC_IDS } from './peer-ratios.js';
import { comparedPayload, type PayloadId, type PhaseName, TRANSPORTS, type TransportId } from './plan.js';
import type { RowResult } from './rows.js';
import { SCALE_BASELINE, type ScaleRow } from './scale.js';
import { ratio } from './stats.js';
import type { TargetCheck } from './target-checks.js';
import { unmeasuredNote } from './unmeasured.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Plain aligned text: two spaces between columns, a dashed rule under the header. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) =>
        columns[index]!.align === 'left' ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}

const ORDER: TransportId[] = [
  'c-stream',
  'net-ndjson',
  'peer-zeromq',
  'peer-node-ipc',
  'udsipc-stream',
  'c-dgram',
  'raw-dgram',
  'udsipc-dgram',
  'raw-nats',
  'udsipc-nats',
];
const PAYLOAD_ORDER: PayloadId[] = ['small', 'medium', 'large', 'attachment'];

function sortRows(rows: RowResult[]): RowResult[] {
  return [...rows].sort(
    (a, b) =>
      PAYLOAD_ORDER.indexOf(a.payload.id) - PAYLOAD_ORDER.indexOf(b.payload.id) ||
      ORDER.indexOf(a.transport) - ORDER.indexOf(b.transport),
  );
}

/**
 * The row this one is compared with: its baseline or its C program, same payload slot (for an
 * attachment row, the large payload: the same bytes).
 */
export function counterpart(
  rows: RowResult[],
  row: RowResult,
  which: 'baseline' | 'c',
): RowResult | undefined {
  const id = which === 'baseline' ? TRANSPORTS[row.transport].baseline : TRANSPORTS[row.transport].c;
  const payload = comparedPayload(row.payload.id);
  return id ? rows.find((other) => other.transport === id && other.payload.id === payload) : undefined;
}

/** Why some of these phases show "—" (or fewer runs than the row has). */
function phaseNotes(row: RowResult, phases: PhaseName[]): string[] {
  return phases.map((phase) => unmeasuredNote(row, phase) ?? '').filter(Boolean);
}

/**
 * What a row's failed runs say in its notes: FAILED with the first reason when no run completed,
 * else how many failed (none when all completed). Every table with rows of runs says it alike.
 */
export function failureNotes(row: { runs: readonly unknown[]; failures: readonly string[] }): string[] {
  if (row.runs.length === 0) return [`FAILED: ${row.failures[0] ?? 'no run completed'}`];
  return row.failures.length > 0 ? [`${row.failures.length} run(s) failed`] : [];
}

function status(row: RowResult): string {
  if (row.skipped) return `SKIPPED: ${row.skipped}`;
  const notes = failureNotes(row);
  if (row.runs.length === 0) return notes.join(', ');
  if (row.summary.errors > 0) notes.push(`${row.summary.errors} errors`);
  return [...notes, ...phaseNotes(row, ['pingpong'])].join(', ');
}

const PIPELINED: PhaseName[] = ['w8', 'w64'];

/** CPU µs per message; "~" when some run's figure rests on under 0.1 s of CPU (10 ms ticks). */
export function formatCpu(value: number | undefined, coarse: boolean | undefined): string {
  if (value === undefined) return '—';
  return `${coarse ? '~' : ''}${formatNumber(value, value < 100 ? 1 : 0)}`;
}

export function pingpongTable(rows: RowResult[]): string {
  const columns: Column[] = [
    { header: 'transport', align: 'left' },
    { header: 'payload', align: 'left' },
    { header: 'rt/s' },
    { header: '[min–max]', align: 'left' },
    { header: 'p50 µs' },
    { header: 'p99 µs' },
    { header: 'p99.9 µs' },
    { header: 'rt/s ×base' },
    { header: 'rt/s ×C' },
    { header: 'p50 ×base' },
    { header: 'p50 ×C' },
    { header: 'notes', align: 'left' },
  ];
  const body = sortRows(rows).map((row) => {
    const base = counterpart(rows, row, 'baseline')?.summary.pingpong;
    const c = counterpart(rows, row, 'c')?.summary.pingpong;
    const own = row.summary.pingpong;
    return [
      row.label,
      row.payload.label,
      formatRate(own.rtPerSec?.median),
      range(own.rtPerSec, formatRate),
      formatNumber(own.p50Us?.median),
      formatNumber(own.p99Us?.median),
      formatNumber(own.p999Us?.median),
      formatRatio(ratio(own.rtPerSec?.median, base?.rtPerSec?.median)),
      formatRatio(ratio(own.rtPerSec?.median, c?.rtPerSec?.median)),
      formatRatio(ratio(own.p50Us?.median, base?.p50Us?.median)),
      formatRatio(ratio(own.p50Us?.median, c?.p50Us?.median)),
      status(row),
    ];
  });
  return renderTable(columns, body);
}

export function pipelinedTable(rows: RowResult[]): string {
  const columns: Column[] = [
    { header: 'transport', align: 'left' },
    { header: 'payload', align: 'left' },
    { header: 'w8 msgs/s' },
    { header: '[min–max]', align: 'left' },
    { header: 'w64 msgs/s' },
    { header: '[min–max]', align: 'left' },
    { header: 'w8 ×base' },
    { header: 'w8 ×C' },
    { header: 'w64 ×base' },
    { header: 'w64 ×C' },
    { header: 'srv RSS MiB' },
    { header: 'srv CPU s' },
    { header: 'srv µs/msg' },
    { header: 'cli µs/msg' },
    { header: 'notes', align: 'left' },
  ];
  const body = sortRows(rows).map((row) => {
    const base = counterpart(rows, row, 'baseline')?.summary;
    const c = counterpart(rows, row, 'c')?.summary;
    const own = row.summary;
    return [
      row.label,
      row.payload.label,
      formatRate(own.w8?.median),
      range(own.w8, formatRate),
      formatRate(own.w64?.median),
      range(own.w64, formatRate),
      formatRatio(ratio(own.w8?.median, base?.w8?.median)),
      formatRatio(ratio(own.w8?.median, c?.w8?.median)),
      formatRatio(ratio(own.w64?.median, base?.w64?.median)),
      formatRatio(ratio(own.w64?.median, c?.w64?.median)),
      formatNumber(own.serverRssMiB?.median, 1),
      formatNumber(own.serverCpuS?.median, 2),
      formatCpu(own.serverUsPerMsg?.median, own.serverCpuCoarse),
      formatCpu(own.clientUsPerMsg?.median, own.clientCpuCoarse),
      row.skipped
        ? `SKIPPED: ${row.skipped}`
        : phaseNotes(
            row,
            PIPELINED.filter((phase) => row.phases.some((spec) => spec.name === phase)),
          ).join(', '),
    ];
  });
  return renderTable(columns, body);
}

export function scaleTable(rows: ScaleRow[]): string {
  const columns: Column[] = [
    { header: 'server', align: 'left' },
    { header: 'clients', align: 'left' },
    { header: 'msgs/s' },
    { header: '[min–max]', align: 'left' },
    { header: '×base' },
    { header: 'srv RSS MiB' },
    { header: 'srv CPU s' },
    { header: 'srv µs/msg' },
    { header: 'cli µs/msg' },
    { header: 'open ms' },
    { header: 'notes', align: 'left' },
  ];
  const body = rows.map((row) => {
    const baseTarget = SCALE_BASELINE[row.target];
    const base = rows.find((other) => other.target === baseTarget)?.summary.msgsPerSec?.median;
    const notes = [...failureNotes(row), ...(row.summary.errors > 0 ? [`${row.summary.errors} errors`] : [])];
    return [
      row.label,
      `${row.clients} (${row.processes}×${row.clients / row.processes})`,
      formatRate(row.summary.msgsPerSec?.median),
      range(row.summary.msgsPerSec, formatRate),
      formatRatio(ratio(row.summary.msgsPerSec?.median, base)),
      formatNumber(row.summary.serverRssMiB?.median, 1),
      formatNumber(row.summary.serverCpuS?.median, 2),
      formatCpu(row.summary.serverUsPerMsg?.median, row.summary.serverCpuCoarse),
      formatCpu(row.summary.clientUsPerMsg?.median, row.summary.clientCpuCoarse),
      formatNumber(row.summary.openMs?.median, 0),
      notes.join(', '),
    ];
  });
  return renderTable(columns, body);
}

/**
 * udsipc ÷ each peer, per udsipc row and payload: ping-pong rt/s, p50 (above 1 is slower) and the
 * pipelined rates, against the peer row of the same payload size (peer-ratios.ts).
 */
export function peerTable(rows: RowResult[]): string {
  const peers = peersIn(rows);
  const short = (peer: (typeof peers)[number]) => TRANSPORTS[peer].label;
  const columns: Column[] = [
    { header: 'transport', align: 'left' },
    { header: 'payload', align: 'left' },
    ...peers.flatMap((peer) => [
      { header: `rt/s ×${short(peer)}` },
      { header: `p50 ×${short(peer)}` },
      { header: `w8 ×${short(peer)}` },
      { header: `w64 ×${short(peer)}` },
    ]),
    { header: 'notes', align: 'left' },
  ];
  const body = sortRows(
    rows.filter((row) => (UDSIPC_IDS as readonly TransportId[]).includes(row.transport)),
  ).map((row) => {
    const notes: string[] = [];
    const cells = peers.flatMap((peer) => {
      const other = peerRowFor(rows, row, peer);
      if (!other) notes.push(`no ${row.payload.label} ${short(peer)} row`);
      else if (other.skipped) notes.push(`${short(peer)} SKIPPED`);
      else if (other.runs.length === 0) notes.push(`${short(peer)} FAILED`);
      const theirs = other?.summary;
      const [rtPerSec, w8, w64] = PEER_METRICS.map(({ pick }) =>
        formatRatio(ratio(pick(row.summary), theirs ? pick(theirs) : undefined)),
      );
      const p50 = formatRatio(ratio(row.summary.pingpong.p50Us?.median, theirs?.pingpong.p50Us?.median));
      return [rtPerSec!, p50, w8!, w64!];
    });
    return [row.label, row.payload.label, ...cells, notes.join(', ')];
  });
  return renderTable(columns, body);
}

export function targetLines(checks: TargetCheck[]): string {
  return checks.map((check) => `${check.status.padEnd(4)}  ${check.goal}: ${check.detail}`).join('\n');
}

import { formatRate } from './format.js';
import { type PayloadId, type PhaseName, TRANSPORTS, type TransportId } from './plan.js';
import type { RowResult, RowSummary } from './rows.js';
import { check, type TargetCheck } from './target-checks.js';

/** udsipc over NATS may cost this much of what nats.js alone does through the same nats-server. */
const THRESHOLD = 0.8;
const OWN: TransportId = 'udsipc-nats';
const BASE: TransportId = 'raw-nats';
const PAYLOAD_ORDER: PayloadId[] = ['small', 'medium', 'large', 'attachment'];

/** The throughput figure of one window: ping-pong is window 1. */
interface Figure {
  phase: PhaseName;
  label: string;
  unit: string;
  pick: (summary: RowSummary) => number | undefined;
}

const FIGURES: Figure[] = [
  {
    phase: 'pingpong',
    label: 'ping-pong',
    unit: 'rt/s',
    pick: (summary) => summary.pingpong.rtPerSec?.median,
  },
  { phase: 'w8', label: 'w8', unit: 'msgs/s', pick: (summary) => summary.w8?.median },
  { phase: 'w64', label: 'w64', unit: 'msgs/s', pick: (summary) => summary.w64?.median },
];

/** Why a side has no figure for a phase, so an N/A line says which row and how. */
function whyMissing(
  row: RowResult | undefined,
  transport: TransportId,
  payload: string,
  figure: Figure,
): string | undefined {
  const name = `${TRANSPORTS[transport].label} ${payload}`;
  if (!row) return `${name} not run`;
  if (row.skipped) return `${name} SKIPPED`;
  if (row.runs.length === 0) return `${name} failed`;
  if (figure.pick(row.summary) === undefined) return `${name} measured no ${figure.label}`;
  return undefined;
}

/**
 * udsipc nats ≥ 0.8× raw nats.js, one line for each payload and window of the NATS rows in this
 * run: both go through the same nats-server in the same run, so the ratio is udsipc's own cost
 * (its envelope, ids and JSON) over the shortest nats.js echo. N/A, with the reason, where either
 * side did not run, was SKIPPED (no nats-server) or measured nothing.
 */
export function natsTargets(rows: RowResult[]): TargetCheck[] {
  const natsRows = rows.filter((row) => row.transport === OWN || row.transport === BASE);
  const payloads = PAYLOAD_ORDER.filter((id) => natsRows.some((row) => row.payload.id === id));
  return payloads.flatMap((payloadId) => {
    const own = natsRows.find((row) => row.transport === OWN && row.payload.id === payloadId);
    const base = natsRows.find((row) => row.transport === BASE && row.payload.id === payloadId);
    const payload = (own ?? base)!.payload.label;
    const phases = new Set([own, base].flatMap((row) => row?.phases.map((spec) => spec.name) ?? []));
    return FIGURES.filter((figure) => phases.has(figure.phase)).map((figure) => {
      const reasons = [whyMissing(own, OWN, payload, figure), whyMissing(base, BASE, payload, figure)];
      // Both rows are SKIPPED for one reason (no nats-server): said once.
      const skips = [...new Set([own?.skipped, base?.skipped].filter(Boolean))];
      return check(
        `nats-${payloadId}-${figure.phase}`,
        `${TRANSPORTS[OWN].label} ≥ ${THRESHOLD}× ${TRANSPORTS[BASE].label} (${payload}, ${figure.label} ${figure.unit})`,
        own ? figure.pick(own.summary) : undefined,
        base ? figure.pick(base.summary) : undefined,
        THRESHOLD,
        true,
        (value) => `${formatRate(value)} ${figure.unit}`,
        `not measured (${reasons.filter(Boolean).join(', ')}${skips.length > 0 ? `: ${skips.join('; ')}` : ''})`,
      );
    });
  });
}

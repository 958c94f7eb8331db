import { formatNumber, formatRatio, range } from './format.js';
import type { LayerSample, LayerSpec } from './layer-floor.js';
import { lastJsonLine, outputOf, start } from './processes.js';
import { type RowResult, WORKER_SCRIPT } from './rows.js';
import { ratio, type Spread, spread } from './stats.js';
import { type Column, failureNotes, renderTable } from './table.js';

/**
 * The layer-floor rows: one per payload size, each run a fresh process (worker.js layer-floor), so
 * one row's heap and JIT state do not carry into the next.
 */
export interface LayerRow {
  size: number;
  label: string;
  runs: LayerSample[];
  failures: string[];
  summary: LayerSummary;
}

export interface LayerSummary {
  serverUs?: Spread;
  pairUs?: Spread;
  ndjsonServerUs?: Spread;
  ndjsonPairUs?: Spread;
}

export async function measureLayerRun(spec: LayerSpec): Promise<LayerSample> {
  const child = start(`layer floor ${spec.size} B`, process.execPath, [
    WORKER_SCRIPT,
    'layer-floor',
    JSON.stringify(spec),
  ]);
  const sample = lastJsonLine(await outputOf(child, 120_000)) as LayerSample;
  const figures = [sample.serverUs, sample.pairUs, sample.ndjsonServerUs, sample.ndjsonPairUs];
  if (sample.size !== spec.size || !figures.every((value) => typeof value === 'number' && value > 0)) {
    throw new Error(`layer floor reported ${JSON.stringify(sample).slice(0, 200)}`);
  }
  return sample;
}

export function summarizeLayer(runs: LayerSample[]): LayerSummary {
  return {
    serverUs: spread(runs.map((run) => run.serverUs)),
    pairUs: spread(runs.map((run) => run.pairUs)),
    ndjsonServerUs: spread(runs.map((run) => run.ndjsonServerUs)),
    ndjsonPairUs: spread(runs.map((run) => run.ndjsonPairUs)),
  };
}

/**
 * The best `w64 ×base` a udsipc row could reach against a baseline of `baselineRate` msgs/s with 64
 * in flight, given the layer floor. That row keeps the machine's `cores` busy (its processes' CPU
 * added up is the bound), so the baseline spends at most cores / rate CPU µs a message, `json` of
 * it on JSON. udsipc has to do the baseline's socket work at least (a stream baseline already writes
 * a whole window at once; the NATS one publishes each message, as udsipc does) and the layer's
 * `layer` instead of that JSON. Undefined without the baseline's row.
 */
export function w64Bound(
  baselineRate: number | undefined,
  cores: number,
  json: number | undefined,
  layer: number | undefined,
): number | undefined {
  if (baselineRate === undefined || baselineRate <= 0 || json === undefined || layer === undefined) {
    return undefined;
  }
  const baseUs = (cores * 1e6) / baselineRate;
  return baseUs / (baseUs - Math.min(json, baseUs) + layer);
}

function baselineRate(
  rows: RowResult[],
  transport: 'net-ndjson' | 'raw-nats',
  size: number,
): number | undefined {
  return rows.find(
    (row) => row.transport === transport && row.payload.bytes === size && !row.payload.attachment,
  )?.summary.w64?.median;
}

export function layerTable(layer: LayerRow[], rows: RowResult[], cores: number): string {
  const columns: Column[] = [
    { header: 'payload', align: 'left' },
    { header: 'srv layer µs' },
    { header: '[min–max]', align: 'left' },
    { header: 'pair layer µs' },
    { header: '[min–max]', align: 'left' },
    { header: 'NDJSON srv JSON µs' },
    { header: 'NDJSON pair JSON µs' },
    { header: 'srv ×JSON' },
    { header: 'pair ×JSON' },
    { header: 'stream w64 ×base ≤' },
    { header: 'nats w64 ×base ≤' },
    { header: 'notes', align: 'left' },
  ];
  const body = layer.map((row) => {
    const { serverUs, pairUs, ndjsonServerUs, ndjsonPairUs } = row.summary;
    const ndjsonRate = baselineRate(rows, 'net-ndjson', row.size);
    return [
      row.label,
      formatNumber(serverUs?.median),
      range(serverUs, formatNumber),
      formatNumber(pairUs?.median),
      range(pairUs, formatNumber),
      formatNumber(ndjsonServerUs?.median),
      formatNumber(ndjsonPairUs?.median),
      formatRatio(ratio(serverUs?.median, ndjsonServerUs?.median)),
      formatRatio(ratio(pairUs?.median, ndjsonPairUs?.median)),
      formatRatio(w64Bound(ndjsonRate, cores, ndjsonPairUs?.median, pairUs?.median)),
      // raw nats.js echoes bytes: no JSON of its own to set against the layer.
      formatRatio(w64Bound(baselineRate(rows, 'raw-nats', row.size), cores, 0, pairUs?.median)),
      failureNotes(row).join(', '),
    ];
  });
  return renderTable(columns, body);
}

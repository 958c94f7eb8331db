import { formatNumber, formatRate } from './format.js';
import { comparedPayload, type PayloadId, TRANSPORTS, type TransportId } from './plan.js';
import type { RowResult } from './rows.js';
import type { Spread } from './stats.js';

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
const COLORS: Record<TransportId, string> = {
  'c-stream': '#9aa5b1',
  'net-ndjson': '#6b8fb3',
  'peer-zeromq': '#5e9e6e',
  'peer-node-ipc': '#8c6bb1',
  'udsipc-stream': '#1f5fa8',
  'c-dgram': '#c9b08f',
  'raw-dgram': '#d18b47',
  'udsipc-dgram': '#b3470f',
  'raw-nats': '#7fb8a4',
  'udsipc-nats': '#1d7a5f',
};
const PAYLOADS: PayloadId[] = ['small', 'medium', 'large', 'attachment'];

const WIDTH = 980;
const PANEL_HEIGHT = 330;
const MARGIN = { left: 70, right: 20, top: 46, bottom: 46 };
const LEGEND_ITEM_WIDTH = 150;
const LEGEND_LINE_HEIGHT = 22;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Bar {
  transport: TransportId;
  value: Spread | undefined;
}

interface Group {
  label: string;
  bars: Bar[];
}

/**
 * One grouped bar panel on a log10 axis (the values span four orders of magnitude): a group per
 * payload, a bar per transport with its median, a thin whisker for min–max, the value on top.
 */
function panel(
  top: number,
  title: string,
  groups: Group[],
  format: (value: number) => string,
  tick: (value: number) => string,
  parts: string[],
): void {
  const values = groups.flatMap((group) =>
    group.bars.flatMap((bar) => (bar.value ? [bar.value.min, bar.value.max, bar.value.median] : [])),
  );
  const plotTop = top + MARGIN.top;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotLeft = MARGIN.left;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  parts.push(
    `<text x="${plotLeft}" y="${top + 22}" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  if (values.length === 0) {
    parts.push(`<text x="${plotLeft}" y="${plotTop + 30}" font-size="12">no data</text>`);
    return;
  }
  const low = Math.floor(Math.log10(Math.max(Math.min(...values), 1e-3)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...values))));
  const y = (value: number) =>
    plotTop + plotHeight - ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * plotHeight;
  for (let exponent = low; exponent <= high; exponent++) {
    const gy = y(10 ** exponent).toFixed(1);
    parts.push(
      `<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${gy}" y2="${gy}" stroke="#e3e3e3"/>`,
      `<text x="${plotLeft - 6}" y="${gy}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeXml(tick(10 ** exponent))}</text>`,
    );
  }
  parts.push(
    `<line x1="${plotLeft}" x2="${plotLeft}" y1="${plotTop}" y2="${plotTop + plotHeight}" stroke="#999"/>`,
  );
  const groupWidth = plotWidth / groups.length;
  groups.forEach((group, groupIndex) => {
    const groupLeft = plotLeft + groupIndex * groupWidth;
    const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(1, group.bars.length));
    const barsLeft = groupLeft + (groupWidth - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, barIndex) => {
      const x = barsLeft + barIndex * barWidth;
      const center = (x + barWidth / 2).toFixed(1);
      if (!bar.value) {
        parts.push(
          `<text x="${center}" y="${plotTop + plotHeight - 4}" font-size="10" text-anchor="middle" fill="#999">n/a</text>`,
        );
        return;
      }
      const barTop = y(bar.value.median);
      parts.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${(plotTop + plotHeight - barTop).toFixed(1)}" fill="${COLORS[bar.transport]}"><title>${escapeXml(`${TRANSPORTS[bar.transport].label}: ${format(bar.value.median)} (${format(bar.value.min)}–${format(bar.value.max)})`)}</title></rect>`,
        `<line x1="${center}" x2="${center}" y1="${y(bar.value.min).toFixed(1)}" y2="${y(bar.value.max).toFixed(1)}" stroke="#222" stroke-width="1"/>`,
        `<text x="${center}" y="${(Math.min(barTop, y(bar.value.max)) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${escapeXml(format(bar.value.median))}</text>`,
      );
    });
    parts.push(
      `<text x="${(groupLeft + groupWidth / 2).toFixed(1)}" y="${plotTop + plotHeight + 18}" font-size="12" text-anchor="middle">${escapeXml(group.label)}</text>`,
    );
  });
}

function groupLabel(rows: RowResult[], payload: PayloadId, suffix: string): string {
  const labels = [
    ...new Set(
      rows
        .filter((row) => row.payload.id === payload)
        .map((row) => (payload === 'large' ? `${row.payload.label} ${row.kind}` : row.payload.label)),
    ),
  ];
  return `${labels.join(' / ')}${suffix}`;
}

/** Axis ticks at powers of ten: 1, 10, 100, 1k … 100M. */
function powerTick(value: number): string {
  const units: [number, string][] = [
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (value >= size) return `${Math.round(value / size)}${unit}`;
  return value >= 1 ? String(Math.round(value)) : String(value);
}

/** The chart of bench-results: pipelined msgs/s and ping-pong p99 by transport and payload, as SVG. */
export function renderChart(rows: RowResult[], title: string, subtitle: string): string {
  // A SKIPPED row (a peer that cannot run here) has no bars to draw.
  const present = ORDER.filter((transport) =>
    rows.some((row) => row.transport === transport && !row.skipped),
  );
  const payloads = PAYLOADS.filter((payload) => rows.some((row) => row.payload.id === payload));
  const find = (transport: TransportId, payload: PayloadId) =>
    rows.find((row) => row.transport === transport && row.payload.id === payload);
  // Only the udsipc rows run the attachment payload: no "n/a" bar for every other transport.
  const barsOf = (payload: PayloadId) =>
    payload === 'attachment' ? present.filter((transport) => find(transport, payload)) : present;
  const throughput: Group[] = payloads.map((payload) => {
    const window = comparedPayload(payload) === 'large' ? 'w8' : 'w64';
    return {
      label: groupLabel(rows, payload, ` (${window})`),
      bars: barsOf(payload).map((transport) => ({
        transport,
        value: window === 'w8' ? find(transport, payload)?.summary.w8 : find(transport, payload)?.summary.w64,
      })),
    };
  });
  const latency: Group[] = payloads.map((payload) => ({
    label: groupLabel(rows, payload, ''),
    bars: barsOf(payload).map((transport) => ({
      transport,
      value: find(transport, payload)?.summary.pingpong.p99Us,
    })),
  }));
  const headerHeight = 44;
  const legendTop = headerHeight + 2 * PANEL_HEIGHT + 20;
  // Ten transports do not fit one line of the width: the legend wraps.
  const perLine = Math.max(1, Math.floor((WIDTH - MARGIN.left - MARGIN.right) / LEGEND_ITEM_WIDTH));
  const height = legendTop + 40 + (Math.ceil(present.length / perLine) - 1) * LEGEND_LINE_HEIGHT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13" fill="#333">${escapeXml(title)}</text>`,
    `<text x="${MARGIN.left}" y="34" font-size="10" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  panel(
    headerHeight,
    'Pipelined throughput, msgs/s (higher is better; log scale; median, whisker min–max)',
    throughput,
    formatRate,
    powerTick,
    parts,
  );
  panel(
    headerHeight + PANEL_HEIGHT,
    'Ping-pong p99 latency, µs (lower is better; log scale; median, whisker min–max)',
    latency,
    (value) => formatNumber(value),
    powerTick,
    parts,
  );
  present.forEach((transport, index) => {
    const x = MARGIN.left + (index % perLine) * LEGEND_ITEM_WIDTH;
    const y = legendTop + Math.floor(index / perLine) * LEGEND_LINE_HEIGHT;
    parts.push(
      `<rect x="${x}" y="${y}" width="14" height="14" fill="${COLORS[transport]}"/>`,
      `<text x="${x + 20}" y="${y + 11}" font-size="12">${escapeXml(TRANSPORTS[transport].label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

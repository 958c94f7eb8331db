// How the bench writes numbers, in its tables and in its target lines: both import this, and it
// imports neither (they once imported each other).
import type { Spread } from './stats.js';

/** Rates: three significant digits with k/M. */
export function formatRate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const scaled = (n: number, unit: string) =>
    `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)}${unit}`;
  if (abs >= 1e6) return scaled(value / 1e6, 'M');
  if (abs >= 1e3) return scaled(value / 1e3, 'k');
  return value.toFixed(0);
}

/** Microseconds, milliseconds and the like: one decimal below 10, thousands separated above. */
export function formatNumber(value: number | undefined, decimals?: number): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (decimals !== undefined) return value.toFixed(decimals);
  if (Math.abs(value) < 10) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

export function range(spread: Spread | undefined, format: (value: number) => string): string {
  if (!spread) return '';
  return spread.runs.length > 1 ? `${format(spread.min)}–${format(spread.max)}` : '';
}

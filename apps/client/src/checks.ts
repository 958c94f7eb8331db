import { UsageError } from './failures.js';

/**
 * Where a raw option value came from, so an error names what the user actually typed: `--timeout`
 * or `UDSIPC_TIMEOUT`.
 */
export interface Sourced {
  value: string;
  source: string;
}

const DECIMAL = /^[0-9]+$/;

/** A whole number written in decimal digits only (no sign, exponent, hex or blanks), within bounds. */
export function integerIn(raw: Sourced, min: number, max: number): number {
  const value = DECIMAL.test(raw.value) ? Number(raw.value) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${raw.source} must be an integer from ${min} to ${max}, got "${raw.value}"`);
  }
  return value;
}

export function oneOf<const T extends readonly string[]>(raw: Sourced, allowed: T): T[number] {
  if (!(allowed as readonly string[]).includes(raw.value)) {
    throw new UsageError(`${raw.source} must be one of ${allowed.join(', ')}, got "${raw.value}"`);
  }
  return raw.value as T[number];
}

import { z } from 'zod';

/** Decimal digits only: no sign, exponent, hex, blanks or fraction, so `1e3` is not a thousand. */
const DECIMAL = /^[0-9]+$/;

/** A whole number from min to max typed in decimal; every way to miss reads `must be an integer from min to max`. */
export function integerIn(min: number, max: number): z.ZodType<number> {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(DECIMAL, message)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message));
}

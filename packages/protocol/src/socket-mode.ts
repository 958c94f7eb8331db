import { z } from 'zod';

const NOT_OCTAL = 'must be an octal mode like 0600, 0660 or 0666';
/** Three octal digits, optionally after a 0: what operators type for chmod. */
const OCTAL_MODE_TEXT = /^0?[0-7]{3}$/;

/** A socket file's mode unless told otherwise: only its owner may connect. */
export const DEFAULT_SOCKET_MODE = 0o600;

/**
 * A socket file mode, written as octal text (`0660`, `660`) or given as a number (`0o660`): only
 * the owner, group and other permission bits, and the owner always with read and write. A socket
 * its owner cannot write to cannot be connected to, not even by the server's own user, so such a
 * mode is refused here rather than found out at the first connect. The one check of a mode: the
 * server's `--mode` and `createServer({ mode })` both use it.
 */
export const socketModeSchema = z
  .union([z.string(), z.number()])
  .transform((mode, context) => {
    if (typeof mode === 'number') return mode;
    if (OCTAL_MODE_TEXT.test(mode)) return Number.parseInt(mode, 8);
    context.issues.push({ code: 'custom', message: NOT_OCTAL, input: mode });
    return z.NEVER;
  })
  .pipe(
    z
      .number()
      .int(NOT_OCTAL)
      .min(0, NOT_OCTAL)
      .max(0o777, NOT_OCTAL)
      .refine((mode) => (mode & 0o600) === 0o600, 'must give the owner read and write (at least 0600)'),
  );

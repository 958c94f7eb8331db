import type { Output } from '../output.js';
import type { StopSignals } from '../signals.js';

/** What every command gets besides its options; it answers with the process exit code. */
export interface CommandContext {
  out: Output;
  signals: StopSignals;
}

export const EXIT_OK = 0;
export const EXIT_REQUEST_FAILED = 1;
export const EXIT_USAGE = 2;

import { warmupCount } from '@udsipc/node';
import { formatNumber } from './format.js';
import type { PhaseName } from './plan.js';
import type { RowResult } from './rows.js';

const PHASE_LABELS: Record<PhaseName, string> = {
  warmup: 'warm-up',
  pingpong: 'ping-pong',
  w8: 'w8',
  w64: 'w64',
};

/**
 * Why a phase of a row has no figure in some of its runs, for the notes column instead of a bare
 * "—": a phase measures nothing when every request it completed fell within its warm-up (it hit
 * its hard cap still short of it) or failed.
 */
export function unmeasuredNote(row: RowResult, phase: PhaseName): string | undefined {
  const spec = row.phases.find((candidate) => candidate.name === phase);
  if (!spec) return undefined;
  const empty = row.runs
    .map((run) => run.phases[phase])
    .filter((result) => result === undefined || result.measured === 0 || !(result.msgsPerSec > 0));
  if (empty.length === 0) return undefined;
  const warmup = warmupCount(spec.maxCount);
  const done = Math.max(...empty.map((result) => result?.count ?? 0));
  const errors = empty.reduce((total, result) => total + (result?.errors ?? 0), 0);
  const why =
    errors > 0
      ? `${formatNumber(errors)} errors`
      : `at most ${formatNumber(done)} done, warm-up ${formatNumber(warmup)}, cap ${formatNumber(spec.capMs)} ms`;
  return `${PHASE_LABELS[phase]} measured nothing in ${empty.length} of ${row.runs.length} runs (${why})`;
}

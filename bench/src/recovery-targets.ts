import { formatNumber } from './format.js';
import type { MigrationRow } from './migration.js';
import type { SocketKind } from './plan.js';
import type { RestartRow } from './restart.js';
import { check, type TargetCheck } from './target-checks.js';

/** A loaded migration may pause this much longer than an idle one (medians of this run). */
const LOADED_PAUSE_FACTOR = 1.5;
/** Waiting clients' first reply after a new server listens, p99 over clients (median of runs). */
const RESTART_FIRST_REPLY_P99_MS = 100;

const ms = (value: number) => `${formatNumber(value, value < 10 ? 1 : 0)} ms`;

/** A count that must be 0, summed over the runs of a row. */
function zero(id: string, goal: string, value: number | undefined, runs: number, of: string): TargetCheck {
  if (value === undefined || runs === 0) {
    return { id, goal, status: 'N/A', threshold: 0, detail: 'not measured (no run completed)' };
  }
  return {
    id,
    goal,
    status: value === 0 ? 'PASS' : 'MISS',
    threshold: 0,
    value,
    detail: `${formatNumber(value, 0)} in ${runs} run${runs === 1 ? '' : 's'} (${of})`,
  };
}

function migrationChecks(mode: SocketKind, rows: MigrationRow[]): TargetCheck[] {
  const loaded = rows.find((row) => row.mode === mode && row.loaded && !row.skipped);
  if (!loaded) return [];
  const idle = rows.find((row) => row.mode === mode && !row.loaded && !row.skipped);
  const totals = loaded.summary.load;
  const runs = loaded.runs.length;
  const sent = `${formatNumber(totals?.sent ?? 0, 0)} requests`;
  return [
    check(
      `migration-load-pause-${mode}`,
      `${mode}: pause under load ≤ ${LOADED_PAUSE_FACTOR}× the idle pause`,
      loaded.summary.pauseMs?.median,
      idle?.summary.pauseMs?.median,
      LOADED_PAUSE_FACTOR,
      false,
      ms,
      idle?.summary.pauseMs
        ? 'not measured: no loaded run completed'
        : `not measured: migration-${mode} (the idle pause) not run or failed`,
    ),
    zero(
      `migration-load-lost-${mode}`,
      `${mode} migration under load: 0 lost`,
      totals?.lost,
      runs,
      `of ${sent}`,
    ),
    zero(
      `migration-load-twice-${mode}`,
      `${mode} migration under load: 0 executed twice`,
      totals?.executedTwice,
      runs,
      `${formatNumber(totals?.executed ?? 0, 0)} executions for ${sent}`,
    ),
  ];
}

function restartChecks(mode: SocketKind, rows: RestartRow[]): TargetCheck[] {
  // The target is the waiting clients'; the full-load rows are shown beside it, not judged.
  const row = rows.find(
    (candidate) => candidate.mode === mode && candidate.afterRestart === 'waiting' && !candidate.skipped,
  );
  if (!row) return [];
  const { summary } = row;
  const p99 = summary.firstReplyP99Ms?.median;
  const goal = `${mode} restart: first reply p99 ≤ ${RESTART_FIRST_REPLY_P99_MS} ms after the new server listens`;
  const latency: TargetCheck =
    p99 === undefined
      ? {
          id: `restart-p99-${mode}`,
          goal,
          status: 'N/A',
          threshold: RESTART_FIRST_REPLY_P99_MS,
          detail: 'not measured',
        }
      : {
          id: `restart-p99-${mode}`,
          goal,
          status: p99 <= RESTART_FIRST_REPLY_P99_MS ? 'PASS' : 'MISS',
          threshold: RESTART_FIRST_REPLY_P99_MS,
          value: p99,
          detail:
            `${ms(p99)} over ${row.clients} clients (median of ${row.runs.length} run${row.runs.length === 1 ? '' : 's'}; ` +
            `p50 ${ms(summary.firstReplyP50Ms!.median)}, max ${ms(summary.firstReplyMaxMs!.median)})`,
        };
  return [
    latency,
    zero(
      `restart-lost-${mode}`,
      `${mode} restart: 0 lost`,
      row.runs.length > 0 ? summary.lost : undefined,
      row.runs.length,
      `of ${formatNumber(summary.sent, 0)} requests`,
    ),
  ];
}

/**
 * The targets of the migration and restart rows, for the rows that ran (a skipped row has none):
 * per mode, the loaded pause against the idle one, nothing lost or executed twice through a
 * migration under load, and how soon clients waiting through a restart are answered.
 */
export function recoveryTargets(migration: MigrationRow[], restart: RestartRow[]): TargetCheck[] {
  return (['dgram', 'stream'] as const).flatMap((mode) => [
    ...migrationChecks(mode, migration),
    ...restartChecks(mode, restart),
  ]);
}

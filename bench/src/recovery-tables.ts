import { formatNumber, range } from './format.js';
import type { MigrationRow, MigrationRun } from './migration.js';
import type { RestartRow } from './restart.js';
import type { Spread } from './stats.js';
import { type Column, renderTable } from './table.js';

const ms = (value: number) => formatNumber(value, 0);
const fine = (value: number) => formatNumber(value, 1);
const count = (value: number | undefined) => (value === undefined ? '' : formatNumber(value, 0));
const median = (spread: Spread | undefined, format: (value: number) => string) =>
  spread ? format(spread.median) : '—';

/** Empty cells for the columns a skipped row has nothing in. */
const blanks = (count: number): string[] => Array<string>(count).fill('');

function notes(runs: number, failures: string[]): string {
  if (failures.length === 0) return '';
  return runs === 0 ? `FAILED: ${failures[0]}` : `${failures.length} failed: ${failures[0]}`;
}

/** Medians [min–max] per row; the load columns only for rows under load. */
export function migrationTable(rows: MigrationRow[]): string {
  const columns: Column[] = [
    { header: 'mode', align: 'left' },
    { header: 'pause ms' },
    { header: '[min–max]', align: 'left' },
    { header: 'quiesce ms' },
    { header: 'dump ms' },
    { header: 'hand-over ms' },
    { header: 'restore→reply ms' },
    { header: '[min–max]', align: 'left' },
    { header: 'live→reply ms' },
    { header: 'sent' },
    { header: 'answered' },
    { header: 'lost' },
    { header: 'failed' },
    { header: 'twice' },
    { header: 'runs' },
    { header: 'notes', align: 'left' },
  ];
  const body = rows.map((row) => {
    if (row.skipped) return [row.label, 'SKIPPED', ...blanks(columns.length - 4), '0', row.skipped];
    const { summary } = row;
    return [
      row.label,
      median(summary.pauseMs, ms),
      range(summary.pauseMs, ms),
      median(summary.quiesceMs, ms),
      median(summary.dumpMs, ms),
      median(summary.handoverMs, ms),
      median(summary.restoreToReplyMs, ms),
      range(summary.restoreToReplyMs, ms),
      median(summary.liveToReplyMs, ms),
      count(summary.load?.sent),
      count(summary.load?.answered),
      count(summary.load?.lost),
      count(summary.load?.failed),
      count(summary.load?.executedTwice),
      String(row.runs.length),
      notes(row.runs.length, row.failures),
    ];
  });
  return renderTable(columns, body);
}

/** Every run of every migration row, in run order: how the pause and restore→reply move from run to run. */
export function migrationRunsTable(rows: MigrationRow[]): string {
  const columns: Column[] = [
    { header: 'mode', align: 'left' },
    { header: 'run' },
    { header: 'pause ms' },
    { header: 'quiesce ms' },
    { header: 'dump ms' },
    { header: 'hand-over ms' },
    { header: 'restore→reply ms' },
    { header: 'live→reply ms' },
    { header: 'sent' },
    { header: 'lost' },
    { header: 'twice' },
  ];
  const line = (row: MigrationRow, run: MigrationRun) => [
    row.label,
    String(run.run),
    ms(run.pauseMs),
    ms(run.quiesceMs),
    ms(run.dumpMs),
    ms(run.handoverMs),
    ms(run.restoreToReplyMs),
    run.liveToReplyMs === undefined ? '—' : ms(run.liveToReplyMs),
    count(run.load?.sent),
    count(run.load?.lost),
    count(run.load?.executedTwice),
  ];
  return renderTable(
    columns,
    rows.flatMap((row) => row.runs.map((run) => line(row, run))),
  );
}

export function restartTable(rows: RestartRow[]): string {
  const columns: Column[] = [
    { header: 'mode', align: 'left' },
    { header: 'after restart', align: 'left' },
    { header: 'clients', align: 'left' },
    { header: 'p50 ms' },
    { header: 'p99 ms' },
    { header: '[min–max]', align: 'left' },
    { header: 'max ms' },
    { header: 'noticed ms' },
    { header: 'outage ms' },
    { header: 'sent' },
    { header: 'lost' },
    { header: 'failed' },
    { header: 'twice' },
    { header: 'runs' },
    { header: 'notes', align: 'left' },
  ];
  const body = rows.map((row) => {
    const clients = `${row.clients} (${row.processes}×${row.clients / row.processes})`;
    if (row.skipped)
      return [
        row.mode,
        row.afterRestart,
        clients,
        'SKIPPED',
        ...blanks(columns.length - 6),
        '0',
        row.skipped,
      ];
    const { summary } = row;
    const measured = row.runs.length > 0;
    return [
      row.mode,
      row.afterRestart,
      clients,
      median(summary.firstReplyP50Ms, fine),
      median(summary.firstReplyP99Ms, fine),
      range(summary.firstReplyP99Ms, fine),
      median(summary.firstReplyMaxMs, fine),
      median(summary.noticedMs, fine),
      median(summary.outageMs, ms),
      measured ? count(summary.sent) : '',
      measured ? count(summary.lost) : '',
      measured ? count(summary.failed) : '',
      measured ? count(summary.executedTwice) : '',
      String(row.runs.length),
      notes(row.runs.length, row.failures),
    ];
  });
  return renderTable(columns, body);
}

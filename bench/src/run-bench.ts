import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildPingpong } from './c/build.js';
import { formatNumber, formatRate } from './format.js';
import { type MachineInfo, machineInfo, roundedLoad } from './machine.js';
import {
  describeMigrationRun,
  type MigrationRow,
  measureMigrationRun,
  migrationLabel,
  migrationUnavailable,
  summarizeMigration,
} from './migration.js';
import { type BenchProfile, budgetKey, payloadsFor, phasesFor, TRANSPORT_IDS, TRANSPORTS } from './plan.js';
import { scratchDirectory } from './processes.js';
import { recoveryTargets } from './recovery-targets.js';
import { describeRestartRun, measureRestartRun, type RestartRow, summarizeRestart } from './restart.js';
import { measureRun, type RowContext, type RowResult, type RunSample, summarize } from './rows.js';
import { measureScaleRun, SCALE_LABELS, type ScaleRow, summarizeScale } from './scale.js';
import type { ScaleTarget } from './scale-client.js';
import { checkTargets, type TargetCheck } from './target-checks.js';

/**
 * Everything `--only` can name; a prefix before a dash selects a family (c, udsipc, scale, restart,
 * migration, migration-load).
 */
export const SELECTABLE = [
  ...TRANSPORT_IDS,
  'scale-udsipc-dgram',
  'scale-udsipc-stream',
  'scale-raw-dgram',
  'scale-net-ndjson',
  'restart-dgram',
  'restart-stream',
  'migration-dgram',
  'migration-stream',
  'migration-load-dgram',
  'migration-load-stream',
] as const;
export type Selectable = (typeof SELECTABLE)[number];

export function selected(name: Selectable, only: readonly string[] | undefined): boolean {
  return only === undefined || only.some((entry) => name === entry || name.startsWith(`${entry}-`));
}

export interface BenchResults {
  /** 2: phases carry minMeasured/capMs, migration rows loaded/label and more fields, restart rows. */
  schema: 2;
  startedAt: string;
  elapsedS: number;
  machine: MachineInfo;
  options: { runs: number; quick: boolean; only: string[] | null };
  profile: BenchProfile;
  cCompiler: string | null;
  skipped: { name: string; reason: string }[];
  rows: RowResult[];
  scale: ScaleRow[];
  restart: RestartRow[];
  migration: MigrationRow[];
  targets: TargetCheck[];
}

export type Progress = (line: string) => void;

function describeRun(sample: RunSample): string {
  const { pingpong, w8, w64 } = sample.phases;
  const parts = [
    pingpong ? `pp ${formatRate(pingpong.msgsPerSec)} rt/s p50 ${formatNumber(pingpong.p50Us)} µs` : '',
    w8 ? `w8 ${formatRate(w8.msgsPerSec)}` : '',
    w64 ? `w64 ${formatRate(w64.msgsPerSec)} msgs/s` : w8 ? 'msgs/s' : '',
    `srv ${sample.server.peakRssMiB.toFixed(0)} MiB ${sample.server.cpuS.toFixed(2)} s`,
    sample.errors > 0 ? `${sample.errors} ERRORS` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/**
 * The whole bench: every selected row, `runs` times, interleaved (run 1 of every row, then run 2 …)
 * so slow drifts of the machine spread over all rows alike; then the scale rows, the restart rows,
 * then migration (idle and under load).
 */
export async function runBench(
  profile: BenchProfile,
  only: readonly string[] | undefined,
  progress: Progress,
): Promise<BenchResults> {
  const started = Date.now();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string) => progress(`${stamp()} ${line}`);
  const machine = machineInfo();
  const scratch = scratchDirectory();
  const replyDir = join(scratch, 'replies');
  mkdirSync(replyDir, { mode: 0o700 });
  const skipped: BenchResults['skipped'] = [];

  let cBinary: string | undefined;
  let cCompiler: string | null = null;
  const wantC = TRANSPORT_IDS.filter((id) => id.startsWith('c-') && selected(id, only));
  if (wantC.length > 0) {
    const build = buildPingpong(scratch);
    if (build.ok) {
      cBinary = build.binary;
      cCompiler = build.compiler;
      say(`compiled src/c/pingpong.c with cc -O2 (${build.compiler})`);
    } else {
      for (const id of wantC) skipped.push({ name: id, reason: build.reason });
      say(`SKIPPED the C rows: ${build.reason}`);
    }
  }
  const ctx: RowContext = { scratch, replyDir, cBinary };

  const transports = TRANSPORT_IDS.filter(
    (id) => selected(id, only) && (!id.startsWith('c-') || cBinary !== undefined),
  );
  const rows: RowResult[] = [];
  for (const payloadId of profile.payloads) {
    for (const transport of transports) {
      const info = TRANSPORTS[transport];
      const payload = payloadsFor(info.kind).find((candidate) => candidate.id === payloadId)!;
      rows.push({
        transport,
        label: info.label,
        kind: info.kind,
        payload,
        phases: phasesFor(profile.budgets[budgetKey(payloadId, info.kind)]),
        runs: [],
        failures: [],
        summary: summarize([]),
      });
    }
  }
  for (let run = 1; run <= profile.runs; run++) {
    for (const row of rows) {
      const name = `run ${run}/${profile.runs} · ${row.label} · ${row.payload.label}`;
      try {
        const sample = await measureRun(ctx, row.transport, row.payload, row.phases, run);
        row.runs.push(sample);
        say(`${name} · ${describeRun(sample)}`);
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of rows) row.summary = summarize(row.runs);

  const scaleTargets = (['udsipc-dgram', 'udsipc-stream', 'raw-dgram', 'net-ndjson'] as const).filter(
    (target) => selected(`scale-${target}`, only),
  );
  const clients = profile.scale.processes * profile.scale.clientsPerProcess;
  const scale: ScaleRow[] = scaleTargets.map((target: ScaleTarget) => ({
    target,
    label: SCALE_LABELS[target],
    clients,
    processes: profile.scale.processes,
    runs: [],
    failures: [],
    summary: summarizeScale([]),
  }));
  for (let run = 1; run <= profile.runs; run++) {
    for (const row of scale) {
      const name = `run ${run}/${profile.runs} · scale · ${row.label} × ${clients}`;
      try {
        const sample = await measureScaleRun(ctx, row.target, profile.scale, run);
        row.runs.push(sample);
        say(
          `${name} · ${formatRate(sample.msgsPerSec)} msgs/s · srv ${sample.server.peakRssMiB.toFixed(0)} MiB ` +
            `${sample.server.cpuS.toFixed(2)} s · opened in ${sample.openMs} ms` +
            (sample.errors > 0 ? ` · ${sample.errors} ERRORS` : ''),
        );
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of scale) row.summary = summarizeScale(row.runs);

  const restart = await runRestartRows(ctx, profile, only, say);
  const migration = await runMigrationRows(ctx, profile, only, say);

  machine.loadAtEnd = roundedLoad();
  return {
    schema: 2,
    startedAt: new Date(started).toISOString(),
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
    machine,
    options: { runs: profile.runs, quick: profile.quick, only: only ? [...only] : null },
    profile,
    cCompiler,
    skipped,
    rows,
    scale,
    restart,
    migration,
    targets: [...(rows.length > 0 ? checkTargets(rows) : []), ...recoveryTargets(migration, restart)],
  };
}

const MODES = ['dgram', 'stream'] as const;

/** The restart rows, `runs` times each, interleaved by run; not with --quick (seconds a run). */
async function runRestartRows(
  ctx: RowContext,
  profile: BenchProfile,
  only: readonly string[] | undefined,
  say: Progress,
): Promise<RestartRow[]> {
  const { processes, clientsPerProcess } = profile.restart;
  const skipped = profile.quick ? 'not run with --quick' : undefined;
  const rows: RestartRow[] = MODES.filter((mode) => selected(`restart-${mode}`, only)).map((mode) => ({
    mode,
    clients: processes * clientsPerProcess,
    processes,
    ...(skipped ? { skipped } : {}),
    runs: [],
    failures: [],
    summary: summarizeRestart([]),
  }));
  if (skipped && rows.length > 0) say(`SKIPPED restart: ${skipped}`);
  for (let run = 1; run <= profile.runs && !skipped; run++) {
    for (const row of rows) {
      const name = `run ${run}/${profile.runs} · restart · ${row.mode} × ${row.clients}`;
      try {
        const sample = await measureRestartRun(ctx.scratch, ctx.replyDir, row.mode, run, profile.restart);
        row.runs.push(sample);
        say(`${name} · ${describeRestartRun(sample)}`);
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of rows) row.summary = summarizeRestart(row.runs);
  return rows;
}

/**
 * The migration rows, idle and under load, `runs` times each, interleaved by run; they need root
 * and a working criu, and are not run with --quick.
 */
async function runMigrationRows(
  ctx: RowContext,
  profile: BenchProfile,
  only: readonly string[] | undefined,
  say: Progress,
): Promise<MigrationRow[]> {
  const wanted = [false, true].flatMap((loaded) =>
    MODES.filter((mode) => selected(loaded ? `migration-load-${mode}` : `migration-${mode}`, only)).map(
      (mode) => ({ mode, loaded }),
    ),
  );
  const unavailable = profile.quick
    ? 'not run with --quick'
    : wanted.length > 0
      ? migrationUnavailable()
      : undefined;
  const rows: MigrationRow[] = wanted.map(({ mode, loaded }) => ({
    mode,
    loaded,
    label: migrationLabel(mode, loaded),
    ...(unavailable ? { skipped: unavailable } : {}),
    runs: [],
    failures: [],
    summary: {},
  }));
  if (unavailable && rows.length > 0) say(`SKIPPED live migration: ${unavailable}`);
  for (let run = 1; run <= profile.runs && !unavailable; run++) {
    for (const row of rows) {
      const name = `run ${run}/${profile.runs} · migration · ${row.label}`;
      const load = row.loaded ? profile.migrationLoad : undefined;
      try {
        const sample = await measureMigrationRun(ctx.scratch, ctx.replyDir, row.mode, run, load);
        row.runs.push(sample);
        say(`${name} · ${describeMigrationRun(sample)}`);
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of rows) row.summary = summarizeMigration(row.runs);
  return rows;
}

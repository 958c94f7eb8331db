import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadInfo, loadBoundS, startBackgroundLoad } from './background-load.js';
import { buildPingpong } from './c/build.js';
import { usPerMessage } from './cpu-per-message.js';
import { formatNumber, formatRate } from './format.js';
import { largeTargets } from './large-targets.js';
import { type LayerRow, measureLayerRun, summarizeLayer } from './layer-rows.js';
import { type MachineInfo, machineInfo, roundedLoad } from './machine.js';
import {
  describeMigrationRun,
  type MigrationRow,
  measureMigrationRun,
  migrationLabel,
  migrationUnavailable,
  summarizeMigration,
} from './migration.js';
import { type NatsBroker, startNatsBroker } from './nats-broker.js';
import { natsTargets } from './nats-targets.js';
import { peerAvailability } from './peer-availability.js';
import { peerTargets } from './peer-targets.js';
import {
  type BenchProfile,
  budgetKey,
  NATS_IDS,
  PEER_IDS,
  payloadFor,
  phasesFor,
  TRANSPORT_IDS,
  TRANSPORTS,
  type TransportId,
} from './plan.js';
import { scratchDirectory } from './processes.js';
import { recoveryTargets } from './recovery-targets.js';
import {
  describeRestartRun,
  measureRestartRun,
  RESTART_LOADS,
  type RestartRow,
  restartRowId,
  summarizeRestart,
} from './restart.js';
import { measureRun, type RowContext, type RowResult, type RunSample, summarize } from './rows.js';
import { measureScaleRun, SCALE_LABELS, type ScaleRow, summarizeScale } from './scale.js';
import type { ScaleTarget } from './scale-client.js';
import { checkTargets, type TargetCheck } from './target-checks.js';

/**
 * Everything `--only` can name; a prefix before a dash selects a family (c, udsipc, peer, scale,
 * restart, restart-full, migration, migration-load), and so does each name of FAMILIES.
 */
export const SELECTABLE = [
  ...TRANSPORT_IDS,
  'scale-udsipc-dgram',
  'scale-udsipc-stream',
  'scale-raw-dgram',
  'scale-net-ndjson',
  'restart-dgram',
  'restart-stream',
  'restart-full-dgram',
  'restart-full-stream',
  'migration-dgram',
  'migration-stream',
  'migration-load-dgram',
  'migration-load-stream',
  'layer',
] as const;
export type Selectable = (typeof SELECTABLE)[number];

/** Families whose rows share no prefix: the NATS rows are udsipc-nats and raw-nats. */
const FAMILIES = new Map<string, readonly Selectable[]>([['nats', NATS_IDS]]);

export function selected(name: Selectable, only: readonly string[] | undefined): boolean {
  return (
    only === undefined ||
    only.some(
      (entry) =>
        name === entry || name.startsWith(`${entry}-`) || FAMILIES.get(entry)?.includes(name) === true,
    )
  );
}

export interface BenchResults {
  /**
   * 6: the layer floor (layer rows, layer-floor.ts). 5: the NATS rows (kind "nats": udsipc-nats and raw-nats through a nats-server the bench
   * starts, SKIPPED without one) and their targets. 4: the attachment payload (udsipc rows of payload.id "attachment"; every payload has an
   * `attachment` flag), targets for the large and attachment payloads. 3: CPU per message (runs'
   * serverCpu/clientCpu, phases' cpuTicks, summaries' µs/msg), the peer rows (skipped when they
   * cannot run), the background load. 2: phases carry minMeasured/capMs,
   * migration rows loaded/label and more fields, restart rows.
   */
  schema: 6;
  startedAt: string;
  elapsedS: number;
  machine: MachineInfo;
  options: { runs: number; quick: boolean; only: string[] | null; load: number };
  /** --load: the busy processes that ran beside every row. */
  load: LoadInfo;
  profile: BenchProfile;
  cCompiler: string | null;
  skipped: { name: string; reason: string }[];
  rows: RowResult[];
  scale: ScaleRow[];
  layer: LayerRow[];
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
    `µs/msg srv ${formatNumber(usPerMessage(sample.serverCpu))} cli ${formatNumber(usPerMessage(sample.clientCpu))}`,
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
 * then migration (idle and under load). With `load` busy processes beside all of them, started
 * before the first row and stopped after the last, whatever happens in between; the NATS rows'
 * nats-server likewise beside the rows only.
 */
export async function runBench(
  profile: BenchProfile,
  only: readonly string[] | undefined,
  progress: Progress,
  load = 0,
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

  /** Rows that cannot run here and why: a peer that does not load, NATS rows without a nats-server. */
  const rowSkips = new Map<string, string>();
  for (const peer of PEER_IDS.filter((id) => selected(id, only))) {
    const availability = await peerAvailability(peer);
    if (availability.ok) {
      say(`${TRANSPORTS[peer].label}: ${availability.found}`);
    } else {
      rowSkips.set(peer, availability.reason);
      skipped.push({ name: peer, reason: availability.reason });
      say(`SKIPPED ${TRANSPORTS[peer].label}: ${availability.reason}`);
    }
  }

  const background = startBackgroundLoad(load, loadBoundS(profile.runs));
  if (load > 0) say(`background load: ${load} busy process(es) started`);
  let broker: NatsBroker | undefined;
  try {
    broker = await natsBrokerFor(
      NATS_IDS.filter((id) => selected(id, only)),
      scratch,
      say,
      (id, reason) => {
        rowSkips.set(id, reason);
        skipped.push({ name: id, reason });
      },
    );
    const ctx: RowContext = { scratch, replyDir, cBinary, natsUrl: broker?.url };
    const rows = planRows(profile, only, cBinary !== undefined, rowSkips);
    const measured = await measureEverything(ctx, profile, only, rows, say, broker);
    machine.loadAtEnd = roundedLoad();
    return {
      schema: 6,
      startedAt: new Date(started).toISOString(),
      elapsedS: Math.round((Date.now() - started) / 100) / 10,
      machine,
      options: { runs: profile.runs, quick: profile.quick, only: only ? [...only] : null, load },
      load: background.info,
      profile,
      cCompiler,
      skipped,
      rows,
      ...measured,
      targets: [
        ...(rows.length > 0
          ? [...checkTargets(rows), ...largeTargets(rows), ...peerTargets(rows), ...natsTargets(rows)]
          : []),
        ...recoveryTargets(measured.migration, measured.restart),
      ],
    };
  } finally {
    await broker?.stop();
    await background.stop();
    if (load > 0) {
      say(`background load: stopped (${background.info.runningAtEnd} of ${load} were still running)`);
    }
  }
}

/**
 * The nats-server the selected NATS rows go through, started now; undefined when none is selected
 * or none can run here, and then each of them is SKIPPED with the reason.
 */
async function natsBrokerFor(
  wanted: readonly TransportId[],
  scratch: string,
  say: Progress,
  skip: (id: TransportId, reason: string) => void,
): Promise<NatsBroker | undefined> {
  if (wanted.length === 0) return undefined;
  const started = await startNatsBroker(scratch);
  if (started.ok) {
    say(`nats-server for the NATS rows: ${started.broker.version}, on ${started.broker.url}`);
    return started.broker;
  }
  for (const id of wanted) skip(id, started.reason);
  say(`SKIPPED the NATS rows: ${started.reason}`);
  return undefined;
}

/** Every selected row of every payload, each not run yet (or SKIPPED with its reason). */
function planRows(
  profile: BenchProfile,
  only: readonly string[] | undefined,
  withC: boolean,
  skips: ReadonlyMap<string, string>,
): RowResult[] {
  const transports = TRANSPORT_IDS.filter((id) => selected(id, only) && (!id.startsWith('c-') || withC));
  const rows: RowResult[] = [];
  for (const payloadId of profile.payloads) {
    for (const transport of transports) {
      const info = TRANSPORTS[transport];
      const payload = payloadFor(transport, payloadId);
      if (!payload) continue;
      const skip = skips.get(transport);
      rows.push({
        transport,
        label: info.label,
        kind: info.kind,
        payload,
        phases: phasesFor(profile.budgets[budgetKey(payloadId, info.kind)]),
        runs: [],
        failures: [],
        ...(skip ? { skipped: skip } : {}),
        summary: summarize([]),
      });
    }
  }
  return rows;
}

/** The rows (filled in place), then the scale, restart and migration rows. */
async function measureEverything(
  ctx: RowContext,
  profile: BenchProfile,
  only: readonly string[] | undefined,
  rows: RowResult[],
  say: Progress,
  broker: NatsBroker | undefined,
): Promise<Pick<BenchResults, 'scale' | 'layer' | 'restart' | 'migration'>> {
  for (let run = 1; run <= profile.runs; run++) {
    for (const row of rows) {
      if (row.skipped) continue;
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
  // Only the rows go through it: the scale, restart and migration rows run without it beside them.
  if (broker) {
    await broker.stop();
    say('nats-server stopped');
  }

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
            `${sample.server.cpuS.toFixed(2)} s · µs/msg srv ${formatNumber(usPerMessage(sample.serverCpu))} ` +
            `cli ${formatNumber(usPerMessage(sample.clientCpu))} · opened in ${sample.openMs} ms` +
            (sample.errors > 0 ? ` · ${sample.errors} ERRORS` : ''),
        );
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of scale) row.summary = summarizeScale(row.runs);

  const layer = await runLayerRows(profile, only, say);
  const restart = await runRestartRows(ctx, profile, only, say);
  const migration = await runMigrationRows(ctx, profile, only, say);
  return { scale, layer, restart, migration };
}

/** The layer floor, one row per payload size, `runs` times each, interleaved by run. */
async function runLayerRows(
  profile: BenchProfile,
  only: readonly string[] | undefined,
  say: Progress,
): Promise<LayerRow[]> {
  if (!selected('layer', only)) return [];
  const rows: LayerRow[] = profile.layer.sizes.map((size) => ({
    size,
    label: size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
    runs: [],
    failures: [],
    summary: summarizeLayer([]),
  }));
  for (let run = 1; run <= profile.runs; run++) {
    for (const row of rows) {
      const name = `run ${run}/${profile.runs} · layer floor · ${row.label}`;
      try {
        const sample = await measureLayerRun({ size: row.size, count: profile.layer.count });
        row.runs.push(sample);
        say(
          `${name} · µs a request: server layer ${formatNumber(sample.serverUs)}, client + server ` +
            `${formatNumber(sample.pairUs)}; NDJSON's JSON ${formatNumber(sample.ndjsonServerUs)} / ` +
            `${formatNumber(sample.ndjsonPairUs)}`,
        );
      } catch (error) {
        row.failures.push(message(error));
        say(`${name} · FAILED: ${message(error)}`);
      }
    }
  }
  for (const row of rows) row.summary = summarizeLayer(row.runs);
  return rows;
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
  const wanted = RESTART_LOADS.flatMap((afterRestart) =>
    MODES.filter((mode) => selected(restartRowId(mode, afterRestart), only)).map((mode) => ({
      mode,
      afterRestart,
    })),
  );
  const rows: RestartRow[] = wanted.map(({ mode, afterRestart }) => ({
    mode,
    afterRestart,
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
      const name = `run ${run}/${profile.runs} · ${restartRowId(row.mode, row.afterRestart)} · ${row.mode} × ${row.clients}`;
      try {
        const sample = await measureRestartRun(
          ctx.scratch,
          ctx.replyDir,
          row.mode,
          row.afterRestart,
          run,
          profile.restart,
        );
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

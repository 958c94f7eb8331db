#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OptionError } from '@udsipc/cli-options';
import { renderChart } from './chart.js';
import { layerTable } from './layer-rows.js';
import { describeMachine } from './machine.js';
import { type CliOptions, parseCli, USAGE } from './options.js';
import { type BenchProfile, FULL_PROFILE, isPeer, QUICK_PROFILE } from './plan.js';
import { migrationRunsTable, migrationTable, restartTable } from './recovery-tables.js';
import { type BenchResults, runBench } from './run-bench.js';
import { peerTable, pingpongTable, pipelinedTable, scaleTable, targetLines } from './table.js';

function report(results: BenchResults, outDir: string): string {
  const runs = results.options.runs;
  const sections: string[] = [
    `udsipc bench, ${results.startedAt}: ${runs} run${runs === 1 ? '' : 's'} per row, median [min–max]` +
      (results.options.quick ? ' (--quick smoke run: tiny counts, not a measurement)' : ''),
    `machine: ${describeMachine(results.machine)}; load average ${results.machine.loadAtStart[0]} at start, ` +
      `${results.machine.loadAtEnd?.[0] ?? '?'} at end`,
    results.load.processes > 0
      ? `background load (--load ${results.load.processes}): ${results.load.processes} busy process(es) ` +
        `beside every row (${results.load.command})` +
        (results.load.runningAtEnd !== undefined && results.load.runningAtEnd < results.load.processes
          ? `; only ${results.load.runningAtEnd} still ran at the end`
          : '')
      : 'background load: none (--load 0)',
  ];
  for (const skip of results.skipped) sections.push(`SKIPPED ${skip.name}: ${skip.reason}`);
  if (results.rows.length > 0) {
    sections.push(
      '',
      'Ping-pong: 1 request in flight. rt/s = round trips per second; p50/p99/p99.9 = latency of one round trip.',
      '×base = this row ÷ its Node baseline (udsipc stream ÷ net NDJSON, udsipc dgram ÷ raw unix-dgram,',
      'udsipc nats ÷ raw nats.js);',
      '×C = this row ÷ the C program in the same socket type. For p50 a ratio above 1 means slower.',
      'On a VM a blocking round trip also pays for waking an idle vCPU: compare rows of one run (README, Benchmarks).',
      ...(results.rows.some((row) => row.payload.attachment)
        ? [
            '"att." = udsipc only: echo with empty text and the bytes as a binary attachment (`data`, raw bytes after',
            'the JSON). Its ×base and ×C are against the large payload of the same bytes: the baselines, C and the peers',
            'echo bytes anyway, so they run no attachment variant.',
          ]
        : []),
      ...(results.rows.some((row) => row.kind === 'nats')
        ? [
            'NATS rows: client → nats-server → server and back, over TCP on 127.0.0.1, through one nats-server',
            'the bench started for them; raw nats.js = nats.js alone echoing the bytes to the reply subject. No C',
            'program speaks NATS (×C "—"); the server figures below are the echo server\'s, not nats-server\'s.',
          ]
        : []),
      pingpongTable(results.rows),
      '',
      'Pipelined: msgs/s with 8 and 64 requests in flight (60 KiB, 1 MiB and their "att.": window 8 only). Server: peak RSS',
      '(VmHWM) and CPU seconds (utime+stime, whole run: start-up and every phase) of the server process.',
      "µs/msg = CPU µs per message answered (utime+stime from /proc): srv = the server's after start-up over every",
      "request of the run; cli = the client process's after its warm-up phase over the requests after it;",
      '~ = some run rests on under 0.1 s of CPU (10 ms ticks), a coarse figure.',
      pipelinedTable(results.rows),
    );
    if (results.rows.some((row) => isPeer(row.transport))) {
      sections.push(
        '',
        'udsipc ÷ peers: each udsipc row against the peer row of the same payload size (the peers run the stream',
        'payloads: udsipc dgram meets them at 64 B and 4 KiB, "1 MiB att." their 1 MiB, outside the peer targets).',
        'rt/s, w8, w64: above 1 is faster; p50: above 1 is slower.',
        peerTable(results.rows),
      );
    }
  }
  if (results.scale.length > 0) {
    const profile = results.profile.scale;
    sections.push(
      '',
      `Scale: ${profile.processes * profile.clientsPerProcess} clients (datagram sockets or stream connections) in ` +
        `${profile.processes} client processes against one server; each client keeps one 64 B echo in flight.`,
      `Aggregate msgs/s over ${profile.measureMs} ms after ${profile.warmupMs} ms of warm-up; open ms = time to open ` +
        'the clients (slowest process).',
      'µs/msg: srv = server CPU from "go" (all clients open) to the clients\' exit over every reply since "go";',
      "cli = the client processes' CPU over the measuring window over its replies.",
      scaleTable(results.scale),
    );
  }
  if (results.layer.length > 0) {
    sections.push(
      '',
      `Layer floor: udsipc's request/reply layer alone, in one process, no socket (RpcServer with the daemon's echo`,
      `handler, RpcClient, the JSON codec; ${results.profile.layer.count.toLocaleString('en-US')} requests a part after as many to warm up).`,
      'µs = CPU µs a request: srv layer = decode, replay memory, validation, handler, encode; pair layer = client and',
      "server, 64 in flight. NDJSON JSON = all the NDJSON baseline does a message besides its sockets: its server's",
      "JSON.parse + JSON.stringify of the line, pair = with its client's. ×JSON = layer ÷ that JSON.",
      `w64 ×base ≤: the best udsipc's w64 row could reach against its baseline in this run. At 64 in flight the rows`,
      `keep the ${results.machine.nproc} cores busy, so the baseline spends at most cores ÷ its w64 rate a message; udsipc needs its`,
      'socket work at least, plus the pair layer in place of its JSON (raw nats.js has none). A target above it',
      'cannot be met by a faster transport, only by a cheaper layer.',
      ...(results.load.processes > 0
        ? [
            'With --load the rows share the cores with the busy processes, which the bound does not count: it is',
            "looser here, and a quiet run's is the one that speaks.",
          ]
        : []),
      layerTable(results.layer, results.rows, results.machine.nproc),
    );
  }
  if (results.restart.length > 0) {
    const { processes, clientsPerProcess, window, downMs } = results.profile.restart;
    sections.push(
      '',
      `Restart: ${processes * clientsPerProcess} clients in ${processes} processes, ${window} echoes in flight each; ` +
        `the server gets SIGTERM, ${downMs} ms`,
      'later a new one starts on the same path. After restart "waiting": each lane waits for what it has',
      'outstanding and issues no more (the target\'s figure); "full-load": each lane goes on at full load, as a',
      'real client would, so the cold new server also serves the first clients back while the others reach it. p50/p99/max',
      "over clients (median of runs) = from the new socket going live (inotify, or the server's own log line if",
      "earlier; one monotonic clock) to that client's first reply; noticed = live to the slowest client process",
      'seeing the new socket through its own inotify watch; outage = SIGTERM to live. lost = sent − answered;',
      "twice = echo executions (old server's + new one's) − requests.",
      restartTable(results.restart),
    );
  }
  if (results.migration.length > 0) {
    const load = results.profile.migrationLoad;
    sections.push(
      '',
      'Live migration (udsipc-migrate dump, then restore at once; a fresh server each run): pause = unreachable',
      'window, from the quiesce to the first reply after restore; restore→reply = from the start of criu restore to',
      "that reply (udsipc-migrate's ping); live→reply = its part after the restored server bound its path again, the",
      'rest being criu restore and the resume; hand-over = pause − quiesce − dump − restore→reply (mostly',
      'udsipc-migrate restore starting: node and `criu check`). Under load: ' +
        `${load.processes * load.clientsPerProcess} clients, ${load.window} echoes in flight each,`,
      `from ${load.progress} replies each before the dump to ${load.progress} more after the restore; lost = sent − ` +
        'answered (each reply',
      'checked against its request); twice = echo executions − requests.',
      migrationTable(results.migration),
    );
    if (results.migration.some((row) => row.runs.length > 0)) {
      sections.push('', 'Per run:', migrationRunsTable(results.migration));
    }
  }
  if (results.targets.length > 0) {
    sections.push('', 'Targets (medians, or totals, of this run):', targetLines(results.targets));
  }
  const where = relative(process.cwd(), outDir) || '.';
  sections.push(
    '',
    `total ${results.elapsedS.toFixed(1)} s; results in ${join(where, 'bench-results.json')}, chart ${join(where, 'chart.svg')}`,
  );
  return `${sections.join('\n')}\n`;
}

/**
 * Rows that failed every run: the bench itself is broken there, not just slow. Not the peers: a
 * peer that fails here is a result about it (its row says FAILED, or SKIPPED when it cannot load).
 */
function brokenRows(results: BenchResults): string[] {
  return [
    ...results.rows
      .filter((row) => row.runs.length === 0 && !row.skipped && !isPeer(row.transport))
      .map((row) => `${row.label} ${row.payload.label}`),
    ...results.scale.filter((row) => row.runs.length === 0).map((row) => `scale ${row.label}`),
    ...results.layer.filter((row) => row.runs.length === 0).map((row) => `layer floor ${row.label}`),
    ...results.restart
      .filter((row) => !row.skipped && row.runs.length === 0)
      .map((row) => `restart ${row.mode} ${row.afterRestart}`),
    ...results.migration
      .filter((row) => !row.skipped && row.runs.length === 0)
      .map((row) => `migration ${row.label}`),
  ];
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const base = options.quick ? QUICK_PROFILE : FULL_PROFILE;
  const profile: BenchProfile = { ...base, runs: options.runs };
  const results = await runBench(
    profile,
    options.only,
    (line) => process.stderr.write(`${line}\n`),
    options.load,
  );
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const title = `udsipc bench, ${results.startedAt}: ${profile.runs} run(s) per row${profile.quick ? ' (--quick)' : ''}`;
  writeFileSync(
    join(options.outDir, 'chart.svg'),
    renderChart(results.rows, title, describeMachine(results.machine)),
  );
  process.stdout.write(report(results, options.outDir));
  const broken = brokenRows(results);
  if (broken.length > 0) {
    process.stderr.write(`bench: no run completed for: ${broken.join(', ')}\n`);
    return 1;
  }
  return 0;
}

// `pnpm bench -- --runs 3` hands the separator on; `pnpm bench --runs 3` does not.
const argv = process.argv.slice(2);
main(argv[0] === '--' ? argv.slice(1) : argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);

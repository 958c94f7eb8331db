// One fast smoke run of the bench code (`--quick`: one run, 64 B and the udsipc attachment rows,
// tiny counts, no migration; the NATS rows through a nats-server it starts, or SKIPPED without one). It runs the built dist/ like `pnpm bench` does; turbo builds the
// package before its tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, warmupCount } from '@udsipc/node';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const out = mkdtempSync(join(tmpdir(), 'udsipc-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Spread {
  median: number;
}
interface CpuFigures {
  serverUsPerMsg?: Spread;
  clientUsPerMsg?: Spread;
}
interface Results {
  schema: number;
  options: { load: number };
  load: { processes: number; runningAtEnd?: number };
  rows: {
    transport: string;
    label: string;
    payload: { id: string; label: string; bytes: number; attachment: boolean };
    skipped?: string;
    failures: string[];
    summary: CpuFigures & {
      errors: number;
      pingpong: { rtPerSec?: Spread; p50Us?: Spread };
      w8?: Spread;
      w64?: Spread;
      serverRssMiB?: Spread;
    };
  }[];
  scale: { target: string; summary: CpuFigures & { msgsPerSec?: Spread; serverRssMiB?: Spread } }[];
  migration: { mode: string; skipped?: string }[];
  layer: {
    size: number;
    failures: string[];
    runs: {
      serverUs: number;
      pairUs: number;
      ndjsonServerUs: number;
      ndjsonPairUs: number;
    }[];
  }[];
  targets: { id: string; status: string; detail: string }[];
  elapsedS: number;
}

const PEERS = ['peer-zeromq', 'peer-node-ipc'];
/** SKIPPED together, with one reason, when no nats-server can run here. */
const NATS_ROWS = ['udsipc-nats', 'raw-nats'];
/** The attachment payload's rows and the issue's targets of the large payloads. */
const ATTACHMENT_ROWS = [
  { transport: 'udsipc-stream', label: 'udsipc stream', payload: '1 MiB att.', bytes: 1024 * 1024 },
  { transport: 'udsipc-dgram', label: 'udsipc dgram', payload: '60 KiB att.', bytes: 60 * 1024 },
];
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LARGE_TARGETS = ['stream-large-text-w8', 'stream-attachment-w8', 'dgram-attachment-w8'];

/** Processes still running the bench's busy loop for the bench process `benchPid`. */
function loadLoopsOf(benchPid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        return args.includes('load') && args.at(-1) === String(benchPid) && args.includes('sh');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('pnpm bench --quick', () => {
  it('prints every row and writes bench-results.json and chart.svg with measured numbers', () => {
    expect(existsSync(MAIN), `${MAIN} is missing: build the bench first`).toBe(true);
    const run = spawnSync(process.execPath, [MAIN, '--quick', '--out', out], {
      encoding: 'utf8',
      // A hang guard only: a busy machine takes its time, and the run is judged by what it printed.
      timeout: 170_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const table = run.stdout;
    const withC = !/SKIPPED c-stream/.test(table);
    for (const label of ['net NDJSON', 'raw unix-dgram', 'udsipc stream', 'udsipc dgram']) {
      expect(table).toMatch(new RegExp(`^${label} +64 B `, 'm'));
    }
    if (withC) expect(table).toMatch(/^C stream +64 B /m);
    expect(table).toMatch(/^udsipc dgram +10 \(2×5\)/m);
    expect(table).toMatch(/^dgram +SKIPPED/m);
    expect(table).toMatch(/^(PASS|MISS) {2}udsipc dgram pipelined/m);
    expect(table).toMatch(/^background load: none \(--load 0\)$/m);
    // CPU per message: a column of the pipelined table and of the scale table, and four targets.
    expect(table.match(/ srv CPU s {2}srv µs\/msg {2}cli µs\/msg /g)).toHaveLength(2);
    expect(
      table.match(/^(PASS|MISS) {2}udsipc (dgram|stream) (server|client) CPU per message/gm),
    ).toHaveLength(4);
    // 4 throughput/latency targets, 4 CPU ones, 3 of the large payloads, udsipc stream and dgram
    // against each peer, and udsipc nats against raw nats.js at 64 B: ping-pong, w8, w64.
    expect(table.match(/^(PASS|MISS|N\/A) {2}/gm)).toHaveLength(18);
    const natsSkipped = /^SKIPPED udsipc-nats: \S/m.test(table);
    expect(table.match(/^(PASS|MISS|N\/A) {2}udsipc nats ≥ 0\.8× raw nats\.js \(64 B, /gm)).toHaveLength(3);
    if (!natsSkipped) {
      expect(table).toMatch(/^raw nats\.js +64 B +\d/m);
      expect(table).toMatch(/^udsipc nats +64 B +\d/m);
      expect(run.stderr).toMatch(/nats-server for the NATS rows: .* on nats:\/\/127\.0\.0\.1:\d+/);
      expect(run.stderr).toMatch(/nats-server stopped/);
    }
    // The attachment rows: a line in the ping-pong, the pipelined and the peer table, no errors
    // noted in the first two (the peer table's notes are about the peers), and the note that only
    // udsipc runs them.
    for (const { label, payload } of ATTACHMENT_ROWS) {
      const lines = table
        .split('\n')
        .filter((line) => line.startsWith(`${label} `) && line.includes(` ${payload} `));
      expect(lines, payload).toHaveLength(3);
      for (const line of lines.slice(0, 2))
        expect(line, payload).not.toMatch(/error|FAILED|measured nothing/i);
      const progress = run.stderr.match(
        new RegExp(`run 1/1 · ${literal(`${label} · ${payload}`)} · .*`),
      )?.[0];
      expect(progress, payload).toMatch(/ · pp .* · w8 \S+ · msgs\/s · /);
      expect(progress, payload).not.toMatch(/ERRORS/);
    }
    expect(table).toMatch(
      /^"att\." = udsipc only: echo with empty text and the bytes as a binary attachment/m,
    );
    // Their counterparts (the large text rows) do not run with --quick: N/A, naming the row.
    expect(table).toMatch(
      /^N\/A {3}udsipc stream 1 MiB attachment echo, 8 in flight \(w8\) ≥ 0\.3× C stream 1 MiB: not measured \(C stream 1 MiB not run\)$/m,
    );
    expect(table).toMatch(
      /^N\/A {3}udsipc dgram 60 KiB attachment echo, 8 in flight \(w8\) ≥ 0\.5× raw unix-dgram 60 KiB: not measured \(raw unix-dgram 60 KiB not run\)$/m,
    );
    expect(table).toMatch(
      /^N\/A {3}udsipc stream 1 MiB JSON text, 8 in flight \(w8\) ≥ 1\.0× net NDJSON: not measured/m,
    );
    expect(table).toMatch(/^udsipc ÷ peers/m);
    expect(run.stderr).toMatch(/run 1\/1 · udsipc dgram · 64 B · pp .* µs\/msg srv [\d.]+ cli [\d.]+/);

    const results = JSON.parse(readFileSync(join(out, 'bench-results.json'), 'utf8')) as Results;
    expect(results.schema).toBe(6);
    expect(results.options.load).toBe(0);
    expect(results.rows.length).toBe(withC ? 12 : 10);
    for (const { transport, bytes } of ATTACHMENT_ROWS) {
      const row = results.rows.find(
        (candidate) => candidate.transport === transport && candidate.payload.attachment,
      );
      expect(row?.payload, transport).toMatchObject({ id: 'attachment', bytes });
      expect(row?.failures, transport).toEqual([]);
      expect(row?.summary.errors, transport).toBe(0);
      // Window 8 only, as the large payload it stands beside.
      expect(row?.summary.w64, transport).toBeUndefined();
    }
    for (const row of results.rows) {
      const attachment = row.payload.id === 'attachment';
      expect(row.payload.attachment, row.transport).toBe(attachment);
      if (attachment) expect(row.transport).toMatch(/^udsipc-/);
      else expect(row.payload.id).toBe('small');
      if (row.skipped !== undefined) {
        // Only a peer or a NATS row may be SKIPPED, and then with its reason, in the tables and in
        // its targets.
        expect([...PEERS, ...NATS_ROWS], row.transport).toContain(row.transport);
        expect(row.skipped.length, row.transport).toBeGreaterThan(0);
        expect(table).toMatch(new RegExp(`^${literal(row.label)} +64 B .*SKIPPED: \\S`, 'm'));
        const target = NATS_ROWS.includes(row.transport)
          ? `^N/A {3}udsipc nats ≥ 0\\.8× raw nats\\.js .*SKIPPED: \\S`
          : `^N/A {3}udsipc dgram ≥ 1\\.0× ${row.label} .*SKIPPED: \\S`;
        expect(table).toMatch(new RegExp(target, 'm'));
        continue;
      }
      expect(row.summary.pingpong.rtPerSec?.median, row.transport).toBeGreaterThan(0);
      expect(row.summary.pingpong.p50Us?.median, row.transport).toBeGreaterThan(0);
      expect(row.summary.w8?.median, row.transport).toBeGreaterThan(0);
      if (!attachment) expect(row.summary.w64?.median, row.transport).toBeGreaterThan(0);
      expect(row.summary.serverRssMiB?.median, row.transport).toBeGreaterThan(0);
      // A C client can answer the whole smoke run inside one 10 ms tick: 0 is a reading, absence is not.
      expect(row.summary.serverUsPerMsg?.median, row.transport).toBeGreaterThanOrEqual(0);
      expect(row.summary.clientUsPerMsg?.median, row.transport).toBeGreaterThanOrEqual(0);
    }
    for (const peer of PEERS) {
      const row = results.rows.find((candidate) => candidate.transport === peer);
      expect(row, peer).toBeDefined();
      if (row?.skipped === undefined) {
        expect(table).toMatch(new RegExp(`^(PASS|MISS) {2}udsipc dgram ≥ 1\\.0× ${row?.label} `, 'm'));
      }
    }
    expect(results.scale.map((row) => row.target).sort()).toEqual(
      ['net-ndjson', 'raw-dgram', 'udsipc-dgram', 'udsipc-stream'].sort(),
    );
    for (const row of results.scale) {
      expect(row.summary.msgsPerSec?.median, row.target).toBeGreaterThan(0);
      expect(row.summary.serverUsPerMsg?.median, row.target).toBeGreaterThan(0);
      expect(row.summary.clientUsPerMsg?.median, row.target).toBeGreaterThanOrEqual(0);
    }
    expect(results.migration.every((row) => row.skipped === 'not run with --quick')).toBe(true);
    // The layer floor: its one 64 B row measured (the worker checks every request was answered),
    // and its line, whose bound against net NDJSON comes from the 64 B row of this run.
    expect(results.layer.map((row) => row.size)).toEqual([64]);
    const [floor] = results.layer[0]!.runs;
    expect(results.layer[0]!.failures).toEqual([]);
    for (const figure of ['serverUs', 'pairUs', 'ndjsonServerUs', 'ndjsonPairUs'] as const) {
      expect(floor?.[figure], figure).toBeGreaterThan(0);
    }
    expect(table).toMatch(/^Layer floor: udsipc's request\/reply layer alone/m);
    expect(table).toMatch(
      /^64 B +[\d.,]+ +[\d.,]+ +[\d.]+ +[\d.]+ +[\d.]+× +[\d.]+× +[\d.]+× +([\d.]+×|—)$/m,
    );
    for (const target of results.targets) {
      if (LARGE_TARGETS.includes(target.id)) {
        expect(target.status, target.id).toBe('N/A');
        expect(target.detail, target.id).toMatch(/not run/);
      } else if (natsSkipped && target.id.startsWith('nats-')) {
        expect(target.status, target.id).toBe('N/A');
      } else {
        expect(target.status, target.id).toMatch(/^(PASS|MISS)$/);
      }
    }
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(
      /^<svg [^>]*>[\s\S]*<rect [\s\S]*<\/svg>\n$/,
    );
  });

  it('--load 1 runs one busy process beside the rows and leaves none behind', () => {
    const loadOut = join(out, 'load');
    const run = spawnSync(
      process.execPath,
      [MAIN, '--quick', '--load', '1', '--only', 'raw-dgram', '--out', loadOut],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/background load: 1 busy process\(es\) started/);
    expect(run.stderr).toMatch(/background load: stopped \(1 of 1 were still running\)/);
    expect(run.stdout).toMatch(/^background load \(--load 1\): 1 busy process\(es\) beside every row/m);
    const results = JSON.parse(readFileSync(join(loadOut, 'bench-results.json'), 'utf8')) as Results;
    expect(results.options.load).toBe(1);
    expect(results.load).toMatchObject({ processes: 1, runningAtEnd: 1 });
    expect(loadLoopsOf(run.pid!)).toEqual([]);
  });

  it('takes its warm-up and percentiles by the udsipc-client bench rule (one function, from @udsipc/node)', () => {
    // min(1000, count/10) requests of warm-up; nearest-rank percentiles, always a measured sample.
    const counts = [1, 9, 10, 300, 9_999, 10_000, 20_000, 1_000_000];
    expect(counts.map(warmupCount)).toEqual([0, 0, 1, 30, 999, 1_000, 1_000, 1_000]);
    const sorted = Float64Array.from([1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
    expect([0, 1, 50, 90, 99, 99.9, 100].map((p) => percentile(sorted, p))).toEqual([
      1, 1, 13, 89, 144, 144, 144,
    ]);
  });

  it('refuses a bad flag with exit 2 and prints its usage with --help', () => {
    const bad = spawnSync(process.execPath, [MAIN, '--only', 'nonsense'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--only: unknown row "nonsense"/);
    const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pnpm bench/);
    expect(help.stdout).toMatch(/^ {2}--load N +N busy processes/m);
    expect(help.stdout).toMatch(/peer-zeromq, peer-node-ipc, raw-nats, udsipc-nats/);
    expect(help.stdout).toMatch(/nats selects raw-nats and udsipc-nats/);
    const tooMuch = spawnSync(process.execPath, [MAIN, '--load', '17'], { encoding: 'utf8' });
    expect(tooMuch.status).toBe(2);
  });
});

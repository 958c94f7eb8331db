import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeSocket } from '@udsipc/transport-dgram';
import { cpuTicksOf } from './cpu-ticks.js';

/** Every process the bench started and has not seen exit, by pid: killed on any way out. */
const live = new Map<number, string>();
/** Those of them that lead a process group of their own: killed with their whole group. */
const groups = new Set<number>();
let scratch: string | undefined;
let hooksInstalled = false;

function killAll(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(groups.has(pid) ? -pid : pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  groups.clear();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

/** Kills what is left and removes the scratch directory on exit, Ctrl-C, SIGTERM or a crash. */
function installCleanup(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping the servers and clients it started\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** A private (0700) scratch directory for sockets and binaries, removed when the bench exits. */
export function scratchDirectory(): string {
  installCleanup();
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'udsipc-bench-'));
    chmodSync(scratch, 0o700);
  }
  return scratch;
}

/** Tracks a process started elsewhere (a restored server is nobody's child) so it is killed on exit. */
export function trackPid(pid: number, name: string): void {
  installCleanup();
  live.set(pid, name);
}

export function untrackPid(pid: number): void {
  live.delete(pid);
}

export interface Child {
  name: string;
  pid: number;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const OUTPUT_CAP = 1 << 20;

/**
 * Spawns a tracked process with piped output (kept up to 1 MiB each). With `ownGroup` it leads a
 * process group of its own (setsid), and the bench kills that whole group: a command that starts
 * others (`timeout` and what it runs) leaves none behind.
 */
export function start(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  ownGroup = false,
): Child {
  installCleanup();
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached: ownGroup,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  live.set(pid, name);
  if (ownGroup) groups.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length < OUTPUT_CAP) stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < OUTPUT_CAP) stderr += chunk;
  });
  child.stdin!.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      live.delete(pid);
      groups.delete(pid);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(pid);
      groups.delete(pid);
      resolve(null);
    });
  });
  return { name, pid, child, stdout: () => stdout, stderr: () => stderr, exited };
}

export function isRunning(child: Child): boolean {
  return child.child.exitCode === null && child.child.signalCode === null;
}

/** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
export async function stopChild(child: Child, graceMs = 2_000): Promise<void> {
  if (!isRunning(child)) {
    await child.exited;
    return;
  }
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** SIGKILL to a process started with `ownGroup` and to everything in its group; resolves once it has exited. */
export async function killGroup(child: Child): Promise<void> {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  await child.exited;
}

/** Whether a socket file is at `path` with a process bound to it. */
export function isLiveSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket() && probeSocket(path) === 'live';
  } catch {
    return false;
  }
}

/** Resolves once a live server is bound at `path`; fails if the process exits or time runs out. */
export async function waitForSocket(child: Child, path: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isLiveSocket(path)) return;
    if (!isRunning(child)) {
      throw new Error(
        `${child.name} exited before listening: ${child.stderr().trim() || child.stdout().trim()}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name}: no live socket at ${path} after ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Resolves with the process's output once it has exited 0; rejects with its stderr otherwise. */
export async function outputOf(child: Child, timeoutMs: number): Promise<string> {
  const timer = setTimeout(() => child.child.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`${child.name} exited with ${code ?? 'a signal'}: ${child.stderr().trim().slice(-2000)}`);
  }
  return child.stdout();
}

/** The last line of output that parses as JSON. */
export function lastJsonLine(output: string): unknown {
  const lines = output.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]!) as unknown;
    } catch {
      // Not JSON: keep looking.
    }
  }
  throw new Error(`no JSON line in output: ${output.slice(-500)}`);
}

let clockTicks: number | undefined;

/** sysconf(_SC_CLK_TCK): the unit of utime and stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const value = Number(answer.stdout?.trim());
    clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** Clock ticks of /proc/<pid>/stat (cpu-ticks.ts, or a client's report) in seconds. */
export function ticksToSeconds(ticks: number): number {
  return ticks / ticksPerSecond();
}

export interface ProcessUsage {
  /** Peak resident set size (VmHWM), MiB. */
  peakRssMiB: number;
  /** utime + stime, seconds. */
  cpuS: number;
}

/** Peak RSS and CPU time of a running process, from /proc; undefined once it is gone. */
export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const ticks = cpuTicksOf(pid);
    if (ticks === undefined) return undefined;
    const hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    return { peakRssMiB: hwmKiB / 1024, cpuS: ticksToSeconds(ticks) };
  } catch {
    return undefined;
  }
}

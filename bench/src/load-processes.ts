import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadClientSpec, LoadSummary } from './load-client.js';
import { type Child, start, stopChild } from './processes.js';
import { WORKER_SCRIPT } from './rows.js';

/** How long a load process may take to do what it is asked before the run fails. */
const STEP_TIMEOUT_MS = 60_000;

/** A load process (load-client.ts) seen from the bench: what it has reported so far. */
export class LoadProcess {
  ready = false;
  answered = 0;
  /** Replies of its client with the fewest. */
  slowest = 0;
  marked = false;
  back = false;
  summary: LoadSummary | undefined;
  /**
   * Set once the process has exited and its output is read to the end: node's 'close', not 'exit',
   * which can come while the last lines are still in the pipe (child_process docs).
   */
  closed = false;

  constructor(readonly child: Child) {
    createInterface({ input: child.child.stdout! }).on('line', (line) => this.report(line));
    child.exited.then(() => {
      this.closed = true;
    });
  }

  private report(line: string): void {
    let message: Partial<Record<'ready' | 'marked' | 'back', boolean>> & {
      answered?: number;
      slowest?: number;
      summary?: LoadSummary;
    };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.ready) this.ready = true;
    if (message.marked) this.marked = true;
    if (message.back) this.back = true;
    if (message.answered !== undefined) this.answered = message.answered;
    if (message.slowest !== undefined) this.slowest = message.slowest;
    if (message.summary) this.summary = message.summary;
  }

  tell(word: 'mark' | 'stop'): void {
    this.child.child.stdin!.write(`${word}\n`);
  }
}

/**
 * Starts `processes` load processes against `socket`, each with its own reply directory (a datagram
 * client sweeps its directory when it opens), and waits until every one has started its load.
 */
export async function startLoad(
  name: string,
  spec: Omit<LoadClientSpec, 'replyDir'>,
  replyRoot: string,
  processes: number,
): Promise<LoadProcess[]> {
  const loads: LoadProcess[] = [];
  for (let index = 0; index < processes; index++) {
    const replyDir = join(replyRoot, `${name}-${index}`);
    mkdirSync(replyDir, { recursive: true, mode: 0o700 });
    const full: LoadClientSpec = { ...spec, replyDir };
    loads.push(
      new LoadProcess(
        start(`${name} load ${index + 1}`, process.execPath, [
          WORKER_SCRIPT,
          'load-client',
          JSON.stringify(full),
        ]),
      ),
    );
  }
  await waitFor(loads, (load) => load.ready, 'open its clients');
  return loads;
}

/** Resolves once `done` holds for every process; fails when one exits or time runs out. */
export async function waitFor(
  loads: LoadProcess[],
  done: (load: LoadProcess) => boolean,
  what: string,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!loads.every(done)) {
    // Only one that exited short of `done`: another may have finished and exited while the
    // slowest still works (at a stop under full load, each process drains its own requests).
    const exited = loads.find((load) => load.closed && !done(load));
    if (exited) {
      const { exitCode, signalCode } = exited.child.child;
      throw new Error(
        `${exited.child.name} exited (${signalCode ?? `code ${exitCode}`}) before it could ${what}: ` +
          (exited.child.stderr().trim().slice(-500) || 'nothing on stderr'),
      );
    }
    if (Date.now() > deadline) {
      const late = loads.filter((load) => !done(load)).map((load) => load.child.name);
      throw new Error(`${late.join(', ')} did not ${what} within ${timeoutMs} ms`);
    }
    await sleep(5);
  }
}

/** Progress, not time: every client of every process has had `more` replies beyond what it has now. */
export function waitForProgress(loads: LoadProcess[], more: number): Promise<void> {
  const targets = new Map(loads.map((load) => [load, load.slowest + more]));
  return waitFor(loads, (load) => load.slowest >= targets.get(load)!, `get ${more} more replies per client`);
}

/** Every process notes, per client, the time of its next reply; resolves once all have acknowledged. */
export async function markAll(loads: LoadProcess[]): Promise<void> {
  for (const load of loads) load.tell('mark');
  await waitFor(loads, (load) => load.marked, 'acknowledge the mark');
}

/** Stops the load gracefully (what is in flight is answered first) and collects every summary. */
export async function stopLoad(loads: LoadProcess[]): Promise<LoadSummary[]> {
  for (const load of loads) load.tell('stop');
  await waitFor(loads, (load) => load.summary !== undefined, 'finish its requests and summarize');
  await Promise.all(loads.map((load) => load.child.exited));
  return loads.map((load) => load.summary!);
}

/** Whatever state the run ended in: no load process outlives it. */
export async function killLoad(loads: LoadProcess[]): Promise<void> {
  await Promise.all(loads.map((load) => stopChild(load.child, 500)));
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from './processes.js';

/** The fields of a udsipc-server JSON log line (pino) that the bench reads. */
export interface LogRecord {
  event?: string;
  /** Date.now() when the line was written. */
  time?: number;
  /** On "stopped": handlers run in the server's life. */
  executed?: number;
}

/** The last line of a server's output (--log-format json) for `event`, if any yet. */
export function lastLoggedIn(output: string, event: string): LogRecord | undefined {
  const marker = `"event":"${event}"`;
  for (const line of output.split('\n').reverse()) {
    if (line.includes(marker)) return JSON.parse(line) as LogRecord;
  }
  return undefined;
}

export function lastLogged(server: Child, event: string): LogRecord | undefined {
  return lastLoggedIn(server.stdout(), event);
}

/** Waits for a line the server has written already or is about to (it reaches us through a pipe). */
export async function waitForLogged(server: Child, event: string, timeoutMs = 5_000): Promise<LogRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = lastLogged(server, event);
    if (record) return record;
    if (Date.now() > deadline) throw new Error(`${server.name} logged no "${event}" line in ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** A Date.now() reading, taken in any process of this machine, on process.hrtime.bigint()'s clock (±1 ms). */
export function monotonicOf(wallMs: number): bigint {
  return process.hrtime.bigint() - BigInt(Date.now() - wallMs) * 1_000_000n;
}

/**
 * When a server went live (bound its path): the earlier of the bench's inotify sighting and the
 * server's own log line for it ("listening", "resumed": written just after, ms resolution). Either
 * alone can be late when a busy machine leaves that process waiting for a CPU.
 */
export function liveMoment(seen: bigint | undefined, logged: LogRecord | undefined): bigint | undefined {
  const fromLog = typeof logged?.time === 'number' ? monotonicOf(logged.time) : undefined;
  if (seen === undefined || fromLog === undefined) return seen ?? fromLog;
  return fromLog < seen ? fromLog : seen;
}

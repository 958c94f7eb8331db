/**
 * Waiting without deadlines. A test waits for what it expects to happen however long a busy
 * machine takes: the test's own vitest timeout is the only bound, so a slow run is slow, never
 * red. Speed is measured by the benchmark, and only reported here.
 */

import { connectClient } from '@udsipc/node';
import type { StatsReply, TransportName } from '@udsipc/protocol';
import { type Running, sleep } from './daemons.js';
import { startPing, startWellBehaved } from './server-process.js';

const POLL_MS = 20;
/** How often a long wait says what it is still waiting for: a test that times out shows where it stood. */
const NOTE_EVERY_MS = 10_000;

/** Resolves once `condition` holds, however long that takes. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  state: () => unknown = () => undefined,
  pollMs = POLL_MS,
): Promise<void> {
  const started = Date.now();
  let noteAt = started + NOTE_EVERY_MS;
  while (!(await condition())) {
    if (Date.now() >= noteAt) {
      noteAt += NOTE_EVERY_MS;
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`still waiting after ${seconds} s for ${what}: ${JSON.stringify(state()) ?? ''}`);
    }
    await sleep(pollMs);
  }
}

/**
 * Request settings that never give up within a test: a slow reply costs a resend under the same
 * id (answered once, from the server's replay memory), never a failure.
 */
export const PATIENT = { timeoutMs: 5_000, retries: 1_000_000 } as const;
/** The same, as `udsipc-client` flags. */
export const PATIENT_FLAGS: readonly string[] = [
  '--timeout',
  String(PATIENT.timeoutMs),
  '--retries',
  String(PATIENT.retries),
];

/** The server's counters, asked for by a client that waits as long as it takes. */
export async function patientStats(
  transport: TransportName,
  path: string,
  replyDirectory: string,
): Promise<StatsReply> {
  const client = await connectClient({ transport, path, replyDirectory, ...PATIENT });
  try {
    return await client.request('stats', {});
  } finally {
    await client.close();
  }
}

/** `udsipc-client run --json` with patient requests: one ack every `intervalMs`, each line a reply. */
export function startPatientRun(
  transport: TransportName,
  path: string,
  replyDirectory: string,
  intervalMs = 2,
): Running {
  return startWellBehaved(transport, path, replyDirectory, intervalMs, PATIENT_FLAGS);
}

/** `udsipc-client ping --json` with patient requests: `count` pings, one at a time, `intervalMs` apart. */
export function startPatientPing(
  transport: TransportName,
  path: string,
  replyDirectory: string,
  count: number,
  intervalMs: number,
): Running {
  return startPing(transport, path, replyDirectory, count, intervalMs, PATIENT_FLAGS);
}

/**
 * Counts the replies a `run --json` client has printed so far (one line each), reading only what
 * was added since the last call: cheap enough to ask on every message.
 */
export function replyCounter(client: Running): () => number {
  let scanned = 0;
  let count = 0;
  return () => {
    const out = client.stdout();
    const complete = out.lastIndexOf('\n') + 1;
    for (
      let at = out.indexOf('"reply":', scanned);
      at !== -1 && at < complete;
      at = out.indexOf('"reply":', at + 1)
    )
      count++;
    scanned = Math.max(scanned, complete);
    return count;
  };
}

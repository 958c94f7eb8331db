import { setTimeout as sleep } from 'node:timers/promises';
import { elapsedUs, summarizeLatencies } from '@udsipc/node';
import { openConnection } from '../connect.js';
import { describeFailure, failureJson, failureLine, requestOf } from '../failures.js';
import type { Command } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => {});
}

/** Pings one at a time, so each round trip is measured alone, not queued behind another. */
export async function pingCommand(
  command: Extract<Command, { name: 'ping' }>,
  { out, signals }: CommandContext,
): Promise<number> {
  const { client } = await openConnection(command.connection);
  const undoForce = onAbort(signals.force, () => void client.close());
  const samples: number[] = [];
  let sent = 0;
  let failed = 0;
  try {
    for (let seq = 1; seq <= command.count && !signals.stop.aborted; seq++) {
      if (seq > 1) await pause(command.intervalMs, signals.stop);
      if (signals.stop.aborted) break;
      sent++;
      const started = process.hrtime.bigint();
      try {
        const { id, attempts, payload: reply } = await client.exchange('ping', { sentAt: Date.now() });
        const rttUs = elapsedUs(started, process.hrtime.bigint());
        samples.push(rttUs);
        if (out.json) {
          out.record({ seq, id, rttUs: Math.round(rttUs), attempts, serverPid: reply.pid });
        } else {
          out.line(`seq=${seq} rtt=${Math.round(rttUs)}us`);
        }
      } catch (error) {
        failed++;
        const { id, attempts } = requestOf(error);
        const failure = describeFailure(error);
        if (out.json) out.record({ seq, id, error: failureJson(failure), attempts });
        else out.error(`${failureLine(failure)} (seq=${seq})`);
      }
    }
  } finally {
    undoForce();
    await client.close();
  }
  const summary = summarizeLatencies(samples);
  if (out.json) {
    out.record({
      summary: {
        count: samples.length,
        minUs: summary?.minUs ?? null,
        p50Us: summary?.p50Us ?? null,
        p99Us: summary?.p99Us ?? null,
        maxUs: summary?.maxUs ?? null,
        sent,
        failed,
      },
    });
  } else {
    const figures = summary
      ? `${summary.minUs}/${summary.p50Us}/${summary.p99Us}/${summary.maxUs}us`
      : 'none (no replies)';
    out.line(
      `ping summary: count=${samples.length} sent=${sent} failed=${failed} min/p50/p99/max=${figures}`,
    );
  }
  return failed > 0 ? EXIT_REQUEST_FAILED : EXIT_OK;
}

import type { StatsReply } from '@udsipc/protocol';
import { openConnection } from '../connect.js';
import { describeFailure, failureLine } from '../failures.js';
import type { Command } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

function counts(byCode: Record<string, number>): string {
  const entries = Object.entries(byCode);
  return entries.length === 0 ? 'none' : entries.map(([code, count]) => `${code}=${count}`).join(' ');
}

/** The stats reply as label/value rows, in the order an operator reads them. */
export function statsTable(stats: StatsReply): string {
  const rows: [string, string][] = [
    ['transport', stats.transport],
    ['codec', stats.codec],
    ['uptime', `${(stats.uptimeMs / 1000).toFixed(1)} s`],
    ['requests', String(stats.requests)],
    ['executed', String(stats.executed)],
    ['executed by type', counts(stats.executedByType)],
    ['replies', String(stats.replies)],
    ['resends answered from memory', String(stats.resendsAnsweredFromMemory)],
    ['errors by code', counts(stats.errorsByCode)],
    ['send failures by code', counts(stats.sendFailuresByCode)],
    ['distinct clients', String(stats.distinctClients)],
    ['open connections', String(stats.openConnections)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export async function statsCommand(
  command: Extract<Command, { name: 'stats' }>,
  { out, signals }: CommandContext,
): Promise<number> {
  const { client } = await openConnection(command.connection);
  const undo = onAbort(signals.stop, () => void client.close());
  try {
    const stats = await client.request('stats', {});
    if (out.json) out.record(stats);
    else out.line(statsTable(stats));
    return EXIT_OK;
  } catch (error) {
    out.error(failureLine(describeFailure(error)));
    return EXIT_REQUEST_FAILED;
  } finally {
    undo();
    await client.close();
  }
}

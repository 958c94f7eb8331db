import type { StatsReply } from '@udsipc/protocol';
import type { Command } from '../options.js';
import type { CommandContext } from './context.js';
import { oneRequest } from './one-request.js';

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
  const { events } = stats;
  if (events) {
    rows.push(
      ['subscriptions', String(events.subscriptions)],
      [
        'events',
        `published=${events.published} delivered=${events.delivered} dropped=${events.dropped} expired subscriptions=${events.expired}`,
      ],
    );
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export function statsCommand(
  command: Extract<Command, { name: 'stats' }>,
  context: CommandContext,
): Promise<number> {
  return oneRequest(
    command.connection,
    context,
    (client, signal) => client.request('stats', {}, { signal }),
    statsTable,
  );
}

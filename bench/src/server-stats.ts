import { connectClient } from '@udsipc/node';
import type { StatsReply } from '@udsipc/protocol';
import type { SocketKind } from './plan.js';

/** The server's own counters (executions by message type, resends answered from memory, ...). */
export async function serverStats(
  transport: SocketKind,
  socket: string,
  replyDirectory: string,
): Promise<StatsReply> {
  const client = await connectClient({ transport, path: socket, replyDirectory });
  try {
    return await client.request('stats', {});
  } finally {
    await client.close();
  }
}

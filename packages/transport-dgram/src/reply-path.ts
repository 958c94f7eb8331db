import { lstatSync } from 'node:fs';
import { replyPathForSender } from '@udsipc/protocol';

function socketOwner(path: string): number | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isSocket() ? stats.uid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a datagram server answers a sender. A udsipc client sends from `c-<pid>-<hex>.tx.sock` and
 * reads replies from the unconnected `c-<pid>-<hex>.sock` beside it (see dgram-client.ts for why),
 * so a sender named like that is answered at that sibling, but only when both socket files exist
 * and have one owner: a sender cannot steer replies into a socket of another user. Anyone else (the
 * seed's C clients, older udsipc clients) is answered where it sent from.
 */
export function replyPathOf(senderPath: string): string {
  const paired = replyPathForSender(senderPath);
  if (paired === undefined) return senderPath;
  const owner = socketOwner(senderPath);
  return owner !== undefined && owner === socketOwner(paired) ? paired : senderPath;
}

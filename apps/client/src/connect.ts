import type { ClientTransport } from '@udsipc/core';
import { createClientTransport, RpcClient, TransportError } from '@udsipc/node';
import { isProtocolError } from '@udsipc/protocol';
import { UsageError } from './failures.js';
import type { ConnectionOptions } from './options.js';

export interface Connection {
  client: RpcClient;
  transport: ClientTransport;
}

/**
 * Opens an RpcClient as the options say. A failure here (reply directory unusable, path too long)
 * is the user's configuration, not a request failure, so it is reported as a UsageError.
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  let client: RpcClient | undefined;
  try {
    const transport = createClientTransport({
      transport: options.transport,
      path: options.socket,
      wire: options.codec,
      ...(options.replyDirectory === undefined ? {} : { replyDirectory: options.replyDirectory }),
    });
    client = new RpcClient({
      transport,
      wire: options.codec,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
    });
    await client.open();
    return { client, transport };
  } catch (error) {
    await client?.close().catch(() => {});
    if (isProtocolError(error) || error instanceof TransportError) {
      throw new UsageError(`${error.code}: ${error.message}`);
    }
    // A system call on the reply directory failed (mkdir, chmod): also the environment's doing.
    if (error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string') {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

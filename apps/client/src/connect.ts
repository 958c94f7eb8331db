import type { ClientTransport } from '@udsipc/core';
import { createClientTransport, RpcClient } from '@udsipc/node';
import { failureClassOf, toUdsipcError } from '@udsipc/protocol';
import { UsageError } from './failures.js';
import type { ConnectionOptions } from './options.js';

export interface Connection {
  client: RpcClient;
  transport: ClientTransport;
}

/**
 * Opens an RpcClient as the options say. A failure here (reply directory unusable, path too long)
 * is the user's configuration, not a request failure, so whatever its code it is reported as a
 * UsageError: `CODE: message`, the original as its cause. A system call on the reply directory
 * (mkdir, chmod) is normalized first, its errno name (or PERMISSION_DENIED) as the code. Only what
 * is not a udsipc failure at all (INTERNAL: a bug) goes on as it is.
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  let client: RpcClient | undefined;
  try {
    const transport = createClientTransport({
      transport: options.transport,
      path: options.socket,
      natsUrl: options.natsUrl,
      subject: options.subject,
      wire: options.codec,
      serverTrust: options.serverTrust,
      ...(options.replyDirectory === undefined ? {} : { replyDirectory: options.replyDirectory }),
    });
    client = new RpcClient({
      transport,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    });
    await client.open();
    return { client, transport };
  } catch (error) {
    await client?.close().catch(() => {});
    const failure = toUdsipcError(error);
    const failureClass = failureClassOf(failure.code);
    if (failureClass !== 'usage' && failureClass !== 'internal') {
      const { code, message } = failure;
      throw new UsageError(message.startsWith(`${code}: `) ? message : `${code}: ${message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

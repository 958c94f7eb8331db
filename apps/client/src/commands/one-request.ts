import type { RpcClient } from '@udsipc/node';
import { openConnection } from '../connect.js';
import { describeFailure, failureLine } from '../failures.js';
import type { ConnectionOptions } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

/**
 * The shape of `send` and `stats`: open, one request, print its reply (as one JSON object with
 * --json, else as `render` says) or its failure line, close. The first SIGINT/SIGTERM (Ctrl-C)
 * cancels the request: it fails as CANCELLED at once, and the server is told, so it does not run
 * it if it has not yet (a request already queued ahead of the cancellation still runs). A second
 * signal closes the client.
 */
export async function oneRequest<T extends object>(
  connection: ConnectionOptions,
  { out, signals }: CommandContext,
  request: (client: RpcClient, signal: AbortSignal) => Promise<T>,
  render: (reply: T) => string,
): Promise<number> {
  const { client } = await openConnection(connection);
  const undo = onAbort(signals.force, () => void client.close());
  try {
    const reply = await request(client, signals.stop);
    if (out.json) out.record(reply);
    else out.line(render(reply));
    return EXIT_OK;
  } catch (error) {
    out.error(failureLine(describeFailure(error)));
    return EXIT_REQUEST_FAILED;
  } finally {
    undo();
    await client.close();
  }
}

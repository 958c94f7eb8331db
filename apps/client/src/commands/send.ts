import { openConnection } from '../connect.js';
import { describeFailure, failureLine } from '../failures.js';
import type { Command } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

/** One request, one reply. A signal closes the client at once: the request then fails as CLOSED. */
export async function sendCommand(
  command: Extract<Command, { name: 'send' }>,
  { out, signals }: CommandContext,
): Promise<number> {
  const { client } = await openConnection(command.connection);
  const undo = onAbort(signals.stop, () => void client.close());
  try {
    const reply = await client.request(command.type, { text: command.text });
    if (out.json) out.record(reply);
    else out.line(`reply: ${reply.text}`);
    return EXIT_OK;
  } catch (error) {
    out.error(failureLine(describeFailure(error)));
    return EXIT_REQUEST_FAILED;
  } finally {
    undo();
    await client.close();
  }
}

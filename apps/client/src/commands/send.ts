import type { Command } from '../options.js';
import type { CommandContext } from './context.js';
import { oneRequest } from './one-request.js';

/** One request, one reply. */
export function sendCommand(
  command: Extract<Command, { name: 'send' }>,
  context: CommandContext,
): Promise<number> {
  return oneRequest(
    command.connection,
    context,
    (client, signal) => client.request(command.type, { text: command.text }, { signal }),
    (reply) => `reply: ${reply.text}`,
  );
}

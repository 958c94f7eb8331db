import type { Command } from '../options.js';
import type { CommandContext } from './context.js';
import { oneRequest } from './one-request.js';

/** One event to a topic's subscribers, through the server's built-in `publish`. */
export function publishCommand(
  command: Extract<Command, { name: 'publish' }>,
  context: CommandContext,
): Promise<number> {
  return oneRequest(
    command.connection,
    context,
    (client, signal) => client.request('publish', { topic: command.topic, event: command.event }, { signal }),
    (reply) =>
      `published ${command.topic} #${reply.seq}: delivered to ${reply.delivered}, dropped ${reply.dropped}`,
  );
}

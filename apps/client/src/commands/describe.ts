import type { DescribeReply, JsonSchema } from '@udsipc/protocol';
import type { Command } from '../options.js';
import type { CommandContext } from './context.js';
import { oneRequest } from './one-request.js';

/** A payload schema on one line, without the `$schema` URI every one of them repeats. */
function oneLine(schema: JsonSchema): string {
  const { $schema: _uri, ...rest } = schema;
  return JSON.stringify(rest);
}

/** The describe reply as text: versions, then each type with its request and reply schemas. */
export function describeText(reply: DescribeReply): string {
  const lines = [`protocol ${reply.protocol}${reply.serverVersion ? `, server ${reply.serverVersion}` : ''}`];
  for (const [type, { request, reply: answer }] of Object.entries(reply.types)) {
    lines.push(`${type}`, `  request  ${oneLine(request)}`, `  reply    ${oneLine(answer)}`);
  }
  return lines.join('\n');
}

export function describeCommand(
  command: Extract<Command, { name: 'describe' }>,
  context: CommandContext,
): Promise<number> {
  return oneRequest(
    command.connection,
    context,
    (client, signal) => client.request('describe', {}, { signal }),
    describeText,
  );
}
